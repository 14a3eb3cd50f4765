import { EmulatorControl } from "../../emulator";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";

/** The control API of docs/architecture.md, "Emulator contract", through EmulatorControl and raw JSON. */
let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({ latencyMs: 0 });
});
afterAll(() => emu.close());

async function raw(method: string, path: string, body?: string): Promise<{ status: number; json: { error?: { type: string; message: string; param?: string } } }> {
  const res = await fetch(`${emu.url}${path}`, { method, body });
  return { status: res.status, json: (await res.json()) as { error?: { type: string; message: string; param?: string } } };
}

test("stats counts every /v1 request on arrival by route template, including 401s, 429s and faults", async () => {
  await emu.control.reset();
  const key = emu.newKey();
  const stripe = emu.stripe(key);
  const s = await stripe.identity.verificationSessions.create({ type: "document" });
  await stripe.identity.verificationSessions.retrieve(s.id);
  await stripe.identity.verificationSessions.cancel(s.id);
  await fetch(`${emu.url}/v1/identity/verification_sessions`); // 401
  await emu.control.config({ rateLimit: { test: 1, live: 1 } });
  const limited = emu.newKey();
  await fetch(`${emu.url}/v1/identity/verification_reports`, { headers: { Authorization: `Bearer ${limited}` } });
  await fetch(`${emu.url}/v1/identity/verification_reports`, { headers: { Authorization: `Bearer ${limited}` } }); // 429
  await emu.control.config({ rateLimit: null, faults: { errorRate: 1 } });
  await fetch(`${emu.url}/v1/identity/verification_reports/vr_x`, { headers: { Authorization: `Bearer ${key}` } }); // 500
  await emu.control.config({ faults: { errorRate: 0 } });
  expect(await emu.control.stats()).toEqual({
    requests: {
      "POST /v1/identity/verification_sessions": 1,
      "GET /v1/identity/verification_sessions/:id": 1,
      "POST /v1/identity/verification_sessions/:id/cancel": 1,
      "GET /v1/identity/verification_sessions": 1,
      "GET /v1/identity/verification_reports": 2,
      "GET /v1/identity/verification_reports/:id": 1,
    },
    // Requests that got past authentication, by connected account.
    requestsByAccount: { platform: 6 },
    rateLimited: 1,
    faults: 1,
  });
});

test("reset empties every store and restores stats and config", async () => {
  const key = emu.newKey();
  await emu.control.seed({ apiKey: key, count: 3 });
  await emu.control.config({ latencyMs: 500, faults: { errorRate: 1 } });
  await emu.control.reset();
  expect(await emu.control.sessions(key)).toEqual([]);
  expect(await emu.control.stats()).toEqual({ requests: {}, requestsByAccount: {}, rateLimited: 0, faults: 0 });
  expect((await emu.stripe(key).identity.verificationSessions.list()).data).toEqual([]);
  // The 500 ms latency is gone: the answer carries no delay (timed in bench/emulator-timing.ts).
  expect(await raw("POST", "/_emulator/config", "{}")).toMatchObject({ status: 200, json: { latencyMs: 0, faults: { errorRate: 0 } } });
});

test("config merges partial updates and answers with the whole config", async () => {
  await emu.control.reset();
  const first = await raw("POST", "/_emulator/config", JSON.stringify({ faults: { resetRate: 0.1 } }));
  expect(first.status).toBe(200);
  const second = await raw("POST", "/_emulator/config", JSON.stringify({ faults: { errorRate: 0.2 }, redactionDelayMs: 5 }));
  expect(second.json).toEqual({
    latencyMs: 0,
    jitterMs: 0,
    rateLimit: null,
    faults: { errorRate: 0.2, resetRate: 0.1, lostResponseRate: 0 },
    redactionDelayMs: 5,
    redactionJobs: { sessionsPerSecond: 1_000_000, maxObjects: 10_000 },
    seed: null,
  });
  await emu.control.reset();
});

