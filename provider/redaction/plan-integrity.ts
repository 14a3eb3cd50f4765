/**
 * A plan's integrity: a digest over the plan file's exact text, written as its last field
 * (`"integrity"`), checked before any request when the plan is executed; the evidence header
 * records it, so the evidence names the plan that ran (docs/evidence.md, threat model).
 *
 * * Keyless (`sha256:<hex>`): detects any change made without recomputing the digest (an edit by
 *   hand, a merge, a truncated copy). It does not stop someone who edits the plan and recomputes
 *   the digest: anyone can.
 * * Signed (`hmac-sha256:<key id>:<hex>`, with STRIPE_IDENTITY_PLAN_KEY): only a holder of the key
 *   can make a plan that verifies, so an edited plan is refused even if its digest was recomputed.
 *   With the key set, an unsigned plan is refused too (else stripping the signature would do).
 */
import { createHmac } from "node:crypto";
import { UserInputError } from "../errors";
import { sha256 } from "./evidence";

/** The environment variable holding the key that signs and checks plans (never a flag: flags show in `ps`). */
export const PLAN_KEY_ENV = "STRIPE_IDENTITY_PLAN_KEY";

const INTEGRITY_LINE = /\n {2}"integrity": "([^"\n]*)"\n\}\n?$/;

function keyIdOf(key: string): string {
  return createHmac("sha256", key).update("pulumi-stripe-identity plan key id").digest("hex").slice(0, 16);
}

function digestOf(text: string, key: string | undefined): string {
  return key ? `hmac-sha256:${keyIdOf(key)}:${createHmac("sha256", key).update(text, "utf8").digest("hex")}` : `sha256:${sha256(text)}`;
}

/** Seals a plan's text, which must end with `"integrity": ""` as its last field. */
export function sealPlan(unsealed: string, key: string | undefined): { text: string; integrity: string } {
  if (!INTEGRITY_LINE.test(unsealed)) throw new Error("a plan's text must end with its integrity field");
  const integrity = digestOf(unsealed, key);
  return { text: unsealed.replace(INTEGRITY_LINE, `\n  "integrity": "${integrity}"\n}\n`), integrity };
}

/** Checks a plan's text against its integrity field; returns the integrity, or throws saying why not. */
export function checkPlanIntegrity(path: string, text: string, key: string | undefined): string {
  const match = INTEGRITY_LINE.exec(text);
  if (!match) throw new UserInputError(`--plan: ${path} has no integrity digest as its last field (not written by --plan-out, or edited)`);
  const claimed = match[1];
  const signed = claimed.startsWith("hmac-sha256:");
  if (signed && !key) throw new UserInputError(`--plan: ${path} is signed; set ${PLAN_KEY_ENV} to the key it was signed with`);
  if (!signed && key) throw new UserInputError(`--plan: ${path} is not signed, but ${PLAN_KEY_ENV} is set: only a plan signed with that key is accepted`);
  if (signed && claimed.split(":")[1] !== keyIdOf(key!)) throw new UserInputError(`--plan: ${path} was signed with another key than ${PLAN_KEY_ENV} holds`);
  const unsealed = text.replace(INTEGRITY_LINE, `\n  "integrity": ""\n}\n`);
  if (digestOf(unsealed, key) !== claimed) {
    throw new UserInputError(`--plan: ${path} was changed after it was made (its integrity ${signed ? "signature" : "digest"} does not match its content); make and approve a new plan`);
  }
  return claimed;
}
