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
import { UserInputError } from "../errors";
import { evidenceFilter, footerCounts, jobRecord, sessionRecord } from "./evidence";
import { openEvidenceWriter, type EvidenceFs, type EvidenceWriter } from "./evidence-writer";
import { writesOfPlan } from "./evidence-chain";
import { absoluteFilter } from "./approved-plan";
import { accountIdentity } from "../stripe/account";
import { preparePrivateFile } from "./private-files";
import type Stripe from "stripe";
import { createStripeClient } from "../stripe/client";
import { stripeSweepApi, type ApiCounters, type SessionRecord, type SweepApi } from "./api";
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
  /** HMAC key for the evidence chain (see evidence.ts); without one the chain is keyless SHA-256. */
  evidenceKey?: string;
  /** How long to wait for another writer of the evidence file to finish (default: refuse at once). */
  evidenceWaitMs?: number;
  /** Tests: the file-system calls evidence writes go through (to inject ENOSPC). */
  evidenceFs?: EvidenceFs;
  /** Named in messages about the evidence file (`--evidence`, `evidence.path`). */
  evidenceFlag?: string;
  /** Ask Stripe which account the key acts on (GET /v1/account), for plans and evidence. */
  identifyAccount?: boolean;
  /** Executing an approved plan: its digest (into the evidence) and the account it was made on. */
  plan?: { digest: string; accountId: string | null; matches?: (session: SessionRecord) => boolean };
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
  const evidenceFlag = request.evidenceFlag ?? "evidence";
  // A device or a folder is refused before any request (reading /dev/zero never ends).
  if (request.evidencePath !== undefined) preparePrivateFile(evidenceFlag, request.evidencePath);
  const stripeClient = request.api === undefined || (byJobs && request.jobsApi === undefined)
    ? (request.stripe ?? createStripeClient({ apiKey: request.apiKey, apiBase: request.apiBase, stripeAccount: request.stripeAccount, maxNetworkRetries: 0, timeoutMs }))
    : undefined;
  const api = request.api ?? stripeSweepApi(stripeClient!, { timeoutMs });
  // The jobs go through the same client, so the run's counters see their requests too.
  const jobsApi = byJobs ? (request.jobsApi ?? stripeRedactionJobsApi(stripeClient!, { timeoutMs })) : undefined;
  let evidence: EvidenceWriter | undefined;
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
    // Paced and retried like every request of the run (a transient 5xx must not end it).
    const accountId = await identify(request, stripeClient && ((fetch) => pacedCaller({ api, budgets, retry })("retrieve", fetch)), stripeClient);
    evidence = request.evidencePath !== undefined
      ? await openEvidenceWriter(request.evidencePath, { key: request.evidenceKey, flag: evidenceFlag, waitMs: request.evidenceWaitMs, fs: request.evidenceFs })
      : undefined;
    const stamp = (): string => new Date(localNow + (clock() - started)).toISOString();
    const writer = evidence;
    const doneByPlan = request.plan && writer?.existing ? writesOfPlan(writer.existing, request.plan.digest) : undefined;
    try {
      writer?.append({
        kind: "header", v: 2, runId, tool: request.tool ?? "pulumi-stripe-identity", time: stamp(), now: new Date(now).toISOString(),
        chain: writer.hasher.mode, ...(writer.hasher.keyId ? { keyId: writer.hasher.keyId } : {}), action: request.action, mode,
        account: request.stripeAccount ?? null, accountId, dryRun: request.dryRun ?? false, filter: evidenceFilter(absoluteFilter(filter, now)),
        ...(request.plan ? { plan: { digest: request.plan.digest } } : {}),
        ...(byJobs && !request.dryRun ? { strategy: "jobs" as const } : {}),
      });
    } catch (error) {
      // Nothing was written to Stripe: an empty, stopped report that says why.
      return { ...stoppedBeforeListing(request, error, api, baseline, clock() - started, "evidence"), nowMs: now, accountId };
    }
    const sweepEvidence = writer
      ? {
          intent: (id: string) => writer.append({ kind: "intent", runId, id, action: request.action, time: stamp() }),
          outcome: (outcome: SessionOutcome) => writer.append(sessionRecord(runId, request.action, outcome, stamp())),
        }
      : undefined;
    const onSession = (outcome: SessionOutcome): void => request.onSession?.(outcome);
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
        maxSessions: request.maxSessions, onSession: (outcome) => { sweepEvidence?.outcome(outcome); onSession(outcome); }, onProgress: request.onProgress, settings: request.jobSettings,
        waitForProcessing: request.waitForProcessing,
        onJob: (event) => writer?.append(jobRecord(runId, event, stamp())),
        ...(request.planned ? { planned: request.planned } : {}),
      })
      : await sweep({
      ...common,
      dryRun: request.dryRun ?? false,
      // A dry run counts everything, then compares (below); a real run also caps itself mid-run.
      maxSessions: request.dryRun ? undefined : request.maxSessions,
      onSession,
      ...(request.planned ? { planned: request.planned } : {}),
      ...(doneByPlan ? { doneByPlan } : {}),
      ...(request.plan?.matches ? { planMatches: request.plan.matches } : {}),
      ...(sweepEvidence ? { evidence: sweepEvidence } : {}),
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
    if (writer && !writer.broken) {
      try {
        writer.append({ kind: "footer", runId, time: stamp(), records: writer.records, counts: footerCounts(report) });
      } catch {
        // The report below says so: the run is complete in Stripe, its evidence is not.
      }
    }
    const evidenceBroken = writer?.broken;
    const counted = { ...report, ...(leftOut ? { leftOutByTimeBound: leftOut } : {}), nowMs: now, accountId, requests: total.requests - baseline.requests, rateLimited: total.rateLimited - baseline.rateLimited, elapsedMs: clock() - started };
    if (evidenceBroken && report.complete) return { ...counted, complete: false, stoppedBecause: evidenceBroken.message };
    return counted;
  } finally {
    evidence?.close();
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

/**
 * The account the key acts on, when plans or evidence need it; refuses an approved plan made on
 * another account before any write (its sessions would all answer 404 here).
 */
async function identify(
  request: BulkRunRequest,
  call: (<T>(fetch: () => Promise<T>) => Promise<T>) | undefined,
  stripe: Stripe | undefined,
): Promise<string | null> {
  if (!request.identifyAccount && !request.plan && request.evidencePath === undefined) return null;
  const identity = stripe && call ? await call(() => accountIdentity(stripe)) : ({ known: false, reason: "no client" } as const);
  const accountId = identity.known ? identity.accountId : null;
  const planned = request.plan?.accountId;
  if (planned) {
    if (accountId === null) throw new UserInputError(`--plan: the plan was made on account ${planned}, and this key may not read which account it acts on; use a key that may`);
    if (accountId !== planned) throw new UserInputError(`--plan: the plan was made on account ${planned}; this key acts on ${accountId}. Nothing was changed`);
  }
  return accountId;
}

/** A run whose first request failed: an incomplete report, as if its listing had failed. */
function stoppedBeforeListing(request: BulkRunRequest, error: unknown, api: SweepApi, baseline: ApiCounters, elapsedMs: number, what = "listing"): SweepReport {
  const tally = new Tally();
  const counters = api.counters();
  tally.counts.requests = counters.requests - baseline.requests;
  tally.counts.rateLimited = counters.rateLimited - baseline.rateLimited;
  tally.counts.elapsedMs = elapsedMs;
  const report = tally.report(request.action, request.dryRun ?? false, what === "listing" ? `listing failed: ${describeError(error)}` : describeError(error));
  const { statusCode } = errorFacts(error);
  return statusCode !== undefined ? { ...report, stoppedStatusCode: statusCode } : report;
}
