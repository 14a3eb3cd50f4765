/**
 * The delete policy table (docs/architecture.md, "Delete policy table") as a pure function: what to do with a session at
 * delete time, given what we know of it, the resource's `deletionPolicy` and the key's mode.
 * The provider only executes the answer; every decision is here and tested cell by cell.
 */
import type { KeyMode } from "../stripe/keys";
import type { RedactionStatus, SessionStatus } from "./schema";

export type DeletionPolicy = "cancel" | "redact" | "retain";

/** What we know of the session: its status (from state or a fresh read), or that Stripe said 404. */
export type Observation =
  | { found: true; status: SessionStatus; redactionStatus: RedactionStatus | null }
  | { found: false };

export interface DeleteSituation {
  observation: Observation;
  policy: DeletionPolicy;
  /** `livemode` recorded in state; undefined when the state predates it (then no check is possible). */
  stateLivemode: boolean | undefined;
  keyMode: KeyMode | undefined;
}

export type DeleteAction =
  | { kind: "cancel" }
  | { kind: "redact" }
  /** Neither cancel nor redact is allowed while Stripe checks the documents: poll, then re-plan. */
  | { kind: "wait" }
  /** Nothing left to do in Stripe; the resource leaves the state. */
  | { kind: "gone"; reason: string }
  /** The session stays in Stripe as it is; the reason goes to the Pulumi log. */
  | { kind: "leave"; reason: string; severity: "info" | "warn" }
  /** Refuse: the resource stays in state, nothing changes in Stripe. */
  | { kind: "error"; reason: string };

export function modeName(livemode: boolean): KeyMode {
  return livemode ? "live" : "test";
}

/** A mismatch between the key's mode and the state's: a message naming both, or undefined. */
export function modeMismatch(stateLivemode: boolean | undefined, keyMode: KeyMode | undefined): string | undefined {
  if (stateLivemode === undefined || keyMode === undefined || modeName(stateLivemode) === keyMode) return undefined;
  return (
    `the session was created in ${modeName(stateLivemode)} mode but the configured key is a ${keyMode}-mode key; ` +
    `use a ${modeName(stateLivemode)}-mode key (stripe-identity:apiKey or STRIPE_API_KEY). ` +
    "refresh and destroy use the key of the last `pulumi up`: after changing it, run `pulumi up` first, or pass --run-program"
  );
}

export function planDelete(situation: DeleteSituation): DeleteAction {
  const { observation, policy } = situation;
  // Checked first, for every policy: with the wrong key a 404 would look like "gone" and a session
  // would silently leave the state while it still exists in the other mode.
  const mismatch = modeMismatch(situation.stateLivemode, situation.keyMode);
  if (mismatch) return { kind: "error", reason: mismatch };

  if (policy === "retain") {
    return { kind: "leave", severity: "info", reason: "deletionPolicy is retain: the session is kept in Stripe as it is" };
  }
  if (!observation.found) {
    return { kind: "gone", reason: "the session no longer exists for this key (404): nothing to do" };
  }
  if (observation.redactionStatus !== null) {
    return {
      kind: "leave",
      severity: "info",
      reason: `the session is already redacted (redaction ${observation.redactionStatus}): nothing to do`,
    };
  }
  switch (observation.status) {
    case "requires_input":
      // Redacting an open session also cancels it (spec), so "redact" needs no cancel first.
      return { kind: policy };
    case "processing":
      return { kind: "wait" };
    case "verified":
      return policy === "redact"
        ? { kind: "redact" }
        : {
            kind: "leave",
            severity: "warn",
            reason: "a verified session cannot be canceled: left as it is (deletionPolicy redact would remove its data)",
          };
    case "canceled":
      return policy === "cancel"
        ? { kind: "leave", severity: "info", reason: "the session is already canceled: nothing to do" }
        : { kind: "leave", severity: "warn", reason: "Stripe does not allow redacting a canceled session: left as it is" };
  }
}

/**
 * What deleting the old session of a replace will do, in words for a preview warning; undefined
 * when it changes nothing in Stripe. The old state's policy applies (its delete reads the state),
 * whatever the new args say.
 */
export function replaceEffect(oldId: string, situation: DeleteSituation): string | undefined {
  const action = planDelete(situation);
  const policy = `deletionPolicy ${situation.policy}`;
  switch (action.kind) {
    case "redact":
      return `redact the old session ${oldId}, erasing its personal data for good (${policy})`;
    case "cancel":
      return `cancel the old session ${oldId} (${policy})`;
    case "wait":
      return `wait for the old session ${oldId} to finish processing, then ${situation.policy} it (${policy})`;
    case "error":
      return `fail to delete the old session ${oldId}: ${action.reason}`;
    default:
      return undefined;
  }
}
