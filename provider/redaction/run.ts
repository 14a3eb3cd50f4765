/**
 * A whole bulk run as the CLI and the BulkRedaction provider start it: guards (key mode, filter
 * bounds, maxSessions), a client with the SDK's retries off, one pacer for every request of the
 * run, then the sweep.
 *
 * The run's first request reads Stripe's clock (the `Date` header of a one-session list page):
 * relative dates (`7d`) resolve against it, once, so a local clock that is off cannot move the
 * range; and sessions created after that second are outside the run.
 */
import { randomUUID } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserInputError } from "../errors";
import { EvidenceWriter, evidenceFilter, footerOf, jobRecord, sessionRecord } from "./evidence";
import type Stripe from "stripe";
import { createStripeClient } from "../stripe/client";
import { stripeSweepApi, type ApiCounters, type SweepApi } from "./api";
import { DEFAULT_RETRY_BUDGET, pacedCaller, type PacedCall, type RetryBudget } from "./call";
import { compileFilter, parseFilter } from "./filter";
import { countLeftOut } from "./bound-reach";
import { describeError } from "./handle";
import { checkKey, MaxSessionsExceededError } from "./guards";
import { Budgets, DEFAULT_ENDPOINT_RPS } from "./budgets";
import { defaultConcurrency, type PacerSettings } from "./pacer";
import type { BulkAction } from "./plan";
import { Tally, type SessionOutcome, type SweepProgress, type SweepReport } from "./report";
import { sweep, type PlannedEntry } from "./sweep";
import { stripeRedactionJobsApi, type RedactionJobsApi } from "./jobs/client";
import { sweepByJobs, type JobSettings, type JobsSweepReport } from "./jobs/strategy";
import type { WaitSettings } from "./wait";
import { errorFacts } from "../stripe/errors";
import type { Sleep } from "../stripe/backoff";

/** Stripe's documented account-wide limits (NOTES.md, rate limits). */
export const DEFAULT_RPS = { test: 25, live: 100 } as const;

export interface BulkRunRequest {
  apiKey: string;
  apiBase?: string;
  /** Connect: every request of the run acts on this connected account (`Stripe-Account`). */
  stripeAccount?: string;
  allowLivemode?: boolean;
  /** Raw filter: validated here (UserInputError naming the field). */
  filter: unknown;
  action: BulkAction;
  dryRun?: boolean;
  maxSessions?: number;
  /** The account-wide cap. Default: 25 with test keys, 100 with live keys (Stripe's global limits). */
  requestsPerSecond?: number;
  /**
   * Each endpoint's cap (listing, retrieving, redacting, cancelling). Default 25, Stripe's
   * documented per-endpoint limit; Infinity paces the whole run with one bucket.
   */
  endpointRequestsPerSecond?: number;
  /** Default: enough workers to hide latency at that rate (see defaultConcurrency). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
  onSession?: (outcome: SessionOutcome) => void;
  /** Wall clock for resolving relative dates (read once per run). */
  now?: () => number;
  /** Monotonic clock for pacing and elapsed times. */
  clock?: () => number;
  sleep?: Sleep;
  /** Per-request timeout (a response that never comes counts as a transient failure). */
  timeoutMs?: number;
  retry?: Partial<RetryBudget>;
  pacer?: Partial<Omit<PacerSettings, "targetRps">>;
  /** Injected client (its listeners are attached for the run and removed after). */
  stripe?: Stripe;
  /** Injected API (unit tests); wins over `stripe`. */
  api?: SweepApi;
  /** Wait this long for sessions Stripe is still checking (BulkRedaction); default: skip them. */
  waitForProcessing?: WaitSettings;
  /** Benches only: force the re-read before each write on or off. */
  freshReads?: boolean;
  /** Act on exactly these sessions (an approved plan) instead of listing. */
  planned?: readonly PlannedEntry[];
  /** Append the run's evidence (header, a record per session handled, footer) to this file. */
  evidencePath?: string;
  /** Named in the evidence header. */
  tool?: string;
  /**
   * `per-session` (default): one redact or cancel per session, paced at Stripe's limits.
   * `jobs`: Stripe's Redaction Jobs (a preview; redact only): see jobs/strategy.ts.
   */
  strategy?: BulkStrategy;
  /** Jobs strategy: chunk size, polling and timeouts. */
  jobSettings?: Partial<JobSettings>;
  /** Injected Redaction Jobs API (tests). */
  jobsApi?: RedactionJobsApi;
  /** Dry runs: also count what a time-only bound leaves out (bound-reach.ts; a few list requests). */
  countLeftOut?: boolean;
}

