import Stripe from "stripe";
import { startTestAccount, TestEmulator } from "../helpers/emulator";

/** VerificationReports: made when checks finish, listed and retrieved with their filters. */
let emu: TestEmulator;
let stripe: Stripe;

beforeAll(async () => ({ emu, stripe } = await startTestAccount()));
afterAll(() => emu.close());

async function verify(id: string): Promise<void> {
  await emu.control.transition(id, "processing");
  await emu.control.transition(id, "verified");
}

test("verifying makes a verified report; failing makes an unverified one with the error", async () => {
  const s = await stripe.identity.verificationSessions.create({
    type: "document",
    client_reference_id: "ref-r1",
    options: { document: { require_matching_selfie: true, require_id_number: true } },
  });
  await emu.control.transition(s.id, "processing");
  await emu.control.transition(s.id, "requires_input", { code: "selfie_face_mismatch", reason: "no match" });
  const failedId = (await stripe.identity.verificationSessions.retrieve(s.id)).last_verification_report as string;
  const failed = await stripe.identity.verificationReports.retrieve(failedId);
  expect(failed).toMatchObject({
    id: expect.stringMatching(/^vr_/),
    object: "identity.verification_report",
    type: "document",
    verification_session: s.id,
    client_reference_id: "ref-r1",
    selfie: { status: "unverified", error: { code: "selfie_face_mismatch", reason: "no match" } },
    document: { status: "unverified", error: { code: "document_unverified_other" } },
    id_number: { status: "unverified" },
  });
  await verify(s.id);
  const okId = (await stripe.identity.verificationSessions.retrieve(s.id)).last_verification_report as string;
  const ok = await stripe.identity.verificationReports.retrieve(okId);
  expect([ok.document?.status, ok.selfie?.status, ok.id_number?.status]).toEqual(["verified", "verified", "verified"]);
  expect(ok.document?.error).toBeNull();
});

test("id_number sessions get id_number reports without a document check", async () => {
  const s = await stripe.identity.verificationSessions.create({ type: "id_number" });
  await verify(s.id);
  const list = await stripe.identity.verificationReports.list({ verification_session: s.id });
  expect(list.data).toHaveLength(1);
  expect(list.data[0].type).toBe("id_number");
  expect(list.data[0].document).toBeUndefined();
  expect(list.data[0].id_number?.status).toBe("verified");
});

test("list filters: type, verification_session, client_reference_id, created; pagination; url", async () => {
  const k = emu.newKey();
  const client = emu.stripe(k);
  const made: string[] = [];
  for (let i = 0; i < 6; i++) {
    const s = await client.identity.verificationSessions.create({ type: i % 2 ? "id_number" : "document", client_reference_id: `c${i}` });
    await verify(s.id);
    made.push(s.id);
  }
  const all = await client.identity.verificationReports.list({ limit: 100 });
  expect(all.url).toBe("/v1/identity/verification_reports");
  expect(all.data.map((r) => r.verification_session)).toEqual([...made].reverse());
  expect((await client.identity.verificationReports.list({ type: "id_number" })).data).toHaveLength(3);
  expect((await client.identity.verificationReports.list({ client_reference_id: "c2" })).data.map((r) => r.verification_session)).toEqual([made[2]]);
  expect((await client.identity.verificationReports.list({ created: { gt: all.data[0].created } })).data).toEqual([]);
  const first = await client.identity.verificationReports.list({ limit: 2 });
  expect(first.has_more).toBe(true);
  const second = await client.identity.verificationReports.list({ limit: 2, starting_after: first.data[1].id });
  expect(second.data.map((r) => r.id)).toEqual(all.data.slice(2, 4).map((r) => r.id));
  const back = await client.identity.verificationReports.list({ limit: 2, ending_before: second.data[0].id });
  expect(back.data.map((r) => r.id)).toEqual(first.data.map((r) => r.id));
});

test("seeded verified sessions come with a report and verified outputs", async () => {
  const k = emu.newKey();
  const { ids } = await emu.control.seed({ apiKey: k, count: 3, status: "verified", created: { from: 1_600_000_000, to: 1_600_000_100 } });
  const client = emu.stripe(k);
  const s = await client.identity.verificationSessions.retrieve(ids[1], { expand: ["last_verification_report", "verified_outputs"] });
  expect(s.verified_outputs?.last_name).toEqual(expect.any(String));
  const report = s.last_verification_report as Stripe.Identity.VerificationReport;
  expect([report.created, report.verification_session]).toEqual([1_600_000_050, ids[1]]);
});

