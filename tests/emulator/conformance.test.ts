import type { ValidateFunction } from "ajv";
import Stripe from "stripe";
import { createStripeClient } from "../../provider/stripe/client";
import { startCaptureProxy, CaptureProxy } from "../helpers/capture-proxy";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { componentValidator, responseValidator } from "../helpers/openapi";

/**
 * Every JSON body the emulator sends, success or error, on every endpoint, validates against the
 * matching schema of spec/identity.json with no field the spec does not define. The real SDK
 * drives each operation; a pass-through proxy records the bytes on the wire.
 */
let emu: TestEmulator;
let proxy: CaptureProxy;

beforeAll(async () => {
  emu = await startTestEmulator();
  proxy = await startCaptureProxy(emu.url);
});
afterAll(async () => {
  await proxy.close();
  await emu.close();
});

function sdk(apiKey: string): Stripe {
  return createStripeClient({ apiKey, apiBase: proxy.url, maxNetworkRetries: 0 });
}

async function fails(call: Promise<unknown>): Promise<void> {
  await expect(call).rejects.toBeInstanceOf(Stripe.errors.StripeError);
}

const S = "/v1/identity/verification_sessions";
const R = "/v1/identity/verification_reports";

function validatorFor(method: string, path: string, status: number, cache: Map<string, ValidateFunction>): ValidateFunction {
  let key: string;
  let make: () => ValidateFunction;
  if (status !== 200) [key, make] = ["error", () => componentValidator("error")];
  else if (method === "GET" && path === S) [key, make] = ["list-s", () => responseValidator("get", S)];
  else if (method === "GET" && path === R) [key, make] = ["list-r", () => responseValidator("get", R)];
  else if (path.startsWith(`${R}/`)) [key, make] = ["report", () => responseValidator("get", `${R}/{report}`)];
  else if (path === S) [key, make] = ["create", () => responseValidator("post", S)];
  else if (path.endsWith("/cancel")) [key, make] = ["cancel", () => responseValidator("post", `${S}/{session}/cancel`)];
  else if (path.endsWith("/redact")) [key, make] = ["redact", () => responseValidator("post", `${S}/{session}/redact`)];
  else if (method === "GET") [key, make] = ["retrieve", () => responseValidator("get", `${S}/{session}`)];
  else [key, make] = ["update", () => responseValidator("post", `${S}/{session}`)];
  let validator = cache.get(key);
  if (!validator) cache.set(key, (validator = make()));
  return validator;
}