export const BULK_STRATEGIES = ["per-session", "jobs"] as const;
export type BulkStrategy = (typeof BULK_STRATEGIES)[number];

export async function runBulkRedaction(request: BulkRunRequest): Promise<SweepReport | JobsSweepReport> {
  const mode = checkKey(request.apiKey, request.allowLivemode ?? false);
  const byJobs = request.strategy === "jobs";
  if (byJobs && request.action !== "redact") throw new UserInputError(`strategy: Redaction Jobs only redact; action "${request.action}" needs the per-session strategy`);
  const clock = request.clock ?? (() => performance.now());
  const filter = parseFilter(request.filter);
  const localNow = (request.now ?? Date.now)();
  // Refuses bad input before any request, on the local clock; compiled again on Stripe's below.
  compileFilter(filter, localNow);
  const rps = request.requestsPerSecond ?? DEFAULT_RPS[mode];
  const concurrency = request.concurrency ?? defaultConcurrency(rps);
  const timeoutMs = request.timeoutMs ?? 30_000;
  const ownsApi = request.api === undefined;
  const client = request.api === undefined || (byJobs && request.jobsApi === undefined)
    ? (request.stripe ?? createStripeClient({ apiKey: request.apiKey, apiBase: request.apiBase, stripeAccount: request.stripeAccount, maxNetworkRetries: 0, timeoutMs }))
    : undefined;
  const api = request.api ?? stripeSweepApi(client!, { timeoutMs });
  // The jobs go through the same client, so the run's counters see their requests too.
  const jobsApi = byJobs ? (request.jobsApi ?? stripeRedactionJobsApi(client!, { timeoutMs })) : undefined;
  const budgets = new Budgets(
    { globalRps: rps, documentedGlobalRps: DEFAULT_RPS[mode], endpointRps: request.endpointRequestsPerSecond ?? DEFAULT_ENDPOINT_RPS, pacer: request.pacer },
    { now: clock, sleep: request.sleep },
  );
  const retry: RetryBudget = { ...DEFAULT_RETRY_BUDGET, sleep: request.sleep, ...request.retry };
  const runId = randomUUID();
  const base = {
    api,
    budgets,
    action: request.action,
    concurrency,
    runId,
    retry,
    signal: request.signal,
    now: clock,
    onProgress: request.onProgress,
    freshReads: request.freshReads,
    sleep: request.sleep,
  };
  try {
    const baseline = api.counters();
    const started = clock();
    let serverNow: number | undefined;
    try {
      serverNow = await serverClock(pacedCaller({ api, budgets, retry }), api);
    } catch (error) {
      // The same as a first list page that failed: nothing was touched; a 401 names the key.
      return stoppedBeforeListing(request, error, api, baseline, clock() - started);
    }
    const now = serverNow ?? localNow;
    const compiled = compileFilter(filter, now, { createdAtMost: Math.floor(now / 1000) });
    const common = { ...base, filter: compiled };
    const evidence = request.evidencePath !== undefined ? openEvidence(request.evidencePath) : undefined;
    const stamp = (): string => new Date(localNow + (clock() - started)).toISOString();
    evidence?.append({
      kind: "header", runId, tool: request.tool ?? "pulumi-stripe-identity", time: stamp(), action: request.action, mode,
      account: request.stripeAccount ?? null, dryRun: request.dryRun ?? false, filter: evidenceFilter(filter),
      ...(byJobs && !request.dryRun ? { strategy: "jobs" as const } : {}),
    });
    const onSession = (outcome: SessionOutcome): void => {
      evidence?.append(sessionRecord(runId, request.action, outcome, stamp()));
      request.onSession?.(outcome);
    };
    let counting: SweepReport | undefined;
    if (request.maxSessions !== undefined && !request.dryRun && !request.planned) {
      // Count first, touching nothing: a filter wider than meant is caught before the first write.
      counting = await sweep({ ...common, dryRun: true, phase: "counting" });
      if (!counting.complete) return { ...counting, dryRun: false, matched: 0, wouldAct: 0, skipped: 0, skippedByReason: {} };
      if (counting.matched > request.maxSessions) throw new MaxSessionsExceededError(counting.matched, request.maxSessions);
    }
    const report: SweepReport | JobsSweepReport = byJobs && !request.dryRun
      ? await sweepByJobs({
        api, jobs: jobsApi!, budgets, filter: compiled, runId, retry, signal: request.signal, now: clock, sleep: request.sleep,
        maxSessions: request.maxSessions, onSession, onProgress: request.onProgress, settings: request.jobSettings,
        waitForProcessing: request.waitForProcessing,
        onJob: (event) => evidence?.append(jobRecord(runId, event, stamp())),
        ...(request.planned ? { planned: request.planned } : {}),
      })
      : await sweep({
      ...common,
      dryRun: request.dryRun ?? false,
      // A dry run counts everything, then compares (below); a real run also caps itself mid-run.
      maxSessions: request.dryRun ? undefined : request.maxSessions,
      onSession,
      ...(request.planned ? { planned: request.planned } : {}),
      waitForProcessing: request.waitForProcessing,
    });
    if (request.dryRun && request.maxSessions !== undefined && report.complete && report.matched > request.maxSessions) {
      throw new MaxSessionsExceededError(report.matched, request.maxSessions);
    }
    const leftOut = request.dryRun && request.countLeftOut && report.complete
      ? await countLeftOut({ api, call: pacedCaller({ api, budgets, retry }) }, filter, compiled, Math.floor(now / 1000)).catch(() => undefined) // a plan is whole without it
      : undefined;
    // Every request of the run counts: the clock request, the counting pass, the sweep and the count of what the bound leaves out.
    const total = api.counters();
    evidence?.append(footerOf(runId, report, stamp()));
    return { ...report, ...(leftOut ? { leftOutByTimeBound: leftOut } : {}), nowMs: now, requests: total.requests - baseline.requests, rateLimited: total.rateLimited - baseline.rateLimited, elapsedMs: clock() - started };
  } finally {
    if (ownsApi) api.close();
  }
}

