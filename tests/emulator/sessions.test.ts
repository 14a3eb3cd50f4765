import Stripe from "stripe";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";

/** Session create / retrieve / update / cancel / redact as Stripe does them. */
let emu: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emu = await startTestEmulator();
  stripe = emu.stripe();
});
afterAll(() => emu.close());

async function rejection(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  return error as Stripe.errors.StripeError;
}

describe("create", () => {
  test("returns every field, null where nullable, and never return_url", async () => {
    const s = await stripe.identity.verificationSessions.create({
      type: "document",
      return_url: "https://example.com/back",
      client_reference_id: "ref_1",
      related_customer: "cus_1",
      related_customer_account: "acct_9",
      related_person: { account: "acct_1", person: "person_1" },
      provided_details: { email: "a@example.com" },
      metadata: { a: "1", b: "" },
      options: { document: { require_live_capture: true } },
    });
    expect(s.id).toMatch(/^vs_[A-Za-z0-9]{24}$/);
    expect(Object.keys(s).sort()).toEqual(
      [
        "client_reference_id", "client_secret", "created", "id", "last_error", "last_verification_report", "livemode",
        "metadata", "object", "options", "redaction", "related_customer", "related_customer_account",
        "related_person", "status", "type", "url",
      ].sort(),
    );
    expect(s).toMatchObject({
      object: "identity.verification_session",
      status: "requires_input",
      livemode: false,
      metadata: { a: "1" },
      options: { document: { require_live_capture: true } },
      related_person: { account: "acct_1", person: "person_1" },
      last_error: null,
      redaction: null,
    });
    // Personal data only on request, as in Stripe (issue 11).
    const expanded = await stripe.identity.verificationSessions.retrieve(s.id, { expand: ["verified_outputs", "provided_details"] });
    expect(expanded).toMatchObject({ provided_details: { email: "a@example.com" }, verified_outputs: null });
    expect(Math.abs(s.created - Date.now() / 1000)).toBeLessThan(5);
    expect(JSON.stringify(s)).not.toContain("example.com/back");
  });

  test("a session made from a verification_flow reports type verification_flow", async () => {
    const s = await stripe.identity.verificationSessions.create({ verification_flow: "vf_1Abc" });
    expect(s.type).toBe("verification_flow");
    expect(s.verification_flow).toBe("vf_1Abc");
  });

  test("type or verification_flow is required, not both", async () => {
    const missing = await rejection(stripe.identity.verificationSessions.create({}));
    expect([missing.statusCode, missing.param, missing.code]).toEqual([400, "type", "parameter_missing"]);
    const both = await rejection(stripe.identity.verificationSessions.create({ type: "document", verification_flow: "vf_1" }));
    expect(both.statusCode).toBe(400);
  });

  test("id_number sessions get id_number options", async () => {
    const s = await stripe.identity.verificationSessions.create({ type: "id_number" });
    expect(s.options).toEqual({ id_number: {} });
  });
});

describe("retrieve", () => {
  test("an unknown id is a 404 resource_missing with param id", async () => {
    const e = await rejection(stripe.identity.verificationSessions.retrieve("vs_doesnotexist"));
    expect([e.statusCode, e.type, e.code, e.param]).toEqual([404, "StripeInvalidRequestError", "resource_missing", "id"]);
    expect(e.message).toContain("vs_doesnotexist");
  });

  test("expand[]=last_verification_report returns the report object; other expansions are refused", async () => {
    const { id } = await stripe.identity.verificationSessions.create({ type: "document" });
    await emu.control.transition(id, "processing");
    await emu.control.transition(id, "verified");
    const s = await stripe.identity.verificationSessions.retrieve(id, { expand: ["last_verification_report"] });
    const report = s.last_verification_report as Stripe.Identity.VerificationReport;
    expect(report.object).toBe("identity.verification_report");
    expect(report.verification_session).toBe(id);
    const e = await rejection(stripe.identity.verificationSessions.retrieve(id, { expand: ["verified_outputs.dob.nope"] }));
    expect(e.param).toBe("expand[0]");
  });
});

