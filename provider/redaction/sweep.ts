/**
 * The streaming bulk engine. One lister pages through the compiled filter's list queries into a
 * bounded queue; `concurrency` workers take sessions from it and handle each once. Every request
 * waits for the run's budgets (its endpoint's and the account's, budgets.ts), so the whole run
 * stays within Stripe's limits, and there are enough workers for the latency not to leave tokens
 * unused.
 *
 * Memory stays flat: the queue holds at most two pages, the lister one more, and each session is
 * slimmed to the fields the engine reads (sessions waited for while Stripe checks them are held by
 * id only). Stopping (AbortSignal, a guard tripped mid-run) drops
 * what has not been started and lets started sessions finish, so every count in the report is
 * exact and a rerun picks up the rest (done sessions are skipped by the plan).
 */
import { errorFacts } from "../stripe/errors";
import type { SessionRecord, SweepApi } from "./api";
import { pacedCaller, DEFAULT_RETRY_BUDGET, type RetryBudget } from "./call";
import type { CompiledFilter } from "./filter";
import { realSleep, type Sleep } from "../stripe/backoff";
import { describeError, handleCurrent, handleSession, needsFreshRead, readSession, sweepIdempotencyKey, type HandleContext } from "./handle";
import { listMatching, PAGE_SIZE } from "./lister";
import type { Budgets } from "./budgets";
import type { BulkAction } from "./plan";
import { BoundedQueue } from "./queue";
import { planSession } from "./plan";
import { missingFromPlan, planCheckOf, type PlannedEntry } from "./plan-check";
import { handledCount, Tally, type SessionOutcome, type SweepPhase, type SweepProgress, type SweepReport } from "./report";
import { waitForChecks, type Recheck, type WaitSettings } from "./wait";

/** More workers than this never helps against an API rate limit. */
export const MAX_WORKERS = 1000;

export type { PlannedEntry } from "./plan-check";

/**
 * Where a run's evidence goes. `intent` is called before each write to Stripe and must be durable
 * when it returns; `outcome` after each session. A throw from either stops the run at once (no
 * further write is sent) with the error's message as the reason; the report stays exact.
 */
export interface SweepEvidence {
  intent(sessionId: string): void;
  outcome(outcome: SessionOutcome): void;
}

/** Thrown through handleSession when the intent could not be recorded: the write was not sent. */
class EvidenceStopped extends Error {}

export interface SweepOptions {
  api: SweepApi;
  budgets: Budgets;
  filter: CompiledFilter;
  action: BulkAction;
  dryRun?: boolean;
  /** Workers handling sessions at once. */
  concurrency: number;
  /** Unique per run: part of every cancel's idempotency key (see sweepIdempotencyKey). */
  runId: string;
  /** Never handle more than this many matched sessions; stop if more turn up mid-run. */
  maxSessions?: number;
  retry?: RetryBudget;
  signal?: AbortSignal;
  phase?: SweepPhase;
  onProgress?: (progress: SweepProgress) => void;
  onSession?: (outcome: SessionOutcome) => void;
  now?: () => number;
  /** Sessions buffered between lister and workers (default two pages). */
  queueCapacity?: number;
  /**
   * Re-read each session right before its write. Default: when the filter or the plan can be left
   * by a change (needsFreshRead). Off only to measure what the reads cost.
   */
  freshReads?: boolean;
  /**
   * Act on exactly these sessions (an approved plan) instead of listing: each is re-read and must
   * still have its planned status and match the filter.
   */
  planned?: readonly PlannedEntry[];
  /** Planned sessions an earlier run of the same plan wrote to (from its evidence). */
  doneByPlan?: ReadonlySet<string>;
  /** The plan's own check of a re-read session (its digested identifying values). */
  planMatches?: (session: SessionRecord) => boolean;
  evidence?: SweepEvidence;
  /** Wait for sessions Stripe is still checking instead of skipping them (BulkRedaction). */
  waitForProcessing?: WaitSettings;
  sleep?: Sleep;
}