test.each([
  ["not JSON", "{latency", undefined],
  ["unknown field", JSON.stringify({ latency: 5 }), "latency"],
  ["wrong type", JSON.stringify({ latencyMs: "fast" }), "latencyMs"],
  ["negative", JSON.stringify({ jitterMs: -1 }), "jitterMs"],
  ["rate limit shape", JSON.stringify({ rateLimit: { test: 5 } }), "rateLimit[live]"],
  ["probability", JSON.stringify({ faults: { errorRate: 2 } }), "faults[errorRate]"],
  ["not an object", "[1,2]", "body"],
])("bad config (%s) is a 400 naming the field, never a 500", async (_name, body, param) => {
  const res = await raw("POST", "/_emulator/config", body);
  expect(res.status).toBe(400);
  expect(res.json.error?.type).toBe("invalid_request_error");
  if (param) expect(res.json.error?.param).toBe(param);
});

test("seed makes full sessions, created spread evenly over the range, with metadata, prefix, type and status", async () => {
  const key = emu.newKey("live");
  const { ids } = await emu.control.seed({
    apiKey: key,
    count: 5,
    status: "verified",
    created: { from: 1_000, to: 2_000 },
    metadata: { batch: "b1" },
    clientReferenceIdPrefix: "user-",
    type: "id_number",
  });
  expect(ids).toHaveLength(5);
  const sessions = await emu.control.sessions(key);
  expect(sessions.map((s) => s.id)).toEqual([...ids].reverse());
  expect(sessions.map((s) => s.created)).toEqual([2000, 1750, 1500, 1250, 1000]);
  for (const s of sessions) {
    expect(s).toMatchObject({ status: "verified", type: "id_number", livemode: true, metadata: { batch: "b1" }, client_secret: null, url: null });
    expect(s.client_reference_id).toMatch(/^user-\d$/);
    expect(s.last_verification_report).toMatch(/^vr_/);
    expect(s.verified_outputs?.id_number_type).toBe("us_ssn");
  }
  const openKey = emu.newKey();
  await emu.control.seed({ apiKey: openKey, count: 2 });
  const open = await emu.control.sessions(openKey);
  expect(open.map((s) => s.status)).toEqual(["requires_input", "requires_input"]);
  expect(open[0].client_secret).toMatch(/_secret_/);
});

test.each([
  ["bad key", { apiKey: "nope", count: 1 }, "apiKey"],
  ["zero count", { apiKey: "sk_test_x1", count: 0 }, "count"],
  ["bad status", { apiKey: "sk_test_x1", count: 1, status: "done" }, "status"],
  ["range reversed", { apiKey: "sk_test_x1", count: 1, created: { from: 5, to: 1 } }, "created"],
])("bad seed (%s) is a 400", async (_name, body, param) => {
  const res = await raw("POST", "/_emulator/seed", JSON.stringify(body));
  expect(res.status).toBe(400);
  expect(res.json.error?.param).toBe(param);
});

test("a seed range given as dates, not unix seconds, says what the field wants", async () => {
  const res = await raw("POST", "/_emulator/seed", JSON.stringify({ apiKey: "sk_test_x1", count: 1, created: { from: "2026-01-01", to: 1 } }));
  expect(res.status).toBe(400);
  expect(res.json.error?.message).toMatch(/created\[from\]: expected unix seconds \(a whole number/);
  expect(res.json.error?.message).not.toMatch(/received string/);
});

test("sessions needs an apiKey; unknown accounts are empty; unknown control routes are 404", async () => {
  expect((await raw("GET", "/_emulator/sessions")).status).toBe(400);
  expect(await emu.control.sessions("sk_test_neverused")).toEqual([]);
  expect((await raw("GET", "/_emulator/nothing")).status).toBe(404);
  expect((await raw("DELETE", "/_emulator/reset")).status).toBe(404);
});

test("EmulatorControl is exported from the package's emulator entry", () => {
  expect(new EmulatorControl(`${emu.url}/`)).toBeInstanceOf(EmulatorControl);
});
