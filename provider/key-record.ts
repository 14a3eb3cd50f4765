/**
 * Which key a resource was last acted on with, recorded in state without the key itself: a short
 * digest (to notice a change, with no API call) and the key's mask (to name it in messages). A
 * Stripe key carries far more entropy than the 64 bits kept, so the digest reveals nothing usable.
 * Pure.
 */
import { createHash } from "node:crypto";
import { maskKey } from "./stripe/keys";

/** Hidden state keys (`__`: Pulumi never shows them in a diff). */
export const KEY_DIGEST = "__apiKeyDigest";
export const KEY_MASK = "__apiKeyMask";

export function keyRecord(apiKey: string): Record<string, string> {
  const digest = createHash("sha256").update(`pulumi-stripe-identity:${apiKey}`).digest("hex").slice(0, 16);
  return { [KEY_DIGEST]: digest, [KEY_MASK]: maskKey(apiKey) };
}

export interface KeyChange {
  /** The recorded key, masked. */
  was: string;
  /** The key configured now, masked. */
  now: string;
}

/** The change from the recorded key to `apiKey`; undefined when the same or nothing was recorded. */
export function keyChange(state: Record<string, unknown>, apiKey: string | undefined): KeyChange | undefined {
  if (apiKey === undefined || typeof state[KEY_DIGEST] !== "string") return undefined;
  const current = keyRecord(apiKey);
  if (current[KEY_DIGEST] === state[KEY_DIGEST]) return undefined;
  return { was: typeof state[KEY_MASK] === "string" ? state[KEY_MASK] : "an earlier key", now: current[KEY_MASK] };
}

/**
 * Said once per provider process when refresh or destroy act without having run the program: they
 * use the config recorded with the stack's provider at the last `up`, not the current one.
 */
export function recordedConfigNote(apiKey: string): string {
  return (
    `pulumi-stripe-identity: acting with the key ${maskKey(apiKey)}, from the stack config as of the last \`pulumi up\` ` +
    "(refresh and destroy do not run the program, so they do not read the current config). " +
    "After changing the key, run `pulumi up` first, or pass --run-program to refresh or destroy"
  );
}