describe("update", () => {
  test("merges metadata, unsets keys with empty values, and changes options and type", async () => {
    const { id } = await stripe.identity.verificationSessions.create({ type: "document", metadata: { a: "1", b: "2" } });
    const u = await stripe.identity.verificationSessions.update(id, {
      metadata: { b: "", c: "3" },
      options: { document: { allowed_types: ["passport"] } },
      provided_details: { phone: "+15555550100" },
      expand: ["provided_details"],
    });
    expect(u.metadata).toEqual({ a: "1", c: "3" });
    expect(u.options).toEqual({ document: { allowed_types: ["passport"] } });
    expect(u.provided_details).toEqual({ phone: "+15555550100" });
    const cleared = await stripe.identity.verificationSessions.update(id, { metadata: "" as unknown as Stripe.MetadataParam, type: "id_number" });
    expect(cleared.metadata).toEqual({});
    expect(cleared.type).toBe("id_number");
    // The document options go with the document type (issue 11): only the new type's remain.
    expect(cleared.options).toEqual({ id_number: {} });
    const noDoc = await stripe.identity.verificationSessions.update(id, { options: { document: "" } });
    expect(noDoc.options?.document).toBeUndefined();
  });

  test("metadata limits: 50 keys, keys up to 40 characters, values up to 500", async () => {
    const { id } = await stripe.identity.verificationSessions.create({ type: "document" });
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expect((await rejection(stripe.identity.verificationSessions.update(id, { metadata: many }))).param).toBe("metadata");
    const longKey = await rejection(stripe.identity.verificationSessions.update(id, { metadata: { ["k".repeat(41)]: "v" } }));
    expect(longKey.statusCode).toBe(400);
    const longValue = await rejection(stripe.identity.verificationSessions.update(id, { metadata: { k: "v".repeat(501) } }));
    expect(longValue.param).toBe("metadata[k]");
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v".repeat(500)]));
    expect(Object.keys((await stripe.identity.verificationSessions.update(id, { metadata: fifty })).metadata)).toHaveLength(50);
  });
});

describe("redact", () => {
  test("replaces personal data with [redacted], erases metadata, and redacts the reports", async () => {
    const s = await stripe.identity.verificationSessions.create({
      type: "document",
      metadata: { user: "jenny" },
      provided_details: { email: "jenny@example.com", phone: "+15555550100" },
      options: { document: { require_id_number: true } },
    });
    await emu.control.transition(s.id, "processing");
    await emu.control.transition(s.id, "verified");
    const r = await stripe.identity.verificationSessions.redact(s.id, { expand: ["last_verification_report", "provided_details", "verified_outputs", "verified_outputs.dob"] });
    expect(r.status).toBe("verified");
    expect(r.redaction).toEqual({ status: "redacted" });
    expect(r.metadata).toEqual({});
    expect(r.provided_details).toEqual({ email: "[redacted]", phone: "[redacted]" });
    expect(r.verified_outputs).toMatchObject({ first_name: "[redacted]", last_name: "[redacted]", email: "[redacted]", sex: "[redacted]" });
    expect(r.verified_outputs?.dob).toEqual({ day: null, month: null, year: null });
    const report = r.last_verification_report as Stripe.Identity.VerificationReport;
    expect(report.document?.first_name).toBe("[redacted]");
    expect(report.id_number?.first_name).toBe("[redacted]");
    expect(JSON.stringify(r)).not.toContain("jenny");
  });

  test("redaction.status stays processing for redactionDelayMs, then reads redacted", async () => {
    // The emulator's clock is the test's: the delay passes when the test says so, not on a timer.
    let nowMs = Date.UTC(2026, 0, 1);
    const slow = await startTestEmulator({ redactionDelayMs: 300, clock: () => nowMs });
    try {
      const client = slow.stripe();
      const { id } = await client.identity.verificationSessions.create({ type: "document" });
      const r = await client.identity.verificationSessions.redact(id);
      expect([r.status, r.redaction?.status]).toEqual(["canceled", "processing"]);
      nowMs += 299;
      const again = await client.identity.verificationSessions.redact(id);
      expect(again.redaction?.status).toBe("processing");
      nowMs += 1;
      expect((await client.identity.verificationSessions.retrieve(id)).redaction?.status).toBe("redacted");
    } finally {
      await slow.close();
    }
  });
});

test("live keys see livemode objects with live URLs", async () => {
  const live = emu.stripe(emu.newKey("live"));
  const s = await live.identity.verificationSessions.create({ type: "document" });
  expect(s.livemode).toBe(true);
  expect(s.url).toMatch(/\/start\/live_/);
  await emu.control.transition(s.id, "processing");
  await emu.control.transition(s.id, "verified");
  const reports = await live.identity.verificationReports.list();
  expect(reports.data.map((r) => r.livemode)).toEqual([true]);
});
