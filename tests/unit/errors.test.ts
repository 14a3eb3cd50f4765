import Stripe from "stripe";
import { budgetedRetry, errorFacts, isConnectionRefused, isRateLimited, isTransient } from "../../provider/stripe/errors";

const rateLimited = () => new Stripe.errors.StripeRateLimitError({ statusCode: 429, type: "invalid_request_error", code: "rate_limit", message: "slow down" });
const serverError = () => new Stripe.errors.StripeAPIError({ statusCode: 500, type: "api_error", message: "boom" });
const badRequest = () => new Stripe.errors.StripeInvalidRequestError({ statusCode: 400, type: "invalid_request_error", message: "no", param: "type" });

describe("the retry predicate", () => {
  it("retries 429, 5xx and connection errors, never 4xx", () => {
    expect([rateLimited(), serverError(), new Stripe.errors.StripeConnectionError({ message: "reset" })].map(isTransient)).toEqual([true, true, true]);
    expect(isTransient(badRequest())).toBe(false);
    expect(isRateLimited(rateLimited())).toBe(true);
    expect(isRateLimited(serverError())).toBe(false);
  });
});

describe("budgetedRetry", () => {
  it("allows each kind its own number of attempts, the first included", () => {
    const retry = budgetedRetry({ transientAttempts: 3, rateLimitedAttempts: 5 });
    expect(retry.maxAttempts).toBe(8);
    // 5 attempts answered 429: 4 retries, then no more.
    expect([1, 2, 3, 4, 5].map(() => retry.shouldRetry(rateLimited()))).toEqual([true, true, true, true, false]);
    // The transient budget is untouched by the 429s.
    expect([1, 2, 3].map(() => retry.shouldRetry(serverError()))).toEqual([true, true, false]);
  });
  it("never retries a non-transient error, and counts per call", () => {
    expect(budgetedRetry({ transientAttempts: 3, rateLimitedAttempts: 5 }).shouldRetry(badRequest())).toBe(false);
    const first = budgetedRetry({ transientAttempts: 2, rateLimitedAttempts: 2 });
    first.shouldRetry(serverError());
    expect(first.shouldRetry(serverError())).toBe(false);
    expect(budgetedRetry({ transientAttempts: 2, rateLimitedAttempts: 2 }).shouldRetry(serverError())).toBe(true);
  });
});

describe("a refused connection fails fast and says where (issue 10, item 7)", () => {
  const refused = new Stripe.errors.StripeConnectionError({
    message: "An error occurred with our connection to Stripe.",
    detail: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
  } as never);
  const reset = new Stripe.errors.StripeConnectionError({
    message: "An error occurred with our connection to Stripe.",
    detail: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
  } as never);
  it("is not worth a retry, while a reset still is", () => {
    expect(isConnectionRefused(refused)).toBe(true);
    expect(isTransient(refused)).toBe(false);
    expect(isConnectionRefused(reset)).toBe(false);
    expect(isTransient(reset)).toBe(true);
  });
  it("names the address in the message", () => {
    expect(errorFacts(refused).message).toBe("An error occurred with our connection to Stripe. (connect ECONNREFUSED 127.0.0.1:1)");
  });
});
