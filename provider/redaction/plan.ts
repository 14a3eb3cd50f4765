/**
 * The pure per-session decision of a bulk run: given the action and what the session looks like
 * now, act or skip (and say why). Mirrors the delete policy table (docs/architecture.md, "Delete policy table") for a sweep:
 * a sweep never waits on `processing`, it skips and counts it, so a later run can pick it up.
 */

export type BulkAction = "redact" | "cancel";
export const BULK_ACTIONS: readonly BulkAction[] = ["redact", "cancel"];

export const SKIP_REASONS = [
  /** `redaction.status` is `redacted`: nothing left to do for either action. */
  "already_redacted",
  /** A redaction was requested and is under way (`processing`, or a status we do not know). */
  "redaction_in_progress",
  /** redact: the API refuses to redact canceled sessions; cancel: already canceled. */
  "canceled",
  /** cancel only: a verified session cannot be canceled (redact it instead). */
  "verified",
  /** Checks are running; neither action is allowed until Stripe finishes them. */
  "processing",
  /** A status this package does not know (the API may add some): never act on what we do not understand. */
  "unknown_status",
  /** Re-read after a conflict and no longer inside the filter. */
  "no_longer_matches",
  /** 404 on the write: the session does not exist for this key any more. */
  "gone",
  /** Executing an approved plan: the session's status is no longer the one the plan was made on. */
  "changed_since_plan",
  /** Redaction Jobs: another open redaction job holds the session (another sweep is redacting it). */
  "locked_by_other_job",
  /** Redaction Jobs: Stripe's validation of the job refused the session (its code is in the evidence). */
  "refused_by_job_validation",
  /** Executing an approved plan again (after a kill): an earlier run of this plan already wrote to it. */
  "done_by_this_plan",
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type Decision = { kind: "act" } | { kind: "skip"; reason: SkipReason };

/** The session fields a decision depends on. */
export interface PlanFacts {
  status: string;
  redaction?: { status: string } | null;
}

export function planSession(action: BulkAction, session: PlanFacts): Decision {
  const redaction = session.redaction?.status;
  if (redaction === "redacted") return { kind: "skip", reason: "already_redacted" };
  if (redaction !== undefined) return { kind: "skip", reason: "redaction_in_progress" };
  switch (session.status) {
    case "requires_input":
      // Both actions are allowed; redacting an open session also cancels it.
      return { kind: "act" };
    case "verified":
      return action === "redact" ? { kind: "act" } : { kind: "skip", reason: "verified" };
    case "canceled":
      return { kind: "skip", reason: "canceled" };
    case "processing":
      return { kind: "skip", reason: "processing" };
    default:
      return { kind: "skip", reason: "unknown_status" };
  }
}

export function emptySkipCounts(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])) as Record<SkipReason, number>;
}
