/**
 * The idempotency key of a VerificationSession create, derived from the stack, the resource and
 * its create params: a rerun of an `up` whose create committed in Stripe but never reached Pulumi
 * (every retry's response lost) sends the same key and gets Stripe's stored answer, the session
 * already made, instead of a duplicate with a live client secret. Stripe keeps keys 24 h; the key
 * is at most 255 characters. Pure.
 */
import { createHash } from "node:crypto";

export interface ResourceIdentity {
  project: string;
  stack: string;
  resource: string;
}

/** JSON with object keys sorted, so equal params give equal text whatever their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function createIdempotencyKey(identity: ResourceIdentity, params: unknown): string {
  const digest = createHash("sha256").update(canonicalJson({ identity, params })).digest("hex");
  return `pulumi-stripe-identity-create-${digest}`;
}
