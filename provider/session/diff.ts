/**
 * The diff rules (docs/architecture.md, "Diff rules") as a pure function of the old state and the new inputs. No API
 * calls: a preview costs nothing, and the status it judges drift by is the one the last refresh
 * (or create/update) stored.
 */
import { sameValue } from "../values";
import { argsOfState, changedUpdatableFields, inexpressibleChanges } from "./mapping";
import {
  CREATE_ONLY_FIELDS,
  LIFECYCLE_FIELDS,
  PLACEMENT_FIELDS,
  type LifecycleField,
  type SessionArgs,
  type UpdatableField,
} from "./schema";

/** Defaults of the lifecycle args, so "unset" and "set to the default" compare equal. */
const LIFECYCLE_DEFAULTS: Record<Exclude<LifecycleField, "adoptSessionId">, unknown> = {
  deletionPolicy: "cancel",
  processingTimeoutSeconds: 120,
  recreateOnCanceled: true,
  tagMetadata: true,
  includeReportSummary: false,
};

export interface DiffPlan {
  /** True when Pulumi should run update or replace. */
  changes: boolean;
  /** Properties forcing a new session (create-only changes, rejected updates, status drift). */
  replaces: string[];
  /** Updatable fields the update call will send (empty for lifecycle-only changes). */
  updates: UpdatableField[];
  /** Lifecycle args that changed: stored by update with no API call. */
  lifecycle: LifecycleField[];
  /** Why the session's status forces a replacement, when it does. */
  drift?: string;
}

/** True when Stripe accepts an update for a session in this state (requires_input, not redacted). */
export function isUpdatable(state: Record<string, unknown>): boolean {
  return state.status === "requires_input" && (state.redactionStatus === null || state.redactionStatus === undefined);
}

export function planDiff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): DiffPlan {
  const oldArgs = argsOfState(olds) as Partial<SessionArgs>;
  const newArgs = argsOfState(news) as Partial<SessionArgs>;
  const replaces: string[] = [];
  const lifecycle: LifecycleField[] = [];
  let updates: UpdatableField[] = [];

  for (const field of CREATE_ONLY_FIELDS) {
    if (!sameValue(oldArgs[field], newArgs[field])) replaces.push(field);
  }
  // Another connected account is another place: the session cannot move there.
  for (const field of PLACEMENT_FIELDS) {
    if (!sameValue(oldArgs[field], newArgs[field])) replaces.push(field);
  }

  // Adopting another session means managing a different object; dropping the arg after an adopt
  // (like removing an import option) changes nothing.
  const adopt = news.adoptSessionId;
  if (adopt !== undefined && adopt !== id) replaces.push("adoptSessionId");
  else if (!sameValue(olds.adoptSessionId, adopt)) lifecycle.push("adoptSessionId");

  for (const field of LIFECYCLE_FIELDS) {
    if (field === "adoptSessionId") continue;
    const before = olds[field] ?? LIFECYCLE_DEFAULTS[field];
    const after = news[field] ?? LIFECYCLE_DEFAULTS[field];
    if (!sameValue(before, after)) lifecycle.push(field);
  }

  const changed = changedUpdatableFields(oldArgs, newArgs);
  if (changed.length > 0) {
    const blocked = inexpressibleChanges(oldArgs, newArgs);
    if (isUpdatable(olds) && blocked.length === 0) updates = changed;
    else replaces.push(...changed);
  }

  let drift: string | undefined;
  const redaction = olds.redactionStatus;
  if (olds.status === "canceled" || (typeof redaction === "string" && redaction !== "")) {
    drift = olds.status === "canceled" ? "the session was canceled outside Pulumi" : `the session was redacted outside Pulumi (${String(redaction)})`;
    // Unknown at preview counts as the default (true): a replace shown too often beats one missed.
    if (news.recreateOnCanceled !== false) replaces.push(olds.status === "canceled" ? "status" : "redactionStatus");
    else drift = undefined;
  }

  const uniqueReplaces = [...new Set(replaces)];
  return {
    changes: uniqueReplaces.length > 0 || updates.length > 0 || lifecycle.length > 0,
    replaces: uniqueReplaces,
    updates: uniqueReplaces.length > 0 ? [] : updates,
    lifecycle,
    drift,
  };
}

export { asRecord } from "../values";
