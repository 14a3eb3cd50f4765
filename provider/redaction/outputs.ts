/**
 * What a BulkRedaction resource stores after a run, and how redactions still pending carry over
 * from run to run (pure): a session stays in `pendingRedaction` until Stripe shows its redaction
 * finished (a refresh, or a later run that sees it `redacted`), however many runs happen meanwhile.
 */
import type { RunPhase } from "./inputs";

export interface BulkRedactionOutputs {
  matched: number;
  redacted: number;
  canceled: number;
  wouldAct: number;
  skipped: number;
  skippedByReason: Record<string, number>;
  failed: number;
  lastRunAt: string | null;
  lastRunPhase: RunPhase | null;
  /** Redactions started (by any run) that Stripe has not shown finished; at most MAX_PENDING_KEPT ids. */
  pendingRedaction: string[];
  /** Pending redactions beyond MAX_PENDING_KEPT: counted, not tracked by id. */
  pendingUntracked: number;
}

/** Keeps state bounded however large a run was; the rest is counted in `pendingUntracked`. */
export const MAX_PENDING_KEPT = 10_000;

export const NO_RUN: BulkRedactionOutputs = {
  matched: 0,
  redacted: 0,
  canceled: 0,
  wouldAct: 0,
  skipped: 0,
  skippedByReason: {},
  failed: 0,
  lastRunAt: null,
  lastRunPhase: null,
  pendingRedaction: [],
  pendingUntracked: 0,
};

export function previousOutputs(state: Record<string, unknown>): BulkRedactionOutputs {
  const out = { ...NO_RUN };
  for (const key of Object.keys(NO_RUN) as (keyof BulkRedactionOutputs)[]) {
    if (state[key] !== undefined && state[key] !== null) (out as Record<string, unknown>)[key] = state[key];
    else if (key === "lastRunAt" || key === "lastRunPhase") (out as Record<string, unknown>)[key] = null;
  }
  return out;
}

export interface PendingCarry {
  /** Ids still pending from earlier runs. */
  before: readonly string[];
  untrackedBefore: number;
  /** Ids this run redacted whose redaction had not finished, in order. */
  started: readonly string[];
  /** Ids this run saw with their redaction finished. */
  finished: ReadonlySet<string>;
}

/** Earlier pending ids not seen finished, then this run's, each once; ids past the cap are counted. */
export function carryPending(carry: PendingCarry, cap: number = MAX_PENDING_KEPT): { pendingRedaction: string[]; pendingUntracked: number; dropped: number } {
  const seen = new Set<string>();
  const all: string[] = [];
  for (const id of [...carry.before, ...carry.started]) {
    if (carry.finished.has(id) || seen.has(id)) continue;
    seen.add(id);
    all.push(id);
  }
  const kept = all.slice(0, cap);
  const dropped = all.length - kept.length;
  return { pendingRedaction: kept, pendingUntracked: carry.untrackedBefore + dropped, dropped };
}
