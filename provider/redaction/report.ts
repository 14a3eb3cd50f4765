/**
 * What a bulk run reports: progress while it runs and the final report. The counts add up:
 * `matched = redacted + canceled + wouldAct + skipped + failed + unknown`, each session counted once.
 */
import type { LeftOut } from "./bound-reach";
import { emptySkipCounts, type BulkAction, type SkipReason } from "./plan";

export interface SweepFailure {
  id: string;
  message: string;
}

/** How each matched session ended. */
/** What a write saw, for evidence: the status it acted on, the redaction after it, Stripe's request id. */
export interface WriteFacts {
  statusBefore?: string;
  /** Dry runs: the session's `created`, for a plan. */
  created?: number;
  redactionAfter?: string | null;
  requestId?: string;
  /** Redaction Jobs strategy: the job that redacted the session. */
  jobId?: string;
}

export type SessionOutcome =
  | ({ id: string; result: "redacted" | "canceled" | "would_act" } & WriteFacts)
  | { id: string; result: "skipped"; reason: SkipReason }
  | { id: string; result: "failed"; message: string }
  /** The write got no answer and the read to find out failed too: it may or may not have happened. */
  | { id: string; result: "unknown"; message: string };

export interface SweepCounts {
  /** Sessions the list calls returned, before the filter's predicate. */
  listed: number;
  /** Sessions inside the filter that this run handled. */
  matched: number;
  redacted: number;
  canceled: number;
  /** Dry run: sessions a real run would have written to. */
  wouldAct: number;
  skipped: number;
  /** Sessions this run could not change (the write was refused, or known not to have happened). */
  failed: number;
  /** Sessions whose write may have happened: neither its answer nor a read afterwards came back. */
  unknown: number;
  requests: number;
  rateLimited: number;
  elapsedMs: number;
}

/** `waiting`: re-reading sessions Stripe is still checking, until they can be handled or time runs out. */
export type SweepPhase = "counting" | "sweeping" | "waiting";

export interface SweepProgress extends SweepCounts {
  phase: SweepPhase;
  /** The pacer's current requests per second. */
  rate: number;
  listingDone: boolean;
  /** Sessions inside the filter that the lister has handed on and the workers have not finished. */
  pending: number;
}

export interface SweepReport extends SweepCounts {
  action: BulkAction;
  dryRun: boolean;
  /** Only reasons that occurred. */
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** The first MAX_FAILURES_KEPT failures; `failed` has the full count. */
  failures: SweepFailure[];
  /** The first MAX_FAILURES_KEPT sessions of unknown outcome; `unknown` has the full count. */
  unknownOutcomes: SweepFailure[];
  /** False when the run stopped early (aborted, listing failed, guard tripped mid-run). */
  complete: boolean;
  stoppedBecause?: string;
  /** The run's "now" (Stripe's clock, ms): what its relative dates resolved against. */
  nowMs?: number;
  /** The account Stripe said the key acts on (asked for plans and evidence); null when unknown. */
  accountId?: string | null;
  /** The HTTP status of the error that stopped the listing, if any (401: a bad key). */
  stoppedStatusCode?: number;
  /** Dry runs asked to: what the filter's time bound leaves out (bound-reach.ts). */
  leftOutByTimeBound?: LeftOut;
}

/** Sessions with an outcome: every way a matched session can end, each counted once. */
export function handledCount(c: Pick<SweepCounts, "redacted" | "canceled" | "wouldAct" | "skipped" | "failed" | "unknown">): number {
  return c.redacted + c.canceled + c.wouldAct + c.skipped + c.failed + c.unknown;
}

/** Keeps the report bounded however many sessions fail. */
export const MAX_FAILURES_KEPT = 1000;

export class Tally {
  readonly counts: SweepCounts = {
    listed: 0,
    matched: 0,
    redacted: 0,
    canceled: 0,
    wouldAct: 0,
    skipped: 0,
    failed: 0,
    unknown: 0,
    requests: 0,
    rateLimited: 0,
    elapsedMs: 0,
  };
  private readonly byReason = emptySkipCounts();
  private readonly failures: SweepFailure[] = [];
  private readonly unknownOutcomes: SweepFailure[] = [];

  record(outcome: SessionOutcome): void {
    switch (outcome.result) {
      case "redacted":
        this.counts.redacted++;
        break;
      case "canceled":
        this.counts.canceled++;
        break;
      case "would_act":
        this.counts.wouldAct++;
        break;
      case "skipped":
        this.counts.skipped++;
        this.byReason[outcome.reason]++;
        break;
      case "failed":
        this.counts.failed++;
        if (this.failures.length < MAX_FAILURES_KEPT) this.failures.push({ id: outcome.id, message: outcome.message });
        break;
      case "unknown":
        this.counts.unknown++;
        if (this.unknownOutcomes.length < MAX_FAILURES_KEPT) this.unknownOutcomes.push({ id: outcome.id, message: outcome.message });
        break;
    }
  }

  report(action: BulkAction, dryRun: boolean, stoppedBecause: string | undefined): SweepReport {
    const skippedByReason: Partial<Record<SkipReason, number>> = {};
    for (const [reason, count] of Object.entries(this.byReason) as Array<[SkipReason, number]>) {
      if (count > 0) skippedByReason[reason] = count;
    }
    return {
      action,
      dryRun,
      ...this.counts,
      skippedByReason,
      failures: [...this.failures],
      unknownOutcomes: [...this.unknownOutcomes],
      complete: stoppedBecause === undefined,
      ...(stoppedBecause !== undefined ? { stoppedBecause } : {}),
    };
  }
}
