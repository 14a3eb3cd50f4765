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

describe("over HTTP", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ rateLimit: { test: 5, live: 20 } });
  });
  afterAll(() => emu.close());

  /** Tokens that can have accrued while a burst was in flight, so a loaded machine cannot fail the bound. */
  const refilledDuring = (rate: number, startedAt: number) => Math.floor((rate * (Date.now() - startedAt)) / 1000);

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
    const startedAt = Date.now();
    const statuses = await burst(emu.newKey(), 20);
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThanOrEqual(15 - refilledDuring(5, startedAt));
    expect(limited).toBeLessThanOrEqual(15);
    expect((await emu.control.stats()).rateLimited - before).toBe(limited);
  });

  test("live keys get the live limit; every account has its own bucket", async () => {
    const startedAt = Date.now();
    const live = await burst(emu.newKey("live"), 30);
    expect(live.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
    expect(live.filter((s) => s === 200).length).toBeLessThanOrEqual(20 + refilledDuring(20, startedAt));
    const other = await burst(emu.newKey(), 5);
    expect(other).toEqual([200, 200, 200, 200, 200]);
  });

  test("a steady rate above the limit gets about (rate - limit) 429s per second", async () => {
    const key = emu.newKey();
    await burst(key, 5); // empty the bucket
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      // 20 req/s for one second against 5 req/s.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + i * 50 - Date.now())));
      statuses.push(...(await burst(key, 1)));
    }
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(4);
    expect(ok).toBeLessThanOrEqual(7);
  });

  test("the control API is never rate limited; config can lift the limit", async () => {
    for (let i = 0; i < 30; i++) await emu.control.stats();
    await emu.control.config({ rateLimit: null });
    expect((await burst(emu.newKey(), 30)).every((s) => s === 200)).toBe(true);
    await emu.control.config({ rateLimit: { test: 5, live: 20 } });
  });
});
