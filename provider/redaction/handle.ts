/**
 * What happens to one matched session: (re-read,) plan, then (unless a dry run) redact or cancel it
 * through the paced, retried caller with one idempotency key per session action, so a retry after a
 * lost response replays the first answer instead of acting twice.
 *
 * Stripe has no conditional write, so what a write acts on is only as fresh as the last read:
 * * The session is re-read right before its write when a change can take it out of the filter
 *   (status, type, metadata) or out of the plan without the write saying so (a redact of a session
 *   someone else redacted meanwhile answers 200, so only a read tells whether this run did it).
 *   Then the filter and the plan are checked again on what the read returned. What remains is the
 *   one round trip between that read and the write.
 * * A 400 because the status moved anyway gets one re-read and re-plan (with a fresh key: the old
 *   one holds the 400); a 404 means the session is gone, which is not a failure.
 * * A write that got no answer (or a 5xx) after every retry may have happened: a read finds out,
 *   and if that fails too the outcome is reported as unknown, never as failed.
 */
import { errorFacts, isResourceMissing, isStateConflict, mayHaveCommitted } from "../stripe/errors";
import type { SessionRecord, SweepApi } from "./api";
import type { PacedCall } from "./call";
import { planSession, type BulkAction, type SkipReason } from "./plan";
import type { SessionOutcome, WriteFacts } from "./report";

export interface HandleContext {
  api: SweepApi;
  action: BulkAction;
  dryRun: boolean;
  /** The compiled filter's predicate, applied again to a re-read session. */
  matches: (session: SessionRecord) => boolean;
  /** Re-read each session right before its write (see above). */
  freshRead: boolean;
  /** Executing an approved plan: why a re-read session no longer fits the plan, if it does not. */
  planCheck?: (session: SessionRecord) => SkipReason | undefined;
  call: PacedCall;
  /** Stable for one session action within one run. */
  idempotencyKey: (sessionId: string, attempt: 1 | 2) => string;
  /** Called right before a write is sent (the evidence's intent record); a throw stops it unsent. */
  beforeWrite?: (sessionId: string) => void;
}

export function describeError(error: unknown): string {
  const { statusCode, code, message } = errorFacts(error);
  const prefix = [statusCode, code].filter((part) => part !== undefined).join(" ");
  return prefix ? `${prefix}: ${message}` : message;
}

/** Whether the action's effect shows on the session. */
export function actionApplied(action: BulkAction, session: SessionRecord): boolean {
  return action === "redact" ? session.redaction != null : session.status === "canceled";
}

/**
 * One key per session action. A redact's key is the same in every run, so when two runs (or two
 * CI jobs) redact the same session, Stripe does it once and answers the second from its
 * idempotency store, marked `Idempotent-Replayed`: that run counts it as already redacted, not as
 * its own (a redact of a redacted session is otherwise a plain 200). A cancel's key is per run:
 * cancelling a canceled session is a 400, which already tells.
 */
export function sweepIdempotencyKey(runId: string, action: BulkAction, sessionId: string, attempt: 1 | 2): string {
  const scope = action === "redact" ? "redact" : `${runId}:${action}`;
  return `pulumi-stripe-identity-sweep:${scope}:${sessionId}${attempt === 2 ? ":replan" : ""}`;
}

/** Whether a redact or cancel should re-read first, for this filter (see the file comment). */
export function needsFreshRead(action: BulkAction, filterLeavable: boolean): boolean {
  return filterLeavable || action === "redact";
}

function done(ctx: HandleContext, id: string, facts: WriteFacts = {}): SessionOutcome {
  return { id, result: ctx.action === "redact" ? "redacted" : "canceled", ...facts };
}

export type Read = { session: SessionRecord } | { outcome: SessionOutcome };

/** Retrieves a session; a 404 is the outcome `gone`, another error a failure saying what was being done. */
export async function readSession(ctx: HandleContext, id: string, context: string): Promise<Read> {
  try {
    return { session: await ctx.call("retrieve", () => ctx.api.retrieve(id)) };
  } catch (error) {
    if (isResourceMissing(error)) return { outcome: { id, result: "skipped", reason: "gone" } };
    return { outcome: { id, result: "failed", message: `${context}: ${describeError(error)}` } };
  }
}

/** A listed session: re-read it when the context asks for it, then decide on what is current. */
export async function handleSession(ctx: HandleContext, listed: SessionRecord): Promise<SessionOutcome> {
  // A dry run writes nothing, so there is nothing to keep fresh.
  if (!ctx.freshRead || ctx.dryRun || planSession(ctx.action, listed).kind === "skip") return handleCurrent(ctx, listed, 1);
  const fresh = await readSession(ctx, listed.id, "re-reading before the write");
  return "outcome" in fresh ? fresh.outcome : handleCurrent(ctx, fresh.session, 1);
}

/** A session as just read (or listed): filter, plan, write. */
export async function handleCurrent(ctx: HandleContext, session: SessionRecord, attempt: 1 | 2): Promise<SessionOutcome> {
  const { id } = session;
  const changed = ctx.planCheck?.(session);
  if (changed) return { id, result: "skipped", reason: changed };
  if (!ctx.matches(session)) return { id, result: "skipped", reason: "no_longer_matches" };
  const decision = planSession(ctx.action, session);
  if (decision.kind === "skip") return { id, result: "skipped", reason: decision.reason };
  if (ctx.dryRun) return { id, result: "would_act", statusBefore: session.status, created: session.created };
  ctx.beforeWrite?.(id);
  try {
    const result = await ctx.call(ctx.action, () => ctx.api.act(ctx.action, id, ctx.idempotencyKey(id, attempt)));
    // Redact keys are shared by every run (sweepIdempotencyKey): a replay this run's own attempts
    // cannot explain is another run's redaction.
    if (result.replayed && ctx.action === "redact") return { id, result: "skipped", reason: "already_redacted" };
    return done(ctx, id, { statusBefore: session.status, redactionAfter: result.session.redaction?.status ?? null, ...(result.requestId ? { requestId: result.requestId } : {}) });
  } catch (error) {
    if (isResourceMissing(error)) return { id, result: "skipped", reason: "gone" };
    if (isStateConflict(error) && attempt === 1) {
      const fresh = await readSession(ctx, id, "re-reading after a status conflict");
      return "outcome" in fresh ? fresh.outcome : handleCurrent(ctx, fresh.session, 2);
    }
    const prefix = attempt === 2 ? `after re-reading (status ${session.status}): ` : "";
    if (!mayHaveCommitted(error)) return { id, result: "failed", message: prefix + describeError(error) };
    return findOut(ctx, id, prefix + describeError(error));
  }
}

/** The write may have happened: read the session to learn whether it did. */
async function findOut(ctx: HandleContext, id: string, writeError: string): Promise<SessionOutcome> {
  let after: SessionRecord;
  try {
    after = await ctx.call("retrieve", () => ctx.api.retrieve(id));
  } catch (error) {
    if (isResourceMissing(error)) return { id, result: "skipped", reason: "gone" };
    return { id, result: "unknown", message: `${writeError}; reading it afterwards failed too (${describeError(error)}), so whether it was ${ctx.action === "redact" ? "redacted" : "canceled"} is unknown` };
  }
  // It was not applied when planned (the plan said act), so it was applied by this write, or by
  // another writer within the same round trip, which no client can tell apart.
  if (actionApplied(ctx.action, after)) return done(ctx, id, { redactionAfter: after.redaction?.status ?? null });
  return { id, result: "failed", message: writeError };
}
