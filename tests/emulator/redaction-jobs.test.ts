/**
 * Redaction Jobs (a Stripe preview) in the emulator, through the real `stripe` SDK's raw request
 * support (`stripe.rawRequest`, with the preview `Stripe-Version`), directly and through the
 * engine's one client module.
 */
import type Stripe from "stripe";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { createStripeClient } from "../../provider/stripe/client";
import { REDACTION_JOBS_API_VERSION, stripeRedactionJobsApi, type RedactionJob } from "../../provider/redaction/jobs/client";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

interface Account {
  key: string;
  stripe: Stripe;
  jobs: ReturnType<typeof stripeRedactionJobsApi>;
}

async function account(redactionJobs: { sessionsPerSecond?: number; maxObjects?: number } = { sessionsPerSecond: 1_000_000, maxObjects: 10_000 }): Promise<Account> {
  await emu.control.config({ redactionJobs });
  const key = emu.newKey();
  const stripe = emu.stripe(key);
  return { key, stripe, jobs: stripeRedactionJobsApi(stripe) };
}

const raw = (a: Account, method: "GET" | "POST", path: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> =>
  a.stripe.rawRequest(method, path, params, { apiVersion: REDACTION_JOBS_API_VERSION }) as Promise<Record<string, unknown>>;

async function redactionOf(a: Account, id: string): Promise<string | null> {
  return (await a.stripe.identity.verificationSessions.retrieve(id)).redaction?.status ?? null;
}

afterEach(() => emu.control.config({ redactionJobs: { sessionsPerSecond: 1_000_000, maxObjects: 10_000 } }));

test("a job validates, holds its sessions as validated, runs, and redacts them at the configured speed", async () => {
  const a = await account({ sessionsPerSecond: 0.001 });
  const { ids } = await emu.control.seed({ apiKey: a.key, count: 3, status: "verified" });
  const created = await raw(a, "POST", "/v1/privacy/redaction_jobs", { objects: { identity_verification_sessions: ids }, validation_behavior: "error" });
  expect(created).toMatchObject({ object: "privacy.redaction_job", id: expect.stringMatching(/^prj_/), status: "validating", livemode: false, validation_behavior: "error" });
  expect(created).not.toHaveProperty("objects"); // expandable: only on request
  const id = created.id as string;
  expect(await redactionOf(a, ids[0])).toBeNull();
  expect(await emu.control.finishRedactionJob(id)).toBe("ready");
  expect(await redactionOf(a, ids[0])).toBe("validated");
  const expanded = await a.stripe.rawRequest("GET", `/v1/privacy/redaction_jobs/${id}?expand[]=objects`, undefined, { apiVersion: REDACTION_JOBS_API_VERSION });
  expect(expanded.objects).toEqual({ identity_verification_sessions: ids });

  expect((await a.jobs.run(id, `run-${id}`)).status).toBe("redacting");
  expect(await redactionOf(a, ids[0])).toBe("processing");
  await expect(a.jobs.cancel(id, `cancel-${id}`)).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining("`redacting`") });
  expect(await emu.control.finishRedactionJob(id)).toBe("succeeded");
  for (const sessionId of ids) expect(await redactionOf(a, sessionId)).toBe("redacted");
  const events = (await emu.control.events(a.key)).map((e) => e.type);
  expect(events).toEqual(["privacy.redaction_job.created", "privacy.redaction_job.ready", "privacy.redaction_job.succeeded"]);
});

test("at full speed a job is ready at once; run redacts an open session (canceling it) and a verified one", async () => {
  const a = await account();
  const open = await a.stripe.identity.verificationSessions.create({ type: "document", metadata: { team: "x" } });
  const [verified] = (await emu.control.seed({ apiKey: a.key, count: 1, status: "verified" })).ids;
  const job = await a.jobs.create([open.id, verified], "create-1");
  expect(job.status).toBe("ready");
  expect((await a.jobs.run(job.id, "run-1")).status).toBe("succeeded");
  const after = await a.stripe.identity.verificationSessions.retrieve(open.id);
  expect([after.status, after.redaction?.status, after.metadata]).toEqual(["canceled", "redacted", {}]);
});

