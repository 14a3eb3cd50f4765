import { randomBytes } from "node:crypto";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";
import { compareObservations, formatComparison } from "../parity/compare";
import { Observation } from "../parity/normalize";
import { cleanUp, ParityTarget, Recorder, runParityScript } from "../parity/script";

/**
 * The parity script (tests/parity) on the emulator: two accounts give identical observations,
 * the observations say what Stripe says (explicit expectations below), nothing identifying leaks
 * into them, and a run without the control API (as on Stripe) skips only emulator-only steps.
 */
let emu: TestEmulator;

interface Run {
  key: string;
  runId: string;
  rec: Recorder;
  observations: Observation[];
}

async function runOn(withControl: boolean): Promise<Run> {
  const key = emu.newKey();
  const runId = `parity${randomBytes(4).toString("hex")}`;
  const rec = new Recorder(runId);
  const target: ParityTarget = { stripe: emu.stripe(key), runId };
  if (withControl) target.transition = (id, to) => emu.control.transition(id, to);
  const observations = await runParityScript(target, rec);
  return { key, runId, rec, observations };
}

let first: Run;
let second: Run;
let noControl: Run;

beforeAll(async () => {
  emu = await startTestEmulator();
  [first, second, noControl] = await Promise.all([runOn(true), runOn(true), runOn(false)]);
});
afterAll(() => emu.close());

function step(name: string, run: Run = first): Observation {
  const found = run.observations.find((o) => o.step === name);
  if (!found) throw new Error(`no step ${name}`);
  return found;
}

const listIds = (o: Observation) => (o.object?.data as { id: string }[]).map((item) => item.id);

test("two accounts give identical observations, step by step", () => {
  expect(second.observations).toEqual(first.observations);
  const comparison = compareObservations(first.observations, second.observations);
  expect(comparison.differences).toEqual([]);
  expect(comparison.skipped).toEqual([]);
  expect(new Set(first.observations.map((o) => o.step)).size).toBe(first.observations.length);
});

test("errors: status, type, code and param as Stripe documents them", () => {
  const invalid = (code: string | null, param: string | null) => ({ status: 400, error: { type: "invalid_request_error", code, param } });
  expect(step("cancel.main.again")).toMatchObject(invalid(null, null));
  expect(step("redact.main.canceled")).toMatchObject(invalid(null, null));
  expect(step("update.main.canceled")).toMatchObject(invalid(null, null));
  expect(step("retrieve.unknown")).toMatchObject({ status: 404, error: { type: "invalid_request_error", code: "resource_missing", param: "id" } });
  expect(step("list.limit-0")).toMatchObject({ status: 400, error: { type: "invalid_request_error", param: "limit" } });
  expect(step("list.limit-101")).toMatchObject({ status: 400, error: { type: "invalid_request_error", param: "limit" } });
  expect(step("create.bad-enum")).toMatchObject(invalid(null, "type"));
  expect(step("create.unknown-param")).toMatchObject(invalid("parameter_unknown", "parity_unknown"));
  expect(step("create.idem.mismatch")).toMatchObject({ status: 400, error: { type: "idempotency_error", code: null, param: null } });
  for (const name of ["cancel.verify.processing", "update.verify.processing", "redact.verify.processing"]) {
    expect(step(name)).toMatchObject(invalid(null, null));
  }
});

test("objects: statuses, secrets present only while requires_input, redaction, metadata", () => {
  const created = step("create.main").object!;
  expect(created).toMatchObject({
    id: "<vs:main>", object: "identity.verification_session", status: "requires_input", type: "document", livemode: false,
    has_client_secret: true, has_url: true, redaction_status: null, client_reference_id: "<run>-main",
    metadata: { parity: "main", run: "<run>" },
  });
  expect(created.keys).toEqual(expect.arrayContaining(["client_secret", "created", "id", "redaction", "url"]));
  expect(created.keys).not.toContain("return_url");
  expect(step("update.main.metadata-unset-key").object!.metadata).toEqual({ parity: "updated", run: "<run>" });
  expect(step("cancel.main").object).toMatchObject({ status: "canceled", has_client_secret: false, has_url: false });
  expect(step("redact.redact-me").object).toMatchObject({ status: "canceled", redaction_status: "redacted", metadata: {} });
  expect(step("redact.redact-me.again")).toMatchObject({ status: 200 });
  expect(step("redact.verify.verified").object).toMatchObject({ status: "verified", redaction_status: "redacted" });
  expect(step("retrieve.verify.verified").object).toMatchObject({ last_verification_report: "<vr:verify>", has_verified_outputs: true });
});