test("every response body of every endpoint matches the spec, with no extra fields", async () => {
  const key = emu.newKey();
  const stripe = sdk(key);
  const vs = stripe.identity.verificationSessions;

  // Sessions in every shape the create params allow.
  const doc = await vs.create({
    type: "document",
    client_reference_id: "user_1",
    metadata: { order: "42" },
    options: { document: { allowed_types: ["passport", "id_card"], require_id_number: true, require_live_capture: true, require_matching_selfie: true } },
    provided_details: { email: "jenny@example.com", phone: "+15555550100" },
    related_customer: "cus_123",
    related_customer_account: "acct_123",
    related_person: { account: "acct_1", person: "person_1" },
    return_url: "https://example.com/return",
  });
  const idn = await vs.create({ type: "id_number" });
  const flow = await vs.create({ verification_flow: "vf_123" });
  await vs.create({ type: "document", options: { document: "" } });
  await vs.retrieve(doc.id);
  await vs.update(doc.id, { metadata: { order: "", extra: "x" }, type: "id_number", provided_details: { email: "a@b.co" } });
  await vs.update(idn.id, { type: "document", options: { document: { allowed_types: ["driving_license"] } } });
  await vs.list({ limit: 2 });
  await vs.list({ status: "requires_input", created: { gte: 0 }, expand: ["data.last_verification_report"] });

  // Lifecycle: fail a check, pass one, redact, cancel.
  await emu.control.transition(doc.id, "processing");
  await emu.control.transition(doc.id, "requires_input", { code: "selfie_face_mismatch", reason: "The selfie does not match." });
  await vs.retrieve(doc.id, { expand: ["last_verification_report"] });
  await emu.control.transition(doc.id, "processing");
  await emu.control.transition(doc.id, "verified");
  await vs.retrieve(doc.id, { expand: ["last_verification_report"] });
  await emu.control.transition(idn.id, "processing");
  await emu.control.transition(idn.id, "verified");
  await vs.list({ expand: ["data.last_verification_report"] });
  await vs.redact(doc.id);
  await vs.redact(doc.id, { expand: ["last_verification_report"] });
  await vs.cancel(flow.id);
  const open = await vs.create({ type: "document", metadata: { k: "v" }, provided_details: { phone: "+1555" } });
  await vs.redact(open.id);
  await emu.control.config({ redactionDelayMs: 60_000 });
  await vs.redact(idn.id);
  await emu.control.config({ redactionDelayMs: 0 });
  await vs.retrieve(idn.id);

  // Reports.
  const reports = await stripe.identity.verificationReports.list({ limit: 3 });
  await stripe.identity.verificationReports.list({ type: "document", verification_session: doc.id, created: 0 });
  await stripe.identity.verificationReports.retrieve(reports.data[0].id);

  // Livemode objects.
  const live = sdk(emu.newKey("live"));
  const liveSession = await live.identity.verificationSessions.create({ type: "document" });
  await live.identity.verificationSessions.list();

  // Errors of every kind.
  await fails(vs.create({} as Stripe.Identity.VerificationSessionCreateParams));
  await fails(vs.create({ type: "passport" as "document" }));
  await fails(vs.create({ type: "document", bogus: "1" } as Stripe.Identity.VerificationSessionCreateParams));
  await fails(vs.create({ type: "document", client_reference_id: "x".repeat(5001) }));
  await fails(vs.retrieve("vs_missing"));
  await fails(vs.cancel(doc.id));
  await fails(vs.update(doc.id, { metadata: { a: "b" } }));
  await fails(vs.redact(flow.id));
  await fails(vs.list({ limit: 101 }));
  await fails(vs.list({ starting_after: "vs_missing" }));
  await fails(stripe.identity.verificationReports.retrieve("vr_missing"));
  await fails(stripe.identity.verificationReports.list({ limit: 0 }));
  await fails(sdk("sk_test_not-valid!").identity.verificationSessions.list());
  await vs.create({ type: "document" }, { idempotencyKey: "conf-1" });
  await fails(vs.create({ type: "id_number" }, { idempotencyKey: "conf-1" }));
  await fails(live.identity.verificationSessions.cancel(liveSession.id, { expand: ["nope"] }));
  await emu.control.config({ faults: { errorRate: 1 } });
  await fails(vs.retrieve(doc.id));
  await emu.control.config({ faults: { errorRate: 0 }, rateLimit: { test: 1, live: 1 } });
  const limited = sdk(emu.newKey());
  await limited.identity.verificationSessions.list();
  await fails(limited.identity.verificationSessions.list());
  await emu.control.config({ rateLimit: null });

  const cache = new Map<string, ValidateFunction>();
  const statuses = new Set<number>();
  const failures: string[] = [];
  for (const c of proxy.captured) {
    statuses.add(c.status);
    const validate = validatorFor(c.method, c.path, c.status, cache);
    if (!validate(JSON.parse(c.body))) {
      failures.push(`${c.method} ${c.path} ${c.status}: ${JSON.stringify(validate.errors)}\n${c.body}`);
    }
  }
  expect(failures).toEqual([]);
  expect([...statuses].sort()).toEqual([200, 400, 401, 404, 429, 500]);
  expect(new Set(proxy.captured.map((c) => c.method + " " + c.path.replace(/\/(vs|vr)_[A-Za-z0-9]+/, "/:id"))).size).toBe(8);
  expect(proxy.captured.length).toBeGreaterThan(40);
});

test("the control API's session dump holds API-shaped sessions", async () => {
  const key = emu.newKey();
  await emu.control.seed({ apiKey: key, count: 4, status: "verified" });
  await emu.control.seed({ apiKey: key, count: 2, status: "canceled", type: "id_number", metadata: { a: "b" } });
  const validate = componentValidator("identity.verification_session");
  const sessions = await emu.control.sessions(key);
  expect(sessions).toHaveLength(6);
  for (const s of sessions) expect(validate(s) ? "ok" : JSON.stringify(validate.errors)).toBe("ok");
});

test("the validators themselves reject extra fields, missing fields and wrong nulls", async () => {
  const validate = componentValidator("identity.verification_session");
  const key = emu.newKey();
  await emu.control.seed({ apiKey: key, count: 1, status: "verified" });
  const [session] = await emu.control.sessions(key);
  expect(validate(session)).toBe(true);
  expect(validate({ ...session, extra: 1 })).toBe(false);
  expect(validate({ ...session, verified_outputs: { ...session.verified_outputs, nickname: "x" } })).toBe(false);
  expect(validate({ ...session, status: null })).toBe(false);
  const { livemode: _omit, ...missing } = session;
  expect(validate(missing)).toBe(false);
  const error = componentValidator("error");
  expect(error({ error: { type: "invalid_request_error", message: "m" } })).toBe(true);
  expect(error({ error: { type: "invalid_request_error", message: "m", status: 400 } })).toBe(false);
});
