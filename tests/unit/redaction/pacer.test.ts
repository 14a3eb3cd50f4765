import {
  admittedRate,
  bucketCapacity,
  estimateLimit,
  defaultConcurrency,
  initialRateState,
  msUntilToken,
  newRateWindow,
  onAdmitted,
  onRateLimited,
  Pacer,
  pacerSettings,
  recordAdmitted,
  refill,
  takeToken,
  type RateState,
} from "../../../provider/redaction/pacer";

describe("pacerSettings", () => {
  it("derives a floor and refuses a non-positive rate", () => {
    // Absolute, not a share of the target: 5% of --rps 1000 would sit above a 25/s limit.
    expect(pacerSettings(1000).floorRps).toBe(0.5);
    expect(pacerSettings(4).floorRps).toBe(0.5);
    expect(pacerSettings(0.2).floorRps).toBe(0.2);
    expect(() => pacerSettings(0)).toThrow(/targetRps/);
    expect(() => pacerSettings(Number.NaN)).toThrow(/targetRps/);
    expect(pacerSettings(25, { headroom: 0.9 }).headroom).toBe(0.9);
  });
});

describe("token bucket", () => {
  it("refills at the rate up to capacity", () => {
    expect(refill({ tokens: 0, updatedAt: 0 }, 10, 5, 200)).toEqual({ tokens: 2, updatedAt: 200 });
    expect(refill({ tokens: 0, updatedAt: 0 }, 10, 5, 10_000)).toEqual({ tokens: 5, updatedAt: 10_000 });
    expect(refill({ tokens: 1, updatedAt: 500 }, 10, 5, 400)).toEqual({ tokens: 1, updatedAt: 500 });
  });
  it("repays debt before handing out tokens", () => {
    const inDebt = takeToken({ tokens: 0.5, updatedAt: 0 }, 3);
    expect(inDebt.tokens).toBe(-2.5);
    expect(msUntilToken(inDebt, 10)).toBe(350);
    expect(refill(inDebt, 10, 5, 350).tokens).toBeCloseTo(1);
  });
  it("says how long until the next token", () => {
    expect(msUntilToken({ tokens: 1, updatedAt: 0 }, 25)).toBe(0);
    expect(msUntilToken({ tokens: 0, updatedAt: 0 }, 25)).toBe(40);
    expect(msUntilToken({ tokens: 0.5, updatedAt: 0 }, 100)).toBe(5);
  });
  it("holds at least one token", () => {
    expect(bucketCapacity(2, 0.1)).toBe(1);
    expect(bucketCapacity(100, 0.1)).toBe(10);
  });
});

describe("admitted-rate window", () => {
  it("counts admitted responses per second over the window", () => {
    let window = newRateWindow(1000, 0);
    for (let t = 0; t < 2000; t += 40) window = recordAdmitted(window, t); // 25/s
    const { rps, reliable } = admittedRate(window, 2000);
    expect(Math.abs(rps - 25)).toBeLessThan(2.5);
    expect(reliable).toBe(true);
  });
  it("is not reliable right after the start or with few samples", () => {
    let window = newRateWindow(1000, 0);
    window = recordAdmitted(window, 10);
    expect(admittedRate(window, 100).reliable).toBe(false);
    expect(admittedRate(window, 900).reliable).toBe(false);
  });
  it("uses the time since the start when shorter than the window", () => {
    let window = newRateWindow(1000, 0);
    for (let t = 0; t < 500; t += 10) window = recordAdmitted(window, t); // 50 in 0.5 s
    expect(admittedRate(window, 500).rps).toBeCloseTo(100, 0);
  });
  it("forgets slots older than the window, also after a long gap", () => {
    let window = newRateWindow(1000, 0);
    for (let t = 0; t < 1000; t += 10) window = recordAdmitted(window, t);
    expect(admittedRate(window, 5000).rps).toBe(0);
    window = recordAdmitted(window, 5000);
    expect(admittedRate(window, 5050).rps).toBeCloseTo(1, 0);
  });
  it("does not mutate its input", () => {
    const window = newRateWindow(1000, 0);
    recordAdmitted(window, 10);
    expect(window.counts.every((n) => n === 0)).toBe(true);
  });
});

