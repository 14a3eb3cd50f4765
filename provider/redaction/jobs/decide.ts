/**
 * The pure decisions of the Redaction Jobs strategy, apart from its I/O (strategy.ts):
 * what a job's status means for the run, what a validation error means for its session, how a
 * chunk is split, and which validated sessions may not be run (the re-check before `run`).
 */
import type { SessionRecord } from "../api";
import { planSession, type SkipReason } from "../plan";
import type { JobValidationError } from "./client";

/**
 * What a job's status means while the run waits on it:
 * `pending` keep waiting; `ready` validated, may run; `failed` validation failed;
 * `canceled` canceled (by this run or someone else); `redacting` running; `succeeded` done;
 * `unknown` a status this package does not know (a preview may add some): never acted on.
 */
export type JobPhase = "pending" | "ready" | "failed" | "canceled" | "redacting" | "succeeded" | "unknown";

export function jobPhase(status: string): JobPhase {
  switch (status) {
    case "created":
    case "validating":
      return "pending";
    case "ready":
    case "failed":
    case "redacting":
    case "succeeded":
      return status;
    case "canceling":
    case "canceled":
      return "canceled";
    default:
      return "unknown";
  }
}

/** Why validation dropped a session, as the run reports it (the evidence keeps Stripe's code). */
export function dropReason(error: Pick<JobValidationError, "code">): SkipReason {
  return error.code === "locked_by_other_job" ? "locked_by_other_job" : "refused_by_job_validation";
}

/** Whether a failed job failed because it held too many objects (split and try again). */
export function tooManyObjects(errors: readonly Pick<JobValidationError, "code">[]): boolean {
  return errors.some((error) => error.code === "too_many_objects");
}

/** Halves a chunk that Stripe found too big; a single session cannot be split further. */
export function splitChunk<T>(items: readonly T[]): [T[], T[]] | undefined {
  if (items.length < 2) return undefined;
  const half = Math.ceil(items.length / 2);
  return [items.slice(0, half), items.slice(half)];
}

/** A session a job validated, as the run listed it. */
export interface Candidate {
  id: string;
  status: string;
  created: number;
}

/**
 * The re-check before `run`: of the sessions a job validated, the ones it must not redact, and
 * why. `seen` holds what a fresh listing of the chunk's range returned for them: a session the
 * listing no longer returns has left the filter's list query (its status changed, or it is gone);
 * one the predicate now refuses has left the filter; one whose status is not the one it was listed
 * (or planned) with has changed under the run. `validated` is the job's own hold and allowed.
 */
export function mustNotRun(
  validated: readonly Candidate[],
  seen: ReadonlyMap<string, SessionRecord>,
  matches: (session: SessionRecord) => boolean,
  changedReason: SkipReason = "no_longer_matches",
): Map<string, SkipReason> {
  const out = new Map<string, SkipReason>();
  for (const candidate of validated) {
    const now = seen.get(candidate.id);
    if (!now || !matches(now)) {
      out.set(candidate.id, "no_longer_matches");
      continue;
    }
    if (now.status !== candidate.status) {
      out.set(candidate.id, changedReason);
      continue;
    }
    const held = now.redaction?.status === "validated" ? { ...now, redaction: null } : now;
    const decision = planSession("redact", held);
    if (decision.kind === "skip") out.set(candidate.id, decision.reason);
  }
  return out;
}

/** The `created` range (unix seconds, inclusive) of a chunk: what its re-check lists. */
export function createdRange(chunk: readonly Candidate[]): { gte: number; lt: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const { created } of chunk) {
    if (created < min) min = created;
    if (created > max) max = created;
  }
  return { gte: min, lt: max + 1 };
}

/** Between two polls of a job: grows from `first` by half each time, never past `max`. */
export function nextPollMs(previous: number | undefined, first: number, max: number): number {
  return previous === undefined ? first : Math.min(max, Math.ceil(previous * 1.5));
}
