import { backoffDelay, withRetries } from "../../provider/stripe/backoff";

describe("backoffDelay", () => {
  const policy = { baseMs: 100, maxMs: 1000 };
  it("doubles per attempt within [step/2, step] and caps at maxMs", () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });
});

describe("withRetries", () => {
  const noSleep = async () => undefined;
  it("retries transient failures until success", async () => {
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw new Error("transient");
        return "ok";
      },
      { maxAttempts: 5, shouldRetry: () => true, sleep: noSleep },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });
  it("stops at once on a non-retryable error", async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new Error("fatal");
        },
        { maxAttempts: 5, shouldRetry: () => false, sleep: noSleep },
      ),
    ).rejects.toThrow("fatal");
    expect(calls).toBe(1);
  });
  it("gives up after maxAttempts", async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new Error("still failing");
        },
        { maxAttempts: 4, shouldRetry: () => true, sleep: noSleep },
      ),
    ).rejects.toThrow("still failing");
    expect(calls).toBe(4);
  });
});
