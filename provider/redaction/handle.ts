/**
 * What happens to one matched session: plan, then (unless a dry run) redact or cancel it through
 * the paced, retried caller with one idempotency key per session action, so a retry after a lost
 * response replays the first answer instead of acting twice. A 400 because the session's status
 * moved since it was listed gets one re-read and re-plan (with a fresh key: the old one holds the
 * 400); a 404 means it is gone, which is not a failure.
 */
import { errorFacts, isResourceMissing, isStateConflict } from "../stripe/errors";
import type { SessionRecord, SweepApi } from "./api";
import { planSession, type BulkAction } from "./plan";
import type { SessionOutcome } from "./report";

export interface HandleContext {
  api: SweepApi;
  action: BulkAction;
  dryRun: boolean;
  /** The compiled filter's predicate, applied again to a re-read session. */
  matches: (session: SessionRecord) => boolean;
  call: <T>(operation: () => Promise<T>) => Promise<T>;
  /** Stable for one session action within one run. */
  idempotencyKey: (sessionId: string, attempt: 1 | 2) => string;
}

export function describeError(error: unknown): string {
  const { statusCode, code, message } = errorFacts(error);
  const prefix = [statusCode, code].filter((part) => part !== undefined).join(" ");
  return prefix ? `${prefix}: ${message}` : message;
}

function done(ctx: HandleContext, id: string): SessionOutcome {
  return { id, result: ctx.action === "redact" ? "redacted" : "canceled" };
}

export async function handleSession(ctx: HandleContext, session: SessionRecord): Promise<SessionOutcome> {
  const { id } = session;
  const decision = planSession(ctx.action, session);
  if (decision.kind === "skip") return { id, result: "skipped", reason: decision.reason };
  if (ctx.dryRun) return { id, result: "would_act" };
  try {
    await ctx.call(() => ctx.api.act(ctx.action, id, ctx.idempotencyKey(id, 1)));
    return done(ctx, id);
  } catch (error) {
    if (isResourceMissing(error)) return { id, result: "skipped", reason: "gone" };
    if (!isStateConflict(error)) return { id, result: "failed", message: describeError(error) };
  }

  let fresh: SessionRecord;
  try {
    fresh = await ctx.call(() => ctx.api.retrieve(id));
  } catch (error) {
    if (isResourceMissing(error)) return { id, result: "skipped", reason: "gone" };
    return { id, result: "failed", message: `re-reading after a status conflict: ${describeError(error)}` };
  }
  if (!ctx.matches(fresh)) return { id, result: "skipped", reason: "no_longer_matches" };
  const replan = planSession(ctx.action, fresh);
  if (replan.kind === "skip") return { id, result: "skipped", reason: replan.reason };
  try {
    await ctx.call(() => ctx.api.act(ctx.action, id, ctx.idempotencyKey(id, 2)));
    return done(ctx, id);
  } catch (error) {
    if (isResourceMissing(error)) return { id, result: "skipped", reason: "gone" };
    return { id, result: "failed", message: `after re-reading (status ${fresh.status}): ${describeError(error)}` };
  }
}