test("unknown reports are 404; reports expand their sensitive fields and the spec's inline objects only", async () => {
  await expect(stripe.identity.verificationReports.retrieve("vr_nope")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" });
  // The spec lists `document` and `selfie` as expandable: accepted, changing nothing.
  await expect(stripe.identity.verificationReports.list({ expand: ["data.document", "data.selfie"] })).resolves.toMatchObject({ object: "list" });
  await expect(stripe.identity.verificationReports.list({ expand: ["data.verification_session"] })).rejects.toMatchObject({ statusCode: 400, param: "expand[0]" });
  await expect(stripe.identity.verificationReports.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: "limit" });
});

test("reports are per account", async () => {
  const other = emu.stripe(emu.newKey());
  const s = await stripe.identity.verificationSessions.create({ type: "document" });
  await verify(s.id);
  const reportId = (await stripe.identity.verificationSessions.retrieve(s.id)).last_verification_report as string;
  await expect(other.identity.verificationReports.retrieve(reportId)).rejects.toMatchObject({ statusCode: 404 });
  expect((await other.identity.verificationReports.list()).data).toEqual([]);
});

describe("personal data only on request (issue 11)", () => {
  test("a session's verified_outputs and provided_details, and its dob and id number, need expand[]", async () => {
    const k = emu.newKey();
    const client = emu.stripe(k);
    const created = await client.identity.verificationSessions.create({ type: "id_number", provided_details: { email: "p@example.com" } });
    await emu.control.transition(created.id, "processing");
    await emu.control.transition(created.id, "verified");
    const plain = await client.identity.verificationSessions.retrieve(created.id);
    expect("verified_outputs" in plain || "provided_details" in plain).toBe(false);
    const outputs = await client.identity.verificationSessions.retrieve(created.id, { expand: ["verified_outputs"] });
    expect(outputs.verified_outputs?.first_name).toEqual(expect.any(String));
    expect(outputs.verified_outputs && "dob" in outputs.verified_outputs).toBe(false);
    expect(outputs.verified_outputs && "id_number" in outputs.verified_outputs).toBe(false);
    const full = await client.identity.verificationSessions.retrieve(created.id, { expand: ["verified_outputs.dob", "verified_outputs.id_number", "provided_details"] });
    expect(full.verified_outputs?.dob?.year).toEqual(expect.any(Number));
    expect("id_number" in full.verified_outputs!).toBe(true);
    expect(full.provided_details).toEqual({ email: "p@example.com" });
    const listed = await client.identity.verificationSessions.list({ expand: ["data.verified_outputs"] });
    expect(listed.data[0].verified_outputs?.first_name).toEqual(expect.any(String));
    await expect(client.identity.verificationSessions.list({ expand: ["verified_outputs"] })).rejects.toMatchObject({ statusCode: 400, param: "expand[0]" });
  });

  test("a report's document dob, number and sex and its id number need expand[]", async () => {
    const k = emu.newKey();
    const client = emu.stripe(k);
    const { ids } = await emu.control.seed({ apiKey: k, count: 1, status: "verified" });
    const session = await client.identity.verificationSessions.retrieve(ids[0]);
    const reportId = session.last_verification_report as string;
    const plain = await client.identity.verificationReports.retrieve(reportId);
    for (const field of ["dob", "number", "sex", "unparsed_place_of_birth", "unparsed_sex"]) expect(plain.document && field in plain.document).toBe(false);
    expect(plain.document?.first_name).toEqual(expect.any(String));
    const full = await client.identity.verificationReports.retrieve(reportId, { expand: ["document.dob", "document.number", "document.sex"] });
    expect(full.document?.dob?.year).toEqual(expect.any(Number));
    expect(["number", "sex"].filter((field) => field in full.document!)).toEqual(["number", "sex"]);
    const listed = await client.identity.verificationReports.list({ expand: ["data.document.dob"] });
    expect(listed.data[0].document?.dob?.year).toEqual(expect.any(Number));
  });
});
