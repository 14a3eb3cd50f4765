/**
 * The emulator's last differences from Stripe's spec, each held: a report's sensitive fields
 * through an expanded `last_verification_report` (and under `data.` on lists), the spec's other
 * expandable fields, an array sent for the `metadata` hash, and the bound on remembered accounts.
 */
import type Stripe from "stripe";
import { startTestAccount, type TestEmulator } from "../helpers/emulator";
import { EmulatorState, MAX_ACCOUNTS } from "../../emulator/state";

let emu: TestEmulator;
let key: string;
let stripe: Stripe;
beforeAll(async () => ({ emu, key, stripe } = await startTestAccount()));
afterAll(() => emu.close());

type Report = Stripe.Identity.VerificationReport;

test("expand[]=last_verification_report.document.dob shows the report with its dob, and only that", async () => {
  const [id] = (await emu.control.seed({ apiKey: key, count: 1, status: "verified" })).ids;
  const plain = await stripe.identity.verificationSessions.retrieve(id, { expand: ["last_verification_report"] });
  expect((plain.last_verification_report as Report).document).not.toHaveProperty("dob");
  const withDob = await stripe.identity.verificationSessions.retrieve(id, { expand: ["last_verification_report.document.dob"] });
  const report = withDob.last_verification_report as Report;
  expect(report.document?.dob).toEqual(expect.objectContaining({ year: expect.any(Number) }));
  expect(report.document).not.toHaveProperty("number");
  const listed = await stripe.identity.verificationSessions.list({ limit: 1, expand: ["data.last_verification_report.document.dob", "data.last_verification_report.id_number.dob"] });
  expect((listed.data[0].last_verification_report as Report).document?.dob).toEqual(expect.objectContaining({ year: expect.any(Number) }));
  await expect(stripe.identity.verificationSessions.retrieve(id, { expand: ["last_verification_report.document.files"] })).rejects.toMatchObject({ statusCode: 400, param: "expand[0]" });
});

test("the spec's other expandable fields are accepted and change nothing but what their path implies", async () => {
  const [id] = (await emu.control.seed({ apiKey: key, count: 1, status: "verified" })).ids;
  const base = await stripe.identity.verificationSessions.retrieve(id);
  const expanded = await stripe.identity.verificationSessions.retrieve(id, {
    expand: ["last_error", "options", "redaction", "related_person", "last_verification_report.document", "last_verification_report.selfie"],
  });
  expect({ ...expanded, last_verification_report: base.last_verification_report }).toEqual(base);
  expect((expanded.last_verification_report as Report).document).not.toHaveProperty("dob");
  const address = await stripe.identity.verificationSessions.retrieve(id, { expand: ["verified_outputs.address"] });
  expect(address.verified_outputs?.address).toEqual(expect.objectContaining({ country: expect.anything() }));
  expect(address.verified_outputs).not.toHaveProperty("dob");
  expect(address.verified_outputs).not.toHaveProperty("id_number");
});

test("metadata[]=x is refused as Stripe refuses an array for a hash (raw and percent-encoded); metadata[0]=x is a key", async () => {
  for (const body of ["type=document&metadata[]=x", "type=document&metadata%5B%5D=x"]) {
    const res = await fetch(`${emu.url}/v1/identity/verification_sessions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string; message: string } }).error).toMatchObject({ param: "metadata", message: "Invalid hash" });
  }
  const before = (await emu.control.sessions(key)).length;
  const keyed = await stripe.identity.verificationSessions.create({ type: "document", metadata: { "0": "x" } });
  expect(keyed.metadata).toEqual({ "0": "x" });
  expect((await emu.control.sessions(key)).length).toBe(before + 1);
});

test("accounts: those holding sessions are never forgotten (the 10,000 bound is on accounts without any)", () => {
  const state = new EmulatorState({ latencyMs: 0, jitterMs: 0, rateLimit: null, faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 }, redactionDelayMs: 0, redactionJobs: { sessionsPerSecond: 1, maxObjects: 1 }, seed: 1 });
  for (let i = 0; i < MAX_ACCOUNTS + 300; i++) state.account(`sk_test_kept${i}`).sessions.put({ id: `vs_${i}`, seq: i, created: 1 } as never);
  expect(state.accounts.size).toBe(MAX_ACCOUNTS + 300);
  // Past the bound, an account without sessions is what goes: the older junk key makes room.
  state.account("sk_test_junkOne");
  state.account("sk_test_junkTwo");
  expect(state.accounts.size).toBe(MAX_ACCOUNTS + 301);
  expect([state.peekAccount("sk_test_junkOne"), state.peekAccount("sk_test_junkTwo")?.key]).toEqual([undefined, "sk_test_junkTwo"]);
});
