import Stripe from "stripe";

/** What the rest of the package needs to know about a failed Stripe call. */
export interface ErrorFacts {
  statusCode?: number;
  code?: string;
  type?: string;
  message: string;
  requestId?: string;
}

/** The socket error under a StripeConnectionError (`connect ECONNREFUSED 127.0.0.1:1`), when there is one. */
function connectionCause(error: unknown): { code?: string; message?: string } | undefined {
  if (!(error instanceof Stripe.errors.StripeConnectionError)) return undefined;
  const detail = (error as { detail?: unknown }).detail as { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (!detail) return undefined;
  return detail.code ? detail : (detail.cause ?? detail);
}

export function errorFacts(error: unknown): ErrorFacts {
  if (error instanceof Stripe.errors.StripeError) {
    // "An error occurred with our connection to Stripe" names neither the address nor the cause.
    const cause = connectionCause(error)?.message;
    return {
      statusCode: error.statusCode,
      code: error.code,
      type: error.type,
      message: cause ? `${error.message} (${cause})` : error.message,
      requestId: error.requestId,
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** `resource_missing` (404): the object does not exist for this key's account and mode. */
export function isResourceMissing(error: unknown): boolean {
  const { statusCode, code } = errorFacts(error);
  return statusCode === 404 && (code === undefined || code === "resource_missing");
}

export function isRateLimited(error: unknown): boolean {
  const { statusCode, code, type } = errorFacts(error);
  return statusCode === 429 || code === "rate_limit" || type === "StripeRateLimitError";
}

/**
 * Nothing listens at the API base (an emulator stopped, a wrong port): retrying cannot help, so a
 * run fails at once naming the address instead of after half a minute of retries.
 */
export function isConnectionRefused(error: unknown): boolean {
  const cause = connectionCause(error);
  return cause?.code === "ECONNREFUSED" || /ECONNREFUSED/.test(cause?.message ?? "");
}

/**
 * The one retry predicate: worth trying again with the same idempotency key. Connection
 * failures, 409 (concurrent request), 429 and 5xx. Never 4xx validation or state errors.
 */
export function isTransient(error: unknown): boolean {
  if (isConnectionRefused(error)) return false;
  if (isRateLimited(error)) return true;
  if (error instanceof Stripe.errors.StripeConnectionError) return true;
  if (error instanceof Stripe.errors.StripeAPIError && error.statusCode === undefined) return true;
  const { statusCode } = errorFacts(error);
  return statusCode === 409 || (statusCode !== undefined && statusCode >= 500);
}

/**
 * Whether a failed write may still have happened: no answer at all (a reset, a timeout, a lost
 * response) or a 5xx, which Stripe documents as indeterminate. Any other answer means it did not.
 */
export function mayHaveCommitted(error: unknown): boolean {
  if (isConnectionRefused(error) || isRateLimited(error)) return false;
  const { statusCode } = errorFacts(error);
  return statusCode === undefined || statusCode >= 500 || statusCode === 409;
}

/**
 * A 400 on cancel/redact that is not about a parameter: the session's status no longer allows the
 * action (it moved since we read it). Callers re-read once and re-plan instead of failing at once.
 */
export function isStateConflict(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) return false;
  return error.statusCode === 400 && !error.param && error.code !== "idempotency_error";
}

/**
 * Attempts per call, the first included, split by kind. A 429 means nothing happened, so it gets a
 * budget of its own (usually larger) next to the one for 5xx, 409, resets and lost responses.
 */
export interface RetryBudget {
  transientAttempts: number;
  rateLimitedAttempts: number;
}

/**
 * `isTransient` with a budget per kind, for `withRetries`. Call it once per logical call: the
 * returned predicate counts that call's attempts.
 */
export function budgetedRetry(budget: RetryBudget): { maxAttempts: number; shouldRetry: (error: unknown) => boolean } {
  let transient = 0;
  let limited = 0;
  return {
    maxAttempts: budget.transientAttempts + budget.rateLimitedAttempts,
    shouldRetry: (error) => {
      if (isRateLimited(error)) return ++limited < budget.rateLimitedAttempts;
      if (isTransient(error)) return ++transient < budget.transientAttempts;
      return false;
    },
  };
}