describe("rate control", () => {
  const settings = pacerSettings(100);
  const unreliable = { rps: 0, reliable: false };

  it("cuts by the decrease factor while the admitted rate is unknown", () => {
    const next = onRateLimited(initialRateState(settings), settings, 1000, unreliable);
    expect(next.rate).toBeCloseTo(70);
    expect(next.lastDecreaseAt).toBe(1000);
  });
  it("settles just under the measured admitted rate", () => {
    const next = onRateLimited(initialRateState(settings), settings, 1000, { rps: 25, reliable: true });
    expect(next.rate).toBeCloseTo(23.75);
  });
  it("cuts at least 10% even when the admitted rate is above the current rate", () => {
    const state: RateState = { ...initialRateState(settings), rate: 20 };
    expect(onRateLimited(state, settings, 1000, { rps: 40, reliable: true }).rate).toBeCloseTo(18);
  });
  it("decreases at most once per cooldown (responses already in flight say nothing new)", () => {
    const first = onRateLimited(initialRateState(settings), settings, 1000, unreliable);
    const second = onRateLimited(first, settings, 1000 + settings.decreaseCooldownMs - 1, unreliable);
    expect(second.rate).toBe(first.rate);
    expect(second.lastRateLimitedAt).toBe(1000 + settings.decreaseCooldownMs - 1);
    const third = onRateLimited(second, settings, 1000 + settings.decreaseCooldownMs, unreliable);
    expect(third.rate).toBeCloseTo(49);
  });
  it("within an episode of 429s, estimates the limit from what was admitted since the last decrease", () => {
    let state = onRateLimited(initialRateState(settings), settings, 1000, { rps: 60, reliable: true });
    expect(state.rate).toBeCloseTo(57);
    for (let i = 0; i < 10; i++) state = onAdmitted(state, settings, 1000 + i * 40); // 10 in 400 ms = 25/s
    expect(estimateLimit(state, settings, 1400, { rps: 60, reliable: true })).toBeCloseTo(25);
    state = onRateLimited(state, settings, 1400, { rps: 60, reliable: true });
    expect(state.rate).toBeCloseTo(23.75);
    expect(state.admittedSinceDecrease).toBe(0);
  });
  it("falls back to the window once the last decrease is long past", () => {
    const state: RateState = { ...initialRateState(settings), lastDecreaseAt: 0, admittedSinceDecrease: 500 };
    expect(estimateLimit(state, settings, 60_000, { rps: 40, reliable: true })).toBe(40);
    expect(estimateLimit(state, settings, 60_000, { rps: 40, reliable: false })).toBeUndefined();
  });
  it("never goes below the floor", () => {
    let state = initialRateState(settings);
    for (let i = 0; i < 50; i++) state = onRateLimited(state, settings, i * 1000, unreliable);
    expect(state.rate).toBe(settings.floorRps);
    expect(onRateLimited(state, settings, 100_000, { rps: 0.01, reliable: true }).rate).toBe(settings.floorRps);
  });
  it("probes upward only after a quiet spell, one step per interval, up to the target", () => {
    let state: RateState = { ...initialRateState(settings), rate: 50, lastRateLimitedAt: 0, lastDecreaseAt: 0, lastProbeAt: 0 };
    expect(onAdmitted(state, settings, settings.probeAfterMs - 1).rate).toBe(50);
    state = onAdmitted(state, settings, settings.probeAfterMs);
    expect(state.rate).toBeCloseTo(51.5); // +3% of the current rate
    expect(state.admittedSinceDecrease).toBe(1);
    expect(onAdmitted(state, settings, settings.probeAfterMs + settings.probeIntervalMs - 1).rate).toBeCloseTo(51.5);
    state = onAdmitted(state, settings, settings.probeAfterMs + settings.probeIntervalMs);
    expect(state.rate).toBeCloseTo(51.5 * 1.03);
    for (let t = 10_000; t < 100_000; t += 1000) state = onAdmitted(state, settings, t);
    expect(state.rate).toBe(100);
  });
  it("trusts a known limit over a higher estimate (Stripe's documented one, inside its envelope)", () => {
    const high = pacerSettings(1000);
    expect(onRateLimited(initialRateState(high), high, 1000, { rps: 60, reliable: true }, 25).rate).toBeCloseTo(23.75);
    expect(onRateLimited(initialRateState(high), high, 1000, { rps: 10, reliable: true }, 25).rate).toBeCloseTo(9.5);
    expect(onRateLimited(initialRateState(high), high, 1000, { rps: 0, reliable: false }, 25).rate).toBeCloseTo(23.75);
  });
  it("can fall below 5% of a far too high target (--rps 1000 against 25/s)", () => {
    const high = pacerSettings(1000);
    let state = initialRateState(high);
    state = onRateLimited(state, high, 1000, { rps: 25, reliable: true });
    expect(state.rate).toBeCloseTo(23.75);
  });
  it("leaves the rate alone at the target", () => {
    const state = initialRateState(settings);
    expect(onAdmitted(state, settings, 1e9).rate).toBe(100);
  });
});