/**
 * Stripe's clock: the `Date` header of a one-session list page (the cheapest request there is),
 * or undefined when the server sends none.
 */
export async function serverClock(call: PacedCall, api: SweepApi): Promise<number | undefined> {
  const page = await call("list", () => api.list({ limit: 1 }));
  return page.serverTimeMs;
}

/** Opens the evidence file for appending, or says which path cannot be written (before any write to Stripe). */
function openEvidence(path: string): EvidenceWriter {
  try {
    const writer = new EvidenceWriter(path);
    accessSync(dirname(resolve(path)), constants.W_OK);
    return writer;
  } catch (error) {
    throw new UserInputError(`evidence: cannot append to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A run whose first request failed: an incomplete report, as if its listing had failed. */
function stoppedBeforeListing(request: BulkRunRequest, error: unknown, api: SweepApi, baseline: ApiCounters, elapsedMs: number): SweepReport {
  const tally = new Tally();
  const counters = api.counters();
  tally.counts.requests = counters.requests - baseline.requests;
  tally.counts.rateLimited = counters.rateLimited - baseline.rateLimited;
  tally.counts.elapsedMs = elapsedMs;
  const report = tally.report(request.action, request.dryRun ?? false, `listing failed: ${describeError(error)}`);
  const { statusCode } = errorFacts(error);
  return statusCode !== undefined ? { ...report, stoppedStatusCode: statusCode } : report;
}
