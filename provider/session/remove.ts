/**
 * delete(): executes the policy table. It acts on the status recorded in state (one API call when
 * the state is current), re-reads once when Stripe says the status moved, and waits out
 * `processing` with bounded polling. Decisions come from policy.ts; this file only does the I/O.
 */
import { ModeMismatchError, ProcessingTimeoutError } from "../errors";
import { backoffDelay, type BackoffPolicy, type Sleep } from "../stripe/backoff";
import { isResourceMissing, isStateConflict } from "../stripe/errors";
import type { KeyMode } from "../stripe/keys";
import { apiFailure, type ApiSession, type SessionApi } from "./api";
import { planDelete, type DeletionPolicy, type Observation } from "./policy";
import { SESSION_STATUSES, type RedactionStatus, type SessionStatus } from "./schema";
import type { Logger } from "../log";

export interface DeleteContext {
  api: SessionApi;
  apiKey: string;
  keyMode: KeyMode | undefined;
  log: Logger;
  sleep: Sleep;
  now: () => number;
  /** Poll spacing while `processing`; capped by the time left. */
  pollPolicy: BackoffPolicy;
  /** Said after what was done, e.g. "replaced by vs_..." */
  note?: string;
  /** The resource's URN, so the engine shows the lines under it. */
  urn?: string;
}

export const DEFAULT_POLL_POLICY: BackoffPolicy = { baseMs: 1_000, maxMs: 10_000 };

export function observe(session: ApiSession): Observation {
  const status = (SESSION_STATUSES as readonly string[]).includes(session.status) ? (session.status as SessionStatus) : "processing";
  const redaction = session.redaction?.status;
  return { found: true, status, redactionStatus: redaction ? (redaction as RedactionStatus) : null };
}

/** The observation the state implies; none when the state lacks a status (then we read first). */
export function observationOfState(state: Record<string, unknown>): Observation | undefined {
  const status = state.status;
  if (typeof status !== "string" || !(SESSION_STATUSES as readonly string[]).includes(status)) return undefined;
  const redaction = state.redactionStatus;
  return { found: true, status: status as SessionStatus, redactionStatus: typeof redaction === "string" ? (redaction as RedactionStatus) : null };
}

export function policyOf(state: Record<string, unknown>): DeletionPolicy {
  const policy = state.deletionPolicy;
  return policy === "redact" || policy === "retain" ? policy : "cancel";
}

function timeoutOf(state: Record<string, unknown>): number {
  const seconds = state.processingTimeoutSeconds;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? seconds : 120;
}

export async function deleteSession(ctx: DeleteContext, id: string, state: Record<string, unknown>): Promise<void> {
  const policy = policyOf(state);
  const stateLivemode = typeof state.livemode === "boolean" ? state.livemode : undefined;
  const timeoutSeconds = timeoutOf(state);
  const read = async (): Promise<Observation> => {
    try {
      return observe(await ctx.api.retrieve(id, false));
    } catch (error) {
      if (isResourceMissing(error)) return { found: false };
      throw apiFailure("retrieve", id, error, ctx.apiKey);
    }
  };

  // Retain and a mode mismatch are decided before any call; otherwise trust the state's status.
  let observation: Observation | undefined = observationOfState(state);
  const early = planDelete({ observation: observation ?? { found: false }, policy, stateLivemode, keyMode: ctx.keyMode });
  if (early.kind === "error") throw new ModeMismatchError(`cannot delete VerificationSession ${id}: ${early.reason}`);
  if (observation === undefined && policy !== "retain") observation = await read();

  let reread = false;
  for (;;) {
    const action = planDelete({ observation: observation ?? { found: false }, policy, stateLivemode, keyMode: ctx.keyMode });
    switch (action.kind) {
      case "error":
        throw new ModeMismatchError(`cannot delete VerificationSession ${id}: ${action.reason}`);
      case "gone":
        ctx.log.info(`VerificationSession ${id}: ${action.reason}${ctx.note ?? ""}`, false, ctx.urn);
        return;
      case "leave":
        if (action.severity === "warn") ctx.log.warn(`VerificationSession ${id} (deletionPolicy ${policy}): ${action.reason}${ctx.note ?? ""}`, ctx.urn);
        else ctx.log.info(`VerificationSession ${id} (deletionPolicy ${policy}): ${action.reason}${ctx.note ?? ""}`, false, ctx.urn);
        return;
      case "wait":
        observation = await waitWhileProcessing(ctx, id, timeoutSeconds, read);
        continue;
      case "cancel":
      case "redact":
        try {
          await (action.kind === "cancel" ? ctx.api.cancel(id) : ctx.api.redact(id));
          ctx.log.info(`VerificationSession ${id}: ${action.kind === "cancel" ? "canceled" : "redacted"} (deletionPolicy ${policy})${ctx.note ?? ""}`, false, ctx.urn);
          return;
        } catch (error) {
          if (isResourceMissing(error)) {
            observation = { found: false };
            continue;
          }
          // The status moved since the state was written: look once more, then follow the table.
          if (isStateConflict(error) && !reread) {
            reread = true;
            observation = await read();
            continue;
          }
          throw apiFailure(action.kind, id, error, ctx.apiKey);
        }
    }
  }
}

/**
 * Polls until the session leaves `processing` (or disappears), within `timeoutSeconds`. On timeout
 * it fails without touching Stripe, so the resource stays in state for a later destroy.
 */
export async function waitWhileProcessing(
  ctx: DeleteContext,
  id: string,
  timeoutSeconds: number,
  read: () => Promise<Observation>,
): Promise<Observation> {
  const deadline = ctx.now() + timeoutSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const observation = await read();
    if (!observation.found || observation.status !== "processing") return observation;
    const remaining = deadline - ctx.now();
    if (remaining <= 0) {
      throw new ProcessingTimeoutError(
        `VerificationSession ${id} is still processing after ${timeoutSeconds}s (processingTimeoutSeconds); ` +
          `nothing was changed in Stripe and the resource stays in the state. Run destroy again once Stripe ` +
          `has finished its checks, or raise processingTimeoutSeconds.`,
        { code: "processing_timeout" },
      );
    }
    if (attempt === 1) ctx.log.info(`VerificationSession ${id} is processing: waiting up to ${timeoutSeconds}s before deleting`, false, ctx.urn);
    await ctx.sleep(Math.min(backoffDelay(attempt, ctx.pollPolicy), remaining));
  }
}
