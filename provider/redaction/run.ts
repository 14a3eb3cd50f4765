/**
 * A whole bulk run as the CLI and the BulkRedaction provider start it: guards (key mode, filter
 * bounds, maxSessions), a client with the SDK's retries off, one pacer for every request of the
 * run, then the sweep. Relative dates resolve here, once.
 */
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { createStripeClient } from "../stripe/client";
import { stripeSweepApi, type SweepApi } from "./api";
import { DEFAULT_RETRY_BUDGET, type RetryBudget } from "./call";
import { compileFilter, parseFilter } from "./filter";
import { checkKey, MaxSessionsExceededError } from "./guards";
import { defaultConcurrency, Pacer, pacerSettings, type PacerSettings } from "./pacer";
import type { BulkAction } from "./plan";
import { withExtraTraffic, type SessionOutcome, type SweepProgress, type SweepReport } from "./report";
import { sweep } from "./sweep";
import type { Sleep } from "../stripe/backoff";

/** Stripe's documented account-wide limits (NOTES.md, rate limits). */
export const DEFAULT_RPS = { test: 25, live: 100 } as const;

export interface BulkRunRequest {
  apiKey: string;
  apiBase?: string;
  allowLivemode?: boolean;
  /** Raw filter: validated here (UserInputError naming the field). */
  filter: unknown;
  action: BulkAction;
  dryRun?: boolean;
  maxSessions?: number;
  /** Default: 25 with test keys, 100 with live keys. */
  requestsPerSecond?: number;
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
}

export async function runBulkRedaction(request: BulkRunRequest): Promise<SweepReport> {
  const mode = checkKey(request.apiKey, request.allowLivemode ?? false);
  const clock = request.clock ?? (() => performance.now());
  const compiled = compileFilter(parseFilter(request.filter), (request.now ?? Date.now)());
  const rps = request.requestsPerSecond ?? DEFAULT_RPS[mode];
  const concurrency = request.concurrency ?? defaultConcurrency(rps);
  const timeoutMs = request.timeoutMs ?? 30_000;
  const ownsApi = request.api === undefined;
  const api =
    request.api ??
    stripeSweepApi(
      request.stripe ?? createStripeClient({ apiKey: request.apiKey, apiBase: request.apiBase, maxNetworkRetries: 0, timeoutMs }),
      { timeoutMs },
    );
  const pacer = new Pacer(pacerSettings(rps, request.pacer), { now: clock, sleep: request.sleep });
  const retry: RetryBudget = { ...DEFAULT_RETRY_BUDGET, sleep: request.sleep, ...request.retry };
  const runId = randomUUID();
  const common = {
    api,
    pacer,
    filter: compiled,
    action: request.action,
    concurrency,
    runId,
    retry,
    signal: request.signal,
    now: clock,
    onProgress: request.onProgress,
  };
  try {
    let counting: SweepReport | undefined;
    if (request.maxSessions !== undefined && !request.dryRun) {
      // Count first, touching nothing: a filter wider than meant is caught before the first write.
      counting = await sweep({ ...common, dryRun: true, phase: "counting" });
      if (!counting.complete) return { ...counting, dryRun: false, matched: 0, wouldAct: 0, skipped: 0, skippedByReason: {} };
      if (counting.matched > request.maxSessions) throw new MaxSessionsExceededError(counting.matched, request.maxSessions);
    }
    const report = await sweep({
      ...common,
      dryRun: request.dryRun ?? false,
      // A dry run counts everything, then compares (below); a real run also caps itself mid-run.
      maxSessions: request.dryRun ? undefined : request.maxSessions,
      onSession: request.onSession,
    });
    if (request.dryRun && request.maxSessions !== undefined && report.complete && report.matched > request.maxSessions) {
      throw new MaxSessionsExceededError(report.matched, request.maxSessions);
    }
    return counting ? withExtraTraffic(report, counting) : report;
  } finally {
    if (ownsApi) api.close();
  }
}
