/**
 * The session provider's view of state and inputs: args read back from state (lenient), args of a
 * create/update (strict), and the hidden keys it keeps next to them (the tag, the URN for log
 * lines, which key acted). Pure.
 */
import { z } from "zod";
import { KeyChangedError, UserInputError } from "../errors";
import { keyRecord, type KeyChange } from "../key-record";
import { checkArgs, userArgs } from "./check";
import { argsOfState } from "./mapping";
import { LifecycleShape, SessionArgs, SessionComputedShape, SessionParamsShape } from "./schema";

/** Args as stored in state: lenient (unknown keys dropped) so older or newer state still loads. */
const StateArgs = z.object({ ...SessionParamsShape, ...LifecycleShape });
export const StateComputed = z.object(SessionComputedShape).partial();

export function stateArgs(state: Record<string, unknown>): SessionArgs {
  const raw = argsOfState(state);
  const parsed = StateArgs.safeParse(raw);
  // State this version cannot validate keeps its values (a refresh must never drop inputs).
  return parsed.success ? parsed.data : ({ ...StateArgs.parse({}), ...raw } as SessionArgs);
}

/** The args of a create/update: check() validated them already; this is the last guard. */
export function parseArgs(inputs: unknown): SessionArgs {
  const outcome = checkArgs(inputs);
  if (outcome.failures.length > 0) {
    throw new UserInputError(`invalid VerificationSession args: ${outcome.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
  return SessionArgs.parse(userArgs(outcome.inputs));
}


/** The resource's name from its (hidden) tag, for log lines. */
export function resourceNameOf(values: Record<string, unknown>): string | undefined {
  const tag = (values.__pulumiTag ?? values.pulumiTag) as { resource?: unknown } | undefined;
  return typeof tag?.resource === "string" ? tag.resource : undefined;
}

export function urnOf(values: Record<string, unknown>): string | undefined {
  return typeof values.__resourceUrn === "string" && values.__resourceUrn.startsWith("urn:") ? values.__resourceUrn : undefined;
}

/**
 * Outputs with the hidden keys kept: the resource's URN (a later delete attaches its lines to it)
 * and which key acted (key-record.ts: a digest and the mask, never the key).
 */
export function withUrn<T extends object>(outs: T, values: Record<string, unknown>, apiKey?: string): T {
  const urn = urnOf(values);
  return { ...outs, ...(urn ? { __resourceUrn: urn } : {}), ...(apiKey ? keyRecord(apiKey) : {}) };
}

export function keyChangedError(operation: string, id: string, change: KeyChange, urn: string | undefined): KeyChangedError {
  const drop = urn ? ` To drop it from the stack without touching Stripe: pulumi state delete '${urn}'.` : "";
  return new KeyChangedError(
    `cannot ${operation} VerificationSession ${id}: it was recorded with the key ${change.was}, and the configured key ${change.now} cannot see it ` +
      "(Stripe answers 404), so the key belongs to another account. Configure a key of the account the session lives in " +
      `(stripe-identity:apiKey or STRIPE_API_KEY), then retry. Nothing was changed and the resource stays in state.${drop}`,
  );
}

export function accountName(account: string | null): string {
  return account === null ? "the platform's own account (no stripeAccount)" : `connected account ${account}`;
}