test("lists: filters, limit and both cursors, newest first", () => {
  expect(listIds(step("list.page.limit-2"))).toEqual(["<vs:page-c>", "<vs:page-b>"]);
  expect(step("list.page.limit-2").object!.has_more).toBe(true);
  expect(listIds(step("list.page.starting-after-b"))).toEqual(["<vs:page-a>"]);
  expect(listIds(step("list.page.ending-before-a"))).toEqual(["<vs:page-c>", "<vs:page-b>"]);
  expect(listIds(step("list.page.ending-before-b"))).toEqual(["<vs:page-c>"]);
  expect(listIds(step("list.page.created-range"))).toEqual(["<vs:page-c>", "<vs:page-b>", "<vs:page-a>"]);
  expect(listIds(step("list.page.created-before-a"))).toEqual([]);
  expect(listIds(step("list.page.status-canceled"))).toEqual(["<vs:page-b>"]);
  expect(listIds(step("list.page.status-requires-input"))).toEqual(["<vs:page-c>", "<vs:page-a>"]);
  expect(listIds(step("list.reports.main"))).toEqual([]);
  expect(listIds(step("list.reports.verify"))).toEqual(["<vr:verify>"]);
  expect(step("list.reports.verify").object!.url).toBe("/v1/identity/verification_reports");
});

test("idempotency: the replay is the same session, marked replayed", () => {
  expect(step("create.idem")).toMatchObject({ status: 200, replayed: false, object: { id: "<vs:idem>" } });
  expect(step("create.idem.replay")).toMatchObject({ status: 200, replayed: true, object: { id: "<vs:idem>" } });
});

test("no id, secret, URL, timestamp or run id leaks into the observations", () => {
  const text = JSON.stringify(first.observations);
  expect(text).not.toMatch(/"(vs|vr|file)_[A-Za-z0-9]/);
  expect(text).not.toMatch(/_secret_|https?:\/\/|verify\.stripe\.com|\?/);
  expect(text).not.toContain(first.runId);
  expect(text).not.toMatch(/:\s*1[0-9]{9}\b/);
});

test("without the control API (as on Stripe) only emulator-only steps are skipped, the rest match", () => {
  const skipped = noControl.observations.filter((o) => o.skipped).map((o) => o.step);
  const emulatorOnly = first.observations.filter((o) => o.emulatorOnly).map((o) => o.step);
  expect(skipped).toEqual(emulatorOnly);
  expect(skipped.length).toBeGreaterThan(0);
  const comparison = compareObservations(first.observations, noControl.observations);
  expect(comparison.differences).toEqual([]);
  expect(comparison.compared + comparison.skipped.length).toBe(first.observations.length);
  expect(formatComparison(comparison, "a", "b").at(-1)).toMatch(/no differences$/);
});

test("the comparison reports a changed field and a missing step, by step and path", () => {
  const changed = first.observations.map((o) =>
    o.step === "cancel.main.again" ? { ...o, status: 409, error: { ...o.error!, code: "x" } } : o);
  const comparison = compareObservations(first.observations, changed.slice(0, -1));
  expect(comparison.differences).toEqual([
    { step: "cancel.main.again", path: "error.code", left: null, right: "x" },
    { step: "cancel.main.again", path: "status", left: 400, right: 409 },
    expect.objectContaining({ step: first.observations.at(-1)!.step, path: "", right: undefined }),
  ]);
  const text = formatComparison(comparison, "emulator", "stripe").join("\n");
  expect(text).toContain("step cancel.main.again:");
  expect(text).toContain("- emulator: 400");
  expect(text).toContain("+ stripe: (step not run)");
  expect(text).toMatch(/2 step\(s\) differ$/);
});

test("clean-up redacts every session still open and leaves canceled ones", async () => {
  const counts = await cleanUp(emu.stripe(noControl.key), noControl.rec.sessionIds);
  expect(counts.failed).toBe(0);
  expect(counts.redacted).toBeGreaterThan(0);
  const sessions = await emu.control.sessions(noControl.key);
  expect(sessions.map((s) => s.id).sort()).toEqual([...noControl.rec.sessionIds].sort());
  for (const s of sessions) {
    expect(s.status).toBe("canceled");
    expect(s.client_secret).toBeNull();
  }
});