describe("defaultConcurrency", () => {
  it("keeps rps x latency x 1.5 requests in flight, within [2, cap]", () => {
    expect(defaultConcurrency(25)).toBe(10);
    expect(defaultConcurrency(100)).toBe(38);
    expect(defaultConcurrency(100, 150)).toBe(23);
    expect(defaultConcurrency(1)).toBe(2);
    expect(defaultConcurrency(10_000)).toBe(64);
    expect(defaultConcurrency(10_000, 250, 200)).toBe(200);
  });
});

/** A clock that only moves when the pacer sleeps. */
function fakeTime() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

describe("Pacer (async shell)", () => {
  it("lets requests through at the target rate, first one at once", async () => {
    const time = fakeTime();
    const pacer = new Pacer(pacerSettings(25), time);
    const times: number[] = [];
    for (let i = 0; i < 51; i++) {
      await pacer.acquire();
      times.push(time.now());
    }
    expect(times[0]).toBe(0);
    expect(times[50]).toBeGreaterThanOrEqual(2000);
    expect(times[50]).toBeLessThanOrEqual(2050);
    expect(pacer.issued).toBe(51);
  });
  it("serves concurrent waiters in FIFO order", async () => {
    const time = fakeTime();
    const pacer = new Pacer(pacerSettings(10), time);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => pacer.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(time.now()).toBeGreaterThanOrEqual(400);
  });
  it("slows down on 429s and spends debited tokens", async () => {
    const time = fakeTime();
    const pacer = new Pacer(pacerSettings(100), time);
    await pacer.acquire();
    pacer.record("rate_limited");
    expect(pacer.rate).toBeCloseTo(70);
    pacer.debit(7);
    const before = time.now();
    await pacer.acquire();
    expect(time.now() - before).toBeGreaterThanOrEqual(100); // 7 tokens of debt + 1 at 70/s
  });
  it("reconcile charges only the requests no token paid for, once", async () => {
    const time = fakeTime();
    const pacer = new Pacer(pacerSettings(10), time);
    await pacer.acquire();
    pacer.reconcile(1); // the one paid request
    pacer.reconcile(3); // two more went out on their own (SDK reconnect retries)
    pacer.reconcile(3); // nothing new
    const before = time.now();
    await pacer.acquire();
    expect(time.now() - before).toBeGreaterThanOrEqual(300); // two tokens of debt, then one token at 10/s
    expect(time.now() - before).toBeLessThan(400);
  });
  it("ignores responses that carry no signal", () => {
    const pacer = new Pacer(pacerSettings(50), fakeTime());
    pacer.record("no_response");
    expect(pacer.rate).toBe(50);
  });
  it("converges near a hidden limit and probes back up after it lifts (simulated account)", async () => {
    // A server bucket of 25/s with one second of burst, as the emulator keeps per account.
    const time = fakeTime();
    const pacer = new Pacer(pacerSettings(100), time);
    let limit = 25;
    let server = { tokens: limit, at: 0 };
    let limited = 0;
    let sent = 0;
    const inFlight: Array<{ due: number; ok: boolean }> = [];
    const settle = (until: number) => {
      inFlight.sort((a, b) => a.due - b.due);
      while (inFlight.length > 0 && inFlight[0].due <= until) pacer.record(inFlight.shift()!.ok ? "admitted" : "rate_limited");
    };
    const rates: number[] = [];
    while (time.now() < 60_000) {
      await pacer.acquire();
      const now = time.now();
      settle(now);
      if (now > 40_000) limit = 100;
      server = { tokens: Math.min(limit, server.tokens + ((now - server.at) * limit) / 1000), at: now };
      const ok = server.tokens >= 1;
      if (ok) server.tokens -= 1;
      else limited++;
      sent++;
      inFlight.push({ due: now + 150, ok }); // 150 ms latency
      if (now > 10_000 && now < 40_000) rates.push(pacer.rate);
    }
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    expect(mean).toBeGreaterThan(0.85 * 25);
    expect(mean).toBeLessThan(1.15 * 25);
    expect(limited / sent).toBeLessThan(0.1);
    expect(pacer.rate).toBeGreaterThan(35); // climbing back toward 100 (3%/s) once the limit lifted
  });
});
