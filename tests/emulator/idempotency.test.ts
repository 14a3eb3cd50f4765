import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { createStripeClient } from "../../provider/stripe/client";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { IdempotencyStore, KEY_TTL_MS, MAX_BYTES } from "../../emulator/idempotency";
import { EmulatorState, MAX_ACCOUNTS } from "../../emulator/state";

/** Idempotency-Key: replay of completed responses, mismatches, scope, and lost responses. */
let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

function post(key: string, path: string, body: string, idempotencyKey?: string): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${key}`, "Content-Type": "application/x-www-form-urlencoded" };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  return fetch(`${emu.url}${path}`, { method: "POST", headers, body });
}

const SESSIONS = "/v1/identity/verification_sessions";

test("same key and params replay the first response, marked Idempotent-Replayed", async () => {
  const key = emu.newKey();
  const stripe = emu.stripe(key);
  const first = await stripe.identity.verificationSessions.create({ type: "document", metadata: { n: "1" } }, { idempotencyKey: "create-1" });
  const again = await stripe.identity.verificationSessions.create({ type: "document", metadata: { n: "1" } }, { idempotencyKey: "create-1" });
  expect(again).toEqual(first);
  expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
  expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  expect(await emu.control.sessions(key)).toHaveLength(1);
});

test("same key with different params is a 400 idempotency_error", async () => {
  const stripe = emu.stripe(emu.newKey());
  await stripe.identity.verificationSessions.create({ type: "document" }, { idempotencyKey: "k-mismatch" });
  const error = await stripe.identity.verificationSessions.create({ type: "id_number" }, { idempotencyKey: "k-mismatch" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  expect(error).toMatchObject({ statusCode: 400, type: "StripeIdempotencyError" });
});

test("an error response from a request that ran is replayed with its status", async () => {
  const key = emu.newKey();
  const { id } = await emu.stripe(key).identity.verificationSessions.create({ type: "document" });
  await emu.control.transition(id, "processing");
  const first = await post(key, `${SESSIONS}/${id}/cancel`, "", "cancel-1");
  expect(first.status).toBe(400);
  await emu.control.transition(id, "requires_input");
  const replay = await post(key, `${SESSIONS}/${id}/cancel`, "", "cancel-1");
  expect(replay.status).toBe(400);
  expect(replay.headers.get("idempotent-replayed")).toBe("true");
  expect(await replay.text()).toBe(await first.text());
  const fresh = await post(key, `${SESSIONS}/${id}/cancel`, "", "cancel-2");
  expect(fresh.status).toBe(200);
});

test("requests that fail validation are not stored", async () => {
  const key = emu.newKey();
  const bad = await post(key, SESSIONS, "type=nope", "validate-1");
  expect(bad.status).toBe(400);
  const again = await post(key, SESSIONS, "type=nope", "validate-1");
  expect(again.headers.get("idempotent-replayed")).toBeNull();
});

test("keys are scoped per account", async () => {
  const a = emu.newKey();
  const b = emu.newKey();
  await emu.stripe(a).identity.verificationSessions.create({ type: "document" }, { idempotencyKey: "shared" });
  const other = await emu.stripe(b).identity.verificationSessions.create({ type: "id_number" }, { idempotencyKey: "shared" });
  expect(other.type).toBe("id_number");
  expect(await emu.control.sessions(b)).toHaveLength(1);
});

/**
 * A pass-through proxy that holds back the answer to a lost response (the emulator dropped the
 * connection) until `onLost` has run, so the client's retry cannot arrive before the test reacts.
 */
async function lossGate(target: string, onLost: () => Promise<unknown>): Promise<{ url: string; close: () => Promise<void> }> {
  const base = new URL(target);
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => void onLost().finally(() => res.destroy()));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

test("a lost response, retried by the SDK with its idempotency key, creates no duplicate", async () => {
  const key = emu.newKey();
  const route = "POST /v1/identity/verification_sessions";
  const before = await emu.control.stats();
  await emu.control.config({ faults: { lostResponseRate: 1 } });
  // The fault is turned off once the first response was lost, before the SDK can retry.
  const gate = await lossGate(emu.url, () => emu.control.config({ faults: { lostResponseRate: 0 } }));
  try {
    const stripe = createStripeClient({ apiKey: key, apiBase: gate.url, maxNetworkRetries: 2, timeoutMs: 10_000 });
    const created = await stripe.identity.verificationSessions.create({ type: "document" });
    const sessions = await emu.control.sessions(key);
    expect(sessions.map((s) => s.id)).toEqual([created.id]);
    expect(created.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await emu.control.stats()).requests[route] - (before.requests[route] ?? 0)).toBe(2);
    expect((await emu.control.stats()).faults - before.faults).toBe(1);
  } finally {
    await gate.close();
    await emu.control.config({ faults: { lostResponseRate: 0 } });
  }
});

describe("the idempotency store's bounds (issue 11)", () => {
  const response = (body: string) => ({ fingerprint: "POST /v1/x\n", status: 200, body });

  test("a key expires 24 hours after it was saved, as Stripe's do", () => {
    const store = new IdempotencyStore();
    store.save("k", response("{}"), 0);
    expect(store.get("k", KEY_TTL_MS - 1)).toBeDefined();
    expect(store.get("k", KEY_TTL_MS)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  test("stored bytes stay under the bound: the oldest responses go first", () => {
    const store = new IdempotencyStore();
    const big = "x".repeat(100_000);
    for (let i = 0; i < 200; i++) store.save(`k${i}`, response(big), i);
    expect(store.storedBytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(store.get("k0", 300)).toBeUndefined();
    expect(store.get("k199", 300)).toBeDefined();
  });

  test("accounts are bounded: junk keys are forgotten, accounts with sessions are kept", () => {
    const state = new EmulatorState({ latencyMs: 0, jitterMs: 0, rateLimit: null, faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 }, redactionDelayMs: 0, redactionJobs: { sessionsPerSecond: 1000, maxObjects: 100 }, seed: 1 });
    const kept = state.account("sk_test_kept");
    kept.sessions.putMany([{ id: "vs_1", seq: 1, created: 1 } as never]);
    for (let i = 0; i < MAX_ACCOUNTS + 50; i++) state.account(`sk_test_junk${i}`);
    expect(state.accounts.size).toBeLessThanOrEqual(MAX_ACCOUNTS);
    expect(state.accounts.get("sk_test_kept")).toBe(kept);
  });
});

test("Stripe echoes the request's Idempotency-Key on every answer to it: success, replay, refusal", async () => {
  const key = emu.newKey();
  const stripe = emu.stripe(key);
  const created = await stripe.identity.verificationSessions.create({ type: "document" }, { idempotencyKey: "echo-1" });
  expect(created.lastResponse.headers["idempotency-key"]).toBe("echo-1");
  const replayed = await stripe.identity.verificationSessions.create({ type: "document" }, { idempotencyKey: "echo-1" });
  expect(replayed.lastResponse.headers["idempotency-key"]).toBe("echo-1");
  await emu.control.transition(created.id, "processing");
  const refused = await post(key, `${SESSIONS}/${created.id}/cancel`, "", "echo-2");
  expect(refused.status).toBe(400);
  expect(refused.headers.get("idempotency-key")).toBe("echo-2");
  const unkeyed = await fetch(`${emu.url}${SESSIONS}`, { headers: { Authorization: `Bearer ${key}` } });
  expect(unkeyed.headers.get("idempotency-key")).toBeNull();
});
