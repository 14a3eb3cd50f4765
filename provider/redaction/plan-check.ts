/**
 * Executing an approved plan: whether a re-read planned session still fits the plan, and what a
 * planned session that answers 404 means (approved-plan.ts has the file format).
 */
import type { SessionRecord } from "./api";
import { actionApplied } from "./handle";
import { planSession, type BulkAction, type SkipReason } from "./plan";
import type { SessionOutcome } from "./report";

/** A session of an approved plan, as the engine needs it (approved-plan.ts has the file format). */
export interface PlannedEntry {
  id: string;
  status: string;
  created: number;
}

/**
 * A re-read planned session still fits its plan when its status is the planned one. One that
 * already shows the action (a rerun after a kill) is not "changed": it is this plan's own earlier
 * write when the evidence says so, else another writer's.
 */
export function planCheckOf(
  action: BulkAction,
  planned: readonly PlannedEntry[],
  doneByPlan: ReadonlySet<string> = new Set(),
  planMatches: (session: SessionRecord) => boolean = () => true,
): (session: SessionRecord) => SkipReason | undefined {
  const status = new Map(planned.map((entry) => [entry.id, entry.status]));
  return (session) => {
    if (!planMatches(session)) return "no_longer_matches";
    if (actionApplied(action, session)) {
      if (doneByPlan.has(session.id)) return "done_by_this_plan";
      const decision = planSession(action, session);
      return decision.kind === "skip" ? decision.reason : "changed_since_plan";
    }
    return status.get(session.id) === session.status ? undefined : "changed_since_plan";
  };
}

/** In plan mode a planned session that answers 404 is missing (another account's key?), never "gone". */
export function missingFromPlan(outcome: SessionOutcome): SessionOutcome {
  if (outcome.result !== "skipped" || outcome.reason !== "gone") return outcome;
  return { id: outcome.id, result: "failed", message: "missing: the planned session does not exist for this key and account (404); was the plan made on another account?" };
}
