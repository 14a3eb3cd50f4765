import Stripe from "stripe";
import { Budgets, limitedBudget } from "../../../provider/redaction/budgets";

function rateLimited(reason?: string, code = "rate_limit"): Error {
  const headers: Record<string, string> = reason ? { "stripe-rate-limited-reason": reason } : {};
  return new Stripe.errors.StripeRateLimitError({ statusCode: 429, code, message: "limited", type: "invalid_request_error", headers } as Stripe.StripeRawError);
}

describe("limitedBudget: which budget a 429 names", () => {
  it.each([
    ["endpoint-rate", "endpoint"],
    ["global-rate", "global"],
    ["global-concurrency", "global"],
    ["endpoint-concurrency", "endpoint"],
    [undefined, "global"],
  ])("Stripe-Rate-Limited-Reason %s -> %s", (reason, budget) => {
    expect(limitedBudget(rateLimited(reason))).toBe(budget);
  });
  it("a lock_timeout or a resource-specific limit is no rate limit, and nor is another error", () => {
    expect(limitedBudget(rateLimited(undefined, "lock_timeout"))).toBeUndefined();
    expect(limitedBudget(rateLimited("resource-specific"))).toBeUndefined();
    expect(limitedBudget(new Stripe.errors.StripeAPIError({ statusCode: 500, message: "x", type: "api_error" }))).toBeUndefined();
  });
});

describe("Budgets", () => {
  /** A fake clock the pacers sleep on. */
  function clocked() {
    let now = 0;
    return { now: () => now, sleep: async (ms: number) => void (now += ms) };
  }

  it("paces each endpoint at its own rate and the account at the global one", async () => {
    const clock = clocked();
    const budgets = new Budgets({ globalRps: 100, endpointRps: 25 }, clock);
    // 50 redacts alone: the endpoint's 25/s binds, about two seconds.
    for (let i = 0; i < 50; i++) await budgets.acquire("redact");
    expect(clock.now()).toBeGreaterThan(1800);
    expect(clock.now()).toBeLessThan(2200);
    // Reads and redacts side by side: each at 25/s, 50/s in all, under the account's 100.
    const start = clock.now();
    for (let i = 0; i < 50; i++) await Promise.all([budgets.acquire("redact"), budgets.acquire("retrieve")]);
    expect(clock.now() - start).toBeLessThan(2300);
  });

  it("an endpoint-rate 429 slows that endpoint only; a global one slows the account", () => {
    const budgets = new Budgets({ globalRps: 100, endpointRps: 25, pacer: { decreaseCooldownMs: 0 } }, clocked());
    budgets.record("redact", "rate_limited", rateLimited("endpoint-rate"));
    expect(budgets.rate).toBe(100);
    budgets.record("redact", "rate_limited", rateLimited("global-rate"));
    expect(budgets.rate).toBeLessThan(100);
  });

  it("asked for more than Stripe's documented limits, keeps inside them until the account admits more", async () => {
    const clock = clocked();
    const budgets = new Budgets({ globalRps: 1000, documentedGlobalRps: 25, endpointRps: 1000 }, clock);
    // 60 redacts: a second's bucket (25), two of slack, then the documented rate (x1.25, the probe).
    for (let i = 0; i < 60; i++) await budgets.acquire("redact");
    expect(clock.now()).toBeGreaterThan(1000);
    // All came back admitted, more than a documented account admits: from here on, 1000/s.
    for (let i = 0; i < 60; i++) budgets.record("redact", "admitted");
    const start = clock.now();
    for (let i = 0; i < 100; i++) await budgets.acquire("redact");
    expect(clock.now() - start).toBeLessThan(150);
  });

  it("a 429 while inside the documented limits settles just under them at once", () => {
    const budgets = new Budgets({ globalRps: 1000, documentedGlobalRps: 25, endpointRps: 1000 }, clocked());
    budgets.record("retrieve", "rate_limited", rateLimited("global-rate"));
    expect(budgets.rate).toBeCloseTo(23.75);
  });

  it("with endpointRps Infinity there is one bucket for everything", async () => {
    const clock = clocked();
    const budgets = new Budgets({ globalRps: 100, endpointRps: Infinity }, clock);
    for (let i = 0; i < 100; i++) await budgets.acquire("redact");
    expect(clock.now()).toBeLessThan(1100);
  });
});