test("validation: canceled and processing sessions are invalid_state; `error` fails the job, `fix` drops them", async () => {
  const a = await account();
  const [good] = (await emu.control.seed({ apiKey: a.key, count: 1, status: "verified" })).ids;
  const [canceled] = (await emu.control.seed({ apiKey: a.key, count: 1, status: "canceled" })).ids;
  const [processing] = (await emu.control.seed({ apiKey: a.key, count: 1, status: "processing" })).ids;
  const strict = await raw(a, "POST", "/v1/privacy/redaction_jobs", { objects: { identity_verification_sessions: [good, canceled, processing] } });
  expect(strict).toMatchObject({ status: "failed", validation_behavior: "error" });
  const errors = (strict.validation_errors as { data: Array<{ code: string; erroring_object: { id: string } }> }).data;
  expect(errors.map((e) => [e.code, e.erroring_object.id])).toEqual([["invalid_state", canceled], ["invalid_state", processing]]);
  expect(await redactionOf(a, good)).toBeNull(); // a failed job validates nothing
  // Its sessions stay held until it is canceled.
  const blocked = await a.jobs.create([good], "create-blocked");
  expect(blocked.validation_errors?.data.map((e) => e.code)).toEqual(["locked_by_other_job"]);
  expect((await a.jobs.cancel(strict.id as string, "cancel-strict")).status).toBe("canceling");
  expect((await a.jobs.retrieve(strict.id as string)).status).toBe("canceled");

  const fixed = await a.jobs.create([good, canceled, processing], "create-fix");
  expect(fixed.status).toBe("ready");
  expect(fixed.validation_errors?.data.map((e) => e.erroring_object?.id)).toEqual([canceled, processing]);
  expect(await redactionOf(a, good)).toBe("validated");
  expect(await redactionOf(a, canceled)).toBeNull();
  expect((await a.jobs.run(fixed.id, "run-fix")).status).toBe("succeeded");
  const dump = await emu.control.sessions(a.key);
  expect(dump.find((s) => s.id === processing)?.redaction).toBeNull();
  expect(dump.find((s) => s.id === good)?.redaction).toEqual({ status: "redacted" });
});

test("locked_by_other_job: a session in another open job; free again once that job is canceled, and validate retries", async () => {
  const a = await account();
  const { ids } = await emu.control.seed({ apiKey: a.key, count: 2, status: "verified" });
  const first = await a.jobs.create([ids[0]], "first");
  const second = await raw(a, "POST", "/v1/privacy/redaction_jobs", { objects: { identity_verification_sessions: ids }, validation_behavior: "error" });
  expect(second.status).toBe("failed");
  expect((second.validation_errors as { data: Array<{ code: string }> }).data.map((e) => e.code)).toEqual(["locked_by_other_job"]);
  await expect(raw(a, "POST", `/v1/privacy/redaction_jobs/${first.id}/validate`)).rejects.toMatchObject({ statusCode: 400 });
  await a.jobs.cancel(first.id, "cancel-first");
  expect(await raw(a, "POST", `/v1/privacy/redaction_jobs/${second.id as string}/validate`)).toMatchObject({ status: "ready" });
  const page = await a.jobs.validationErrors(second.id as string);
  expect(page).toEqual({ data: [], has_more: false });
});

test("too_many_objects past the configured maximum: the job fails (fix cannot fix it) and names the first object over", async () => {
  const a = await account({ maxObjects: 2 });
  const { ids } = await emu.control.seed({ apiKey: a.key, count: 3, status: "verified" });
  const job = await a.jobs.create(ids, "too-many");
  expect(job.status).toBe("failed");
  expect(job.validation_errors?.data).toEqual([expect.objectContaining({ code: "too_many_objects", erroring_object: { id: ids[2], object_type: "identity_verification_session" } })]);
});

test("validation errors page 100 at a time; the job shows the first 10 inline", async () => {
  const a = await account();
  const { ids } = await emu.control.seed({ apiKey: a.key, count: 120, status: "canceled" });
  const job = await a.jobs.create(ids, "many-errors");
  expect(job.validation_errors).toMatchObject({ has_more: true });
  expect(job.validation_errors?.data).toHaveLength(10);
  const first = await a.jobs.validationErrors(job.id);
  const second = await a.jobs.validationErrors(job.id, first.data[first.data.length - 1].id);
  expect([first.data.length, first.has_more, second.data.length, second.has_more]).toEqual([100, true, 20, false]);
  expect(new Set([...first.data, ...second.data].map((e) => e.erroring_object?.id)).size).toBe(120);
});

