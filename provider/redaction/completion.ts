/**
 * Has Stripe finished a redaction? Redaction is asynchronous (up to four days in `processing`),
 * so BulkRedaction's refresh and `stripe-identity-sweep verify` re-read the sessions a run
 * redacted: one retrieve each, paced under Stripe's per-endpoint limit.
 */
import type Stripe from "stripe";
import { isResourceMissing } from "../stripe/errors";
import { Pacer, pacerSettings } from "./pacer";

/** Under Stripe's per-endpoint 25/s, leaving room for anything else the account does. */
export const RECHECK_READS_PER_SECOND = 20;

/** A session's redaction as read now: its `redaction.status` ("none" if not redacted), gone, or the read's error. */
export type RedactionCheck = { id: string; status: string } | { id: string; missing: true } | { id: string; error: unknown };

export async function recheckRedactions(stripe: Stripe, ids: readonly string[], readsPerSecond = RECHECK_READS_PER_SECOND): Promise<RedactionCheck[]> {
  const pacer = new Pacer(pacerSettings(readsPerSecond));
  const checks: RedactionCheck[] = [];
  for (const id of ids) {
    await pacer.acquire();
    try {
      const session = await stripe.identity.verificationSessions.retrieve(id);
      checks.push({ id, status: session.redaction?.status ?? "none" });
    } catch (error) {
      checks.push(isResourceMissing(error) ? { id, missing: true } : { id, error });
    }
  }
  return checks;
}
