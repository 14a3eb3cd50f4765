/**
 * The session endpoints the provider uses, each behind the one retry predicate (`isTransient`) and
 * an idempotency key that stays the same across its own retries. Stripe errors pass through raw so
 * callers can ask `isResourceMissing` / `isStateConflict`; `apiFailure` turns the rest into typed,
 * key-free errors at the provider's boundary.
 */
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { IdentityError } from "../errors";
import { withRetries, type Sleep } from "../stripe/backoff";
import { budgetedRetry, errorFacts, type RetryBudget } from "../stripe/errors";
import { redactSecret } from "../stripe/keys";
import type { CreateParams, UpdateParams } from "./mapping";

export type ApiSession = Stripe.Identity.VerificationSession;

/** A Stripe call failed for a reason the provider does not handle itself. */
export class SessionApiError extends IdentityError {}

export interface Created {
  session: ApiSession;
  /** Stripe answered from an earlier request under the same key (`Idempotent-Replayed: true`). */
  replayed: boolean;
}

export interface SessionApi {
  /** `idempotencyKey`: a derived key (session/create-key.ts); a fresh random one without it. */
  create(params: CreateParams, idempotencyKey?: string): Promise<Created>;
  retrieve(id: string, expandReport: boolean): Promise<ApiSession>;
  update(id: string, params: UpdateParams, expandReport: boolean): Promise<ApiSession>;
  cancel(id: string): Promise<ApiSession>;
  redact(id: string): Promise<ApiSession>;
}

/**
 * Stripe's SDK already retries connection errors, 409 and 5xx inside each attempt; this outer loop
 * adds a few more tries with the same key, and 429s, which the SDK never retries. Many resources in
 * parallel (one Pulumi step each) can easily exceed an account's limit for a while, so 429s get a
 * larger budget (the backoff caps each wait at 8 s): a burst never fails a step.
 */
export const DEFAULT_RETRY_BUDGET: RetryBudget = { transientAttempts: 3, rateLimitedAttempts: 12 };
const REPORT = ["last_verification_report"];

export function sessionApi(stripe: Stripe, sleep: Sleep, budget: RetryBudget = DEFAULT_RETRY_BUDGET): SessionApi {
  const sessions = stripe.identity.verificationSessions;
  const retried = <T>(call: () => Promise<T>): Promise<T> => withRetries(() => call(), { ...budgetedRetry(budget), sleep });
  /** One key per logical action, reused by every retry of that action and by nothing else. */
  const key = (action: string) => `pulumi-stripe-identity-${action}-${randomUUID()}`;
  const expand = (wanted: boolean) => (wanted ? { expand: REPORT } : {});
  return {
    create: async (params, idempotencyKey = key("create")) => {
      const session = await retried(() => sessions.create(params, { idempotencyKey }));
      const headers = (session as { lastResponse?: { headers?: Record<string, string | string[] | undefined> } }).lastResponse?.headers ?? {};
      return { session, replayed: String(headers["idempotent-replayed"] ?? "") === "true" };
    },
    retrieve: (id, expandReport) => retried(() => sessions.retrieve(id, expand(expandReport))),
    update: (id, params, expandReport) => {
      const idempotencyKey = key("update");
      return retried(() => sessions.update(id, { ...params, ...expand(expandReport) }, { idempotencyKey }));
    },
    cancel: (id) => {
      const idempotencyKey = key("cancel");
      return retried(() => sessions.cancel(id, {}, { idempotencyKey }));
    },
    redact: (id) => {
      const idempotencyKey = key("redact");
      return retried(() => sessions.redact(id, {}, { idempotencyKey }));
    },
  };
}

/** A typed error naming the operation and the session, with the key masked wherever it appears. */
export function apiFailure(operation: string, id: string | undefined, error: unknown, apiKey: string | undefined): IdentityError {
  if (error instanceof IdentityError) return error;
  const facts = errorFacts(error);
  const where = id ? ` ${id}` : "";
  const status = facts.statusCode ? ` (HTTP ${facts.statusCode}${facts.code ? `, ${facts.code}` : ""})` : "";
  const message = redactSecret(`${operation} VerificationSession${where} failed${status}: ${facts.message}`, apiKey);
  return new SessionApiError(message, { statusCode: facts.statusCode, code: facts.code, requestId: facts.requestId });
}