test("update changes only validation_behavior; transitions out of order name the status; control fail", async () => {
  const a = await account({ sessionsPerSecond: 0.001 });
  const { ids } = await emu.control.seed({ apiKey: a.key, count: 1, status: "verified" });
  const job = await a.jobs.create(ids, "update-1");
  expect(await raw(a, "POST", `/v1/privacy/redaction_jobs/${job.id}`, { validation_behavior: "error" })).toMatchObject({ validation_behavior: "error", status: "validating" });
  await expect(raw(a, "POST", `/v1/privacy/redaction_jobs/${job.id}`, { objects: { identity_verification_sessions: ids } })).rejects.toMatchObject({ statusCode: 400, param: "objects" });
  await expect(a.jobs.run(job.id, "run-early")).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining("`validating`") });
  await emu.control.failRedactionJob(job.id, "invalid_cascading_source");
  const failed = await a.jobs.retrieve(job.id);
  expect([failed.status, failed.validation_errors?.data[0]?.code]).toEqual(["failed", "invalid_cascading_source"]);
  expect((await emu.control.events(a.key)).map((e) => e.type)).toContain("privacy.redaction_job.validation_error");
});

test("lists filter by status; unknown jobs and ids are 404/400; other object kinds are unknown parameters here", async () => {
  const a = await account();
  const { ids } = await emu.control.seed({ apiKey: a.key, count: 2, status: "verified" });
  const ready = await a.jobs.create([ids[0]], "list-1");
  const done = await a.jobs.create([ids[1]], "list-2");
  await a.jobs.run(done.id, "list-run");
  const list = await a.stripe.rawRequest("GET", "/v1/privacy/redaction_jobs?status=ready", undefined, { apiVersion: REDACTION_JOBS_API_VERSION });
  expect((list.data as RedactionJob[]).map((j) => j.id)).toEqual([ready.id]);
  await expect(a.jobs.retrieve("prj_nope")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  await expect(a.jobs.create(["vs_nope"], "missing")).rejects.toMatchObject({ statusCode: 400, code: "resource_missing", param: "objects[identity_verification_sessions][0]" });
  await expect(raw(a, "POST", "/v1/privacy/redaction_jobs", { objects: { customers: ["cus_1"] } })).rejects.toMatchObject({ statusCode: 400, param: "objects[customers]" });
});

test("jobs are per account (Connect) and the endpoints are rate limited and counted like any", async () => {
  const a = await account();
  await emu.control.connectAccount(a.key, "acct_JobsConn1");
  const connected = createStripeClient({ apiKey: a.key, apiBase: emu.url, stripeAccount: "acct_JobsConn1", maxNetworkRetries: 0 });
  const { ids } = await emu.control.seed({ apiKey: a.key, stripeAccount: "acct_JobsConn1", count: 1, status: "verified" });
  await expect(a.jobs.create(ids, "platform")).rejects.toMatchObject({ statusCode: 400, code: "resource_missing" });
  const job = await stripeRedactionJobsApi(connected).create(ids, "connected");
  await expect(a.jobs.retrieve(job.id)).rejects.toMatchObject({ statusCode: 404 });
  const before = (await emu.control.stats()).requests["GET /v1/privacy/redaction_jobs/:id"] ?? 0;
  await emu.control.config({ rateLimit: { test: 1, live: 1 } });
  try {
    const results = await Promise.allSettled([1, 2, 3].map(() => stripeRedactionJobsApi(connected).retrieve(job.id)));
    expect(results.some((r) => r.status === "rejected" && (r.reason as { statusCode?: number }).statusCode === 429)).toBe(true);
  } finally {
    await emu.control.config({ rateLimit: null });
  }
  expect((await emu.control.stats()).requests["GET /v1/privacy/redaction_jobs/:id"]).toBe(before + 3);
});
