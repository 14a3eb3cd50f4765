import { newBucket, take } from "../../emulator/rate-limit";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";

/** The per-account token bucket: arithmetic (pure) and the 429s it causes over HTTP. */
describe("bucket arithmetic", () => {
  test("a full bucket admits one second's worth, then refills continuously", () => {
    const bucket = newBucket(5, 0);
    expect(Array.from({ length: 7 }, () => take(bucket, 0))).toEqual([true, true, true, true, true, false, false]);
    expect(take(bucket, 100)).toBe(false); // 0.5 token
    expect(take(bucket, 200)).toBe(true); // 1.0 token
    expect(take(bucket, 10_000)).toBe(true); // capped at capacity, not 50
    expect(Array.from({ length: 5 }, () => take(bucket, 10_000)).filter(Boolean)).toHaveLength(4);
  });

  test("a clock going backwards never adds tokens", () => {
    const bucket = newBucket(1, 1000);
    expect(take(bucket, 1000)).toBe(true);
    expect(take(bucket, 500)).toBe(false);
  });
});

/**
 * A clock the test moves by hand (the emulator's limiter reads it), so bucket refills depend on the
 * steps taken, never on how fast a loaded machine sends the requests.
 */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let ms = Date.UTC(2026, 0, 1);
  return { now: () => ms, advance: (step) => (ms += step) };
}

describe("over HTTP", () => {
  let emu: TestEmulator;
  const clock = manualClock();
  beforeAll(async () => {
    emu = await startTestEmulator({ rateLimit: { test: 5, live: 20 }, clock: clock.now });
  });
  afterAll(() => emu.close());

  async function burst(key: string, n: number): Promise<number[]> {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const res = await fetch(`${emu.url}/v1/identity/verification_sessions?limit=1`, { headers: { Authorization: `Bearer ${key}` } });
        const body = (await res.json()) as { error?: { type: string; code: string } };
        if (res.status === 429) expect(body.error).toMatchObject({ type: "invalid_request_error", code: "rate_limit" });
        return res.status;
      }),
    );
  }

  test("a burst over the limit gets 429 rate_limit for all but one second's worth", async () => {
    const before = (await emu.control.stats()).rateLimited;
    const statuses = await burst(emu.newKey(), 20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect((await emu.control.stats()).rateLimited - before).toBe(15);
  });

  test("live keys get the live limit; every account has its own bucket", async () => {
    const live = await burst(emu.newKey("live"), 30);
    expect(live.filter((s) => s === 200)).toHaveLength(20);
    const other = await burst(emu.newKey(), 5);
    expect(other).toEqual([200, 200, 200, 200, 200]);
  });

  test("a steady rate above the limit gets about (rate - limit) 429s per second", async () => {
    const key = emu.newKey();
    await burst(key, 5); // empty the bucket
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      // 20 req/s for one second against 5 req/s: a quarter token accrues between two requests.
      clock.advance(50);
      statuses.push(...(await burst(key, 1)));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses).toEqual(Array.from({ length: 20 }, (_, i) => (i % 4 === 3 ? 200 : 429)));
  });

  test("the control API is never rate limited; config can lift the limit", async () => {
    for (let i = 0; i < 30; i++) await emu.control.stats();
    await emu.control.config({ rateLimit: null });
    expect((await burst(emu.newKey(), 30)).every((s) => s === 200)).toBe(true);
    await emu.control.config({ rateLimit: { test: 5, live: 20 } });
  });
});

describe("Stripe's limiter model (issue 11): per endpoint, concurrency, locks, keys in flight", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ rateLimit: { test: 1000, live: 1000, perEndpoint: 5 }, clock: manualClock().now });
  });
  afterAll(() => emu.close());

  async function call(key: string, method: string, path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${emu.url}${path}`, { method, headers: { Authorization: `Bearer ${key}`, ...headers } });
    const body = (await res.json()) as { error?: { type: string; code?: string } };
    return { status: res.status, reason: res.headers.get("stripe-rate-limited-reason"), requestId: res.headers.get("request-id"), error: body.error };
  }

  test("each endpoint has its own budget; requests for different ids share their endpoint's; a 429 names the reason", async () => {
    const key = emu.newKey();
    const ids = (await emu.control.seed({ apiKey: key, count: 10 })).ids;
    const retrieves = await Promise.all(ids.map((id) => call(key, "GET", `/v1/identity/verification_sessions/${id}`)));
    expect(retrieves.filter((r) => r.status === 200)).toHaveLength(5);
    for (const r of retrieves.filter((r) => r.status === 429)) {
      expect(r).toMatchObject({ reason: "endpoint-rate", error: { type: "invalid_request_error", code: "rate_limit" } });
      expect(r.requestId).toMatch(/^req_/);
    }
    // The list endpoint's budget is untouched.
    expect((await call(key, "GET", "/v1/identity/verification_sessions?limit=1")).status).toBe(200);
  });

  test("the global limit says global-rate; concurrency says global-concurrency", async () => {
    // The manual clock never refills the bucket between the calls, however slow the machine is.
    const limited = await startTestEmulator({ rateLimit: { test: 2, live: 2, concurrency: 1 }, latencyMs: 150, clock: manualClock().now });
    try {
      const key = limited.newKey();
      const list = () => fetch(`${limited.url}/v1/identity/verification_sessions?limit=1`, { headers: { Authorization: `Bearer ${key}` } });
      const both = await Promise.all([list(), list()]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 429]);
      expect(both.find((r) => r.status === 429)!.headers.get("stripe-rate-limited-reason")).toBe("global-concurrency");
      await list();
      const third = await list();
      expect(third.status).toBe(429);
      expect(third.headers.get("stripe-rate-limited-reason")).toBe("global-rate");
    } finally {
      await limited.close();
    }
  });

  test("two writes to one session at once: the second is a 429 lock_timeout without a reason header; a key in flight is a 409", async () => {
    const slow = await startTestEmulator({ latencyMs: 150 });
    try {
      const key = slow.newKey();
      const [id] = (await slow.control.seed({ apiKey: key, count: 1 })).ids;
      const post = (path: string, headers: Record<string, string> = {}, body?: string) =>
        fetch(`${slow.url}${path}`, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-www-form-urlencoded", ...headers }, body });
      const writes = await Promise.all([post(`/v1/identity/verification_sessions/${id}/redact`), post(`/v1/identity/verification_sessions/${id}/redact`)]);
      expect(writes.map((r) => r.status).sort()).toEqual([200, 429]);
      const locked = writes.find((r) => r.status === 429)!;
      expect(locked.headers.get("stripe-rate-limited-reason")).toBeNull();
      expect(((await locked.json()) as { error: { code: string } }).error.code).toBe("lock_timeout");

      const creates = await Promise.all([1, 2].map(() => post("/v1/identity/verification_sessions", { "Idempotency-Key": "same-key" }, "type=document")));
      expect(creates.map((r) => r.status).sort()).toEqual([200, 409]);
      const inUse = creates.find((r) => r.status === 409)!;
      expect(((await inUse.json()) as { error: { code: string } }).error.code).toBe("idempotency_key_in_use");
      // Once the first is done, the key replays.
      const replay = await post("/v1/identity/verification_sessions", { "Idempotency-Key": "same-key" }, "type=document");
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
    } finally {
      await slow.close();
    }
  });
});
