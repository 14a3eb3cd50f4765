/**
 * Stripe's limits, as a bulk run paces itself against them (docs: rate limits): a global budget
 * per account (test 25, live 100 requests per second) and a budget per endpoint (each named
 * operation: listing, retrieving, redacting, cancelling; 25 per second by default). A request
 * waits for a token of its endpoint, then for one of the account; so the busiest endpoint runs at
 * its own budget while the others spend what the account has left: a live redact sweep redacts at
 * ~25/s and re-reads at ~25/s in parallel, plus its list pages.
 *
 * Each budget is a `Pacer` (pacer.ts) that adapts on its own. A 429 says which limit refused it
 * (`Stripe-Rate-Limited-Reason`): `endpoint-rate` and `endpoint-concurrency` slow that endpoint
 * only; `global-rate`, `global-concurrency` and a 429 without a reason slow the account's budget.
 * A `lock_timeout` (two writes to one object at once) or `resource-specific` is no rate limit: it
 * is retried and slows nothing.
 */
import type { Sleep } from "../stripe/backoff";
import { errorFacts } from "../stripe/errors";
import { Pacer, pacerSettings, type PacerSettings, type ResponseOutcome } from "./pacer";

export type Endpoint = "list" | "retrieve" | "redact" | "cancel" | RedactionJobEndpoint;

/** The Redaction Job endpoints (a Stripe preview) a jobs run calls, each its own budget. */
export type RedactionJobEndpoint = "job_create" | "job_retrieve" | "job_run" | "job_cancel" | "job_errors";

/** Stripe's documented default per endpoint. */
export const DEFAULT_ENDPOINT_RPS = 25;

export interface BudgetSettings {
  /** The account-wide cap (`--rps`, `requestsPerSecond`). */
  globalRps: number;
  /** Each endpoint's cap; Infinity: no endpoint budgets (one bucket for everything). */
  endpointRps: number;
  /**
   * Stripe's documented account-wide limit for the key's mode (test 25, live 100). A run asked for
   * more keeps inside it until the account shows it admits more (envelope.ts); endpoints do the
   * same with DEFAULT_ENDPOINT_RPS. Unset: no envelope for the account's budget.
   */
  documentedGlobalRps?: number;
  /** Adaptation settings shared by every budget. */
  pacer?: Partial<Omit<PacerSettings, "targetRps">>;
}

/** Which budget a failed request's 429 belongs to, if it was a rate limit at all. */
export function limitedBudget(error: unknown): "endpoint" | "global" | undefined {
  const facts = errorFacts(error);
  if (facts.statusCode !== 429 && facts.code !== "rate_limit") return undefined;
  if (facts.code === "lock_timeout") return undefined;
  const headers = (error as { headers?: Record<string, string | undefined> }).headers ?? {};
  const reason = headers["stripe-rate-limited-reason"];
  // A limit on one object says nothing about the rate: retried, nothing slowed.
  if (reason === "resource-specific") return undefined;
  return reason?.startsWith("endpoint-") ? "endpoint" : "global";
}

export class Budgets {
  readonly global: Pacer;
  private readonly endpoints = new Map<Endpoint, Pacer>();

  constructor(
    private readonly settings: BudgetSettings,
    private readonly deps: { now?: () => number; sleep?: Sleep } = {},
  ) {
    this.global = new Pacer(pacerSettings(settings.globalRps, { documentedRps: settings.documentedGlobalRps, ...settings.pacer }), deps);
  }

  /** The account-wide rate now (for progress lines). */
  get rate(): number {
    return this.global.rate;
  }

  private endpoint(name: Endpoint): Pacer | undefined {
    if (!Number.isFinite(this.settings.endpointRps)) return undefined;
    let pacer = this.endpoints.get(name);
    if (!pacer) {
      pacer = new Pacer(pacerSettings(this.settings.endpointRps, { documentedRps: DEFAULT_ENDPOINT_RPS, ...this.settings.pacer }), this.deps);
      this.endpoints.set(name, pacer);
    }
    return pacer;
  }

  /** Resolves when a request to `endpoint` may go: its endpoint's token first, then the account's. */
  async acquire(endpoint: Endpoint): Promise<void> {
    await this.endpoint(endpoint)?.acquire();
    await this.global.acquire();
  }

  /** Feeds a response back: an admitted request counts for both budgets; a 429 for the one it names. */
  record(endpoint: Endpoint, outcome: ResponseOutcome, error?: unknown): void {
    const own = this.endpoint(endpoint);
    if (outcome !== "rate_limited") {
      own?.record(outcome);
      this.global.record(outcome);
      return;
    }
    const budget = limitedBudget(error);
    if (budget === "endpoint") own?.record("rate_limited");
    else if (budget === "global") {
      this.global.record("rate_limited");
      // The account's limit refused it first: the endpoint's was never spent.
      own?.unspent();
    }
  }

  /** Requests the SDK sent on its own count against the account. */
  reconcile(sent: number): void {
    this.global.reconcile(sent);
  }
}
