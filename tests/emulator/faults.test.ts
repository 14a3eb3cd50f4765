import Stripe from "stripe";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";

/** Injected faults (500s, resets, lost responses), their reproducibility, and latency. */
let emu: TestEmulator;

beforeEach(async () => {
  emu = await startTestEmulator();
});
afterEach(() => emu.close());

test("errorRate: a 500 api_error before the endpoint runs, so nothing is stored", async () => {
  const key = emu.newKey();
  const stripe = emu.stripe(key);
  await emu.control.config({ faults: { errorRate: 1 } });
  const error = await stripe.identity.verificationSessions.create({ type: "document" }, { idempotencyKey: "e1" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
  expect(error).toMatchObject({ statusCode: 500 });
  await emu.control.config({ faults: { errorRate: 0 } });
  expect(await emu.control.sessions(key)).toEqual([]);
  const created = await stripe.identity.verificationSessions.create({ type: "document" }, { idempotencyKey: "e1" });
  expect(created.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  expect((await emu.control.stats()).faults).toBe(1);
});

test("resetRate: the connection is destroyed before the endpoint runs", async () => {
  const key = emu.newKey();
  await emu.control.config({ faults: { resetRate: 1 } });
  const error = await emu.stripe(key).identity.verificationSessions.create({ type: "document" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
  expect(await emu.control.sessions(key)).toEqual([]);
  // stripe-node retries a reset once even with maxNetworkRetries 0: both requests were counted and faulted.
  const stats = await emu.control.stats();
  expect(stats.faults).toBe(stats.requests["POST /v1/identity/verification_sessions"]);
});

test("lostResponseRate: the request is committed, then the connection drops with no reply", async () => {
  const key = emu.newKey();
  await emu.control.config({ faults: { lostResponseRate: 1 } });
  const res = await fetch(`${emu.url}/v1/identity/verification_sessions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "lost-1" },
    body: "type=document",
  }).catch((e: unknown) => e);
  expect(res).toMatchObject({ message: "fetch failed" }); // no response at all
  await emu.control.config({ faults: { lostResponseRate: 0 } });
  const sessions = await emu.control.sessions(key);
  expect(sessions).toHaveLength(1);
  const replay = await fetch(`${emu.url}/v1/identity/verification_sessions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "lost-1" },
    body: "type=document",
  });
  expect(replay.headers.get("idempotent-replayed")).toBe("true");
  expect(((await replay.json()) as { id: string }).id).toBe(sessions[0].id);
});

test("faults with a seed are reproducible; the control API is never faulted", async () => {
  const key = emu.newKey();
  const pattern = async (): Promise<number[]> => {
    await emu.control.config({ seed: 42, faults: { errorRate: 0.5 } });
    const out: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${emu.url}/v1/identity/verification_sessions?limit=1`, { headers: { Authorization: `Bearer ${key}` } });
      out.push(res.status);
    }
    return out;
  };
  const first = await pattern();
  const second = await pattern();
  expect(second).toEqual(first);
  expect(first).toContain(500);
  expect(first).toContain(200);
  for (let i = 0; i < 20; i++) await emu.control.stats();
  await emu.control.config({ faults: { errorRate: 0 } });
});

test("rates that add up to more than 1 are refused", async () => {
  await expect(emu.control.config({ faults: { errorRate: 0.6, resetRate: 0.6 } })).rejects.toMatchObject({ status: 400 });
});

// How long they take (ten at once in about one latency, the control API at once) is measured by
// bench/emulator-timing.ts: a loaded machine must not fail this test, only slow it down.
test("latency and jitter delay every /v1 request; the control API is not delayed", async () => {
  await emu.control.config({ latencyMs: 150, jitterMs: 50 });
  const stripe = emu.stripe();
  const timed = async (call: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await call();
    return performance.now() - t0;
  };
  const listed = await Promise.all(Array.from({ length: 10 }, () => timed(() => stripe.identity.verificationSessions.list())));
  for (const ms of listed) expect(ms).toBeGreaterThanOrEqual(145);
  expect(await emu.control.stats()).toMatchObject({ requests: { "GET /v1/identity/verification_sessions": 10 } });
});