export async function sweep(options: SweepOptions): Promise<SweepReport> {
  const { api, budgets, filter, action } = options;
  const dryRun = options.dryRun ?? false;
  const now = options.now ?? Date.now;
  const started = now();
  const baseline = api.counters();
  const tally = new Tally();
  const queue = new BoundedQueue<SessionRecord>(options.queueCapacity ?? 2 * PAGE_SIZE);
  const call = pacedCaller({ api, budgets, retry: options.retry ?? DEFAULT_RETRY_BUDGET });
  let stoppedBecause: string | undefined;
  let listingDone = false;
  let found = 0;
  let stoppedStatusCode: number | undefined;

  /** `drop`: discard what is queued (abort, guard) rather than let workers drain it (listing failed). */
  const stop = (reason: string, drop: boolean): void => {
    stoppedBecause ??= reason;
    if (drop) queue.discard();
    else queue.close();
  };
  const onAbort = (): void => stop("aborted", true);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  // A callback that throws (a log that cannot be written) must not abandon a run half done.
  const safely = (callback: () => void): void => {
    try {
      callback();
    } catch {
      // reporting only: the run goes on
    }
  };
  let phase: SweepPhase = options.phase ?? "sweeping";
  const progress = (): void => {
    if (!options.onProgress) return;
    const counters = api.counters();
    tally.counts.requests = counters.requests - baseline.requests;
    tally.counts.rateLimited = counters.rateLimited - baseline.rateLimited;
    tally.counts.elapsedMs = now() - started;
    const c = tally.counts;
    const handled = handledCount(c);
    // While the run goes on, `matched` is what the listing found so far, handled or not.
    const matched = Math.max(c.matched, found);
    const snapshot = { ...c, matched, phase, rate: budgets.rate, listingDone, pending: Math.max(0, matched - handled) };
    safely(() => options.onProgress?.(snapshot));
  };

  const lister = (options.planned ? offerPlanned(options.planned) : listMatching({
    api,
    filter,
    call,
    offer: async (session) => {
      // A false push means the run is stopping; the lister sees it through `stopping`.
      if (stoppedBecause === undefined) await queue.push(session);
    },
    stopping: () => stoppedBecause !== undefined,
    onPage: (listed, matching) => {
      tally.counts.listed += listed;
      found += matching;
      progress();
    },
  })).then(
    () => {
      listingDone = true;
      queue.close();
    },
    (error: unknown) => {
      stoppedStatusCode = errorFacts(error).statusCode;
      stop(`listing failed: ${describeError(error)}`, false);
    },
  );

  /** The plan's sessions go to the workers as they were planned; each is re-read before its write. */
  async function offerPlanned(planned: NonNullable<SweepOptions["planned"]>): Promise<void> {
    found = planned.length;
    progress();
    for (const entry of planned) {
      if (stoppedBecause !== undefined) return;
      const stub: SessionRecord = { id: entry.id, status: entry.status, created: entry.created, type: "", client_reference_id: null, related_customer: null, metadata: null, redaction: null };
      await queue.push(stub);
    }
  }
  const handleContext: HandleContext = {
    api,
    action,
    dryRun,
    matches: filter.matches,
    freshRead: options.planned ? true : (options.freshReads ?? needsFreshRead(action, filter.leavable)),
    ...(options.planned ? { planCheck: planCheckOf(action, options.planned, options.doneByPlan, options.planMatches) } : {}),
    call,
    idempotencyKey: (id: string, attempt: 1 | 2) => sweepIdempotencyKey(options.runId, action, id, attempt),
    ...(options.evidence ? { beforeWrite: (id: string) => recordIntent(options.evidence!, id) } : {}),
  };
  /** The evidence failed: stop at once, dropping what is queued; in-flight writes finish and are counted. */
  const evidenceFailed = (error: unknown): void => stop(describeError(error), true);
  const recordIntent = (evidence: SweepEvidence, id: string): void => {
    if (stoppedBecause !== undefined) throw new EvidenceStopped();
    try {
      evidence.intent(id);
    } catch (error) {
      evidenceFailed(error);
      throw new EvidenceStopped();
    }
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const session = await queue.pop();
      if (session === undefined) return;
      if (options.maxSessions !== undefined && tally.counts.matched >= options.maxSessions) {
        stop(`more than maxSessions (${options.maxSessions}) sessions matched during the run; stopped before touching the rest`, true);
        return;
      }
      tally.counts.matched++;
      let outcome: SessionOutcome;
      try {
        outcome = await handleSession(handleContext, session);
      } catch (error) {
        if (error instanceof EvidenceStopped) {
          // Not written to, not handled: the report counts only sessions with an outcome.
          tally.counts.matched--;
          return;
        }
        // handleSession turns API errors into outcomes; this is a bug's last line of defence.
        outcome = { id: session.id, result: "failed", message: describeError(error) };
      }
      if (options.planned) outcome = missingFromPlan(outcome);
      if (waitsFor(outcome)) waiting.push(outcome.id);
      else finish(outcome);
    }
  };
  const finish = (outcome: SessionOutcome): void => {
    tally.record(outcome);
    if (options.evidence) {
      try {
        options.evidence.outcome(outcome);
      } catch (error) {
        evidenceFailed(error);
      }
    }
    safely(() => options.onSession?.(outcome));
    progress();
  };
  const waiting: string[] = [];
  const waitsFor = (outcome: SessionOutcome): boolean =>
    options.waitForProcessing !== undefined && !dryRun && outcome.result === "skipped" && outcome.reason === "processing";
  const recheck = async (id: string): Promise<Recheck> => {
    const read = await readSession(handleContext, id, "re-reading while Stripe was checking it");
    if ("outcome" in read) return read.outcome;
    const { session } = read;
    const decision = planSession(action, session);
    if (decision.kind === "skip" && decision.reason === "processing" && filter.matches(session)) return "still_processing";
    try {
      return await handleCurrent(handleContext, session, 1);
    } catch (error) {
      // The run is stopping (see recordIntent): the session stays untouched, as if still checked.
      if (error instanceof EvidenceStopped) return "still_processing";
      throw error;
    }
  };

  // Bounded whatever the caller asks: each worker is a promise chain, and more never helps.
  const workerCount = Math.max(1, Math.min(MAX_WORKERS, Math.floor(options.concurrency) || 1));
  try {
    const workers = Array.from({ length: workerCount }, worker);
    await Promise.all([lister, ...workers]);
    if (waiting.length > 0 && options.waitForProcessing) {
      phase = "waiting";
      progress();
      const still = await waitForChecks(waiting, {
        settings: options.waitForProcessing,
        now,
        sleep: options.sleep ?? realSleep,
        concurrency: workerCount,
        recheck,
        onOutcome: finish,
        stopping: () => stoppedBecause !== undefined,
        onRound: progress,
      });
      for (const id of still) finish({ id, result: "skipped", reason: "processing" });
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  const counters = api.counters();
  tally.counts.requests = counters.requests - baseline.requests;
  tally.counts.rateLimited = counters.rateLimited - baseline.rateLimited;
  tally.counts.elapsedMs = now() - started;
  progress();
  const report = tally.report(action, dryRun, stoppedBecause);
  return stoppedStatusCode !== undefined ? { ...report, stoppedStatusCode } : report;
}
