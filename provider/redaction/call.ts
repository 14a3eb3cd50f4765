/**
 * One API call of a bulk run: wait for its budgets (budgets.ts), send, tell them how it went, and retry
 * transient failures with the package's one retry predicate and backoff. 429s get their own,
 * larger budget: a 429 means nothing happened, and the pacer is already slowing down.
 */
import { budgetedRetry, errorFacts, isRateLimited, type RetryBudget as AttemptBudget } from "../stripe/errors";
import { withRetries, type BackoffPolicy, type Sleep } from "../stripe/backoff";
import type { Budgets, Endpoint } from "./budgets";
import type { SweepApi } from "./api";

export interface RetryBudget extends AttemptBudget {
  policy?: BackoffPolicy;
  sleep?: Sleep;
  random?: () => number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudget = { transientAttempts: 8, rateLimitedAttempts: 20 };

export interface CallContext {
  api: SweepApi;
  budgets: Budgets;
  retry: RetryBudget;
}

/** Sends one request to an endpoint: paced by that endpoint's budget and the account's, retried. */
export type PacedCall = <T>(endpoint: Endpoint, operation: () => Promise<T>) => Promise<T>;

export function pacedCaller(ctx: CallContext): PacedCall {
  return <T>(endpoint: Endpoint, operation: () => Promise<T>): Promise<T> =>
    withRetries(
      async () => {
        await ctx.budgets.acquire(endpoint);
        try {
          const result = await operation();
          ctx.budgets.record(endpoint, "admitted");
          return result;
        } catch (error) {
          // Any HTTP answer but a 429 means the API admitted the request under its limit.
          const outcome = isRateLimited(error) ? "rate_limited" : errorFacts(error).statusCode !== undefined ? "admitted" : "no_response";
          ctx.budgets.record(endpoint, outcome, error);
          throw error;
        } finally {
          // Requests the SDK sent on its own (its forced retry of a reset connection) count too.
          ctx.budgets.reconcile(ctx.api.counters().requests);
        }
      },
      { ...budgetedRetry(ctx.retry), policy: ctx.retry.policy, sleep: ctx.retry.sleep, random: ctx.retry.random },
    );
}
