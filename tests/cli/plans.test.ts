/**
 * Approved plans (issues 12, 19): --plan-out writes exactly what a run would act on; --plan --yes
 * acts on exactly that, skipping (with a reason) what changed since, never touching what appeared
 * since; a plan for another mode or account, or too old, is refused before any request. Issue 19:
 * a plan runs only as approved (integrity digest or signature, per-line actions, duplicates,
 * future dates, the account Stripe names), a planned 404 is "missing" (exit 1), a rerun after a
 * kill recognises its own earlier writes, filter values are digests, files are 0600.
 */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { planText, type ApprovedPlan } from "../../provider/redaction/approved-plan";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "../../cli/args";
import { runSweepCli } from "../../cli/run";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

async function cli(key: string, args: string[], env: Record<string, string> = {}) {
  const parsed = parseArgs([...args, "--rps", "500", "--endpoint-rps", "500"], { env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url, ...env }, readFile: () => undefined });
  if (parsed.kind !== "run") return { code: 2, stdout: "", stderr: parsed.kind === "usage" ? parsed.message : "" };
  const out = { stdout: "", stderr: "" };
  const code = await runSweepCli(parsed.options, { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } });
  return { code, ...out };
}

const planFile = () => path.join(mkdtempSync(path.join(tmpdir(), "plan-")), "plan.json");

/** A tamperer who edits a plan and recomputes its keyless digest (or a test making odd plans). */
function reseal(file: string, plan: ApprovedPlan, key?: string): void {
  const { integrity: _old, ...rest } = plan;
  writeFileSync(file, planText(rest, key).text);
}

const totalRequests = async (): Promise<number> => Object.values((await emu.control.stats()).requests).reduce((a, b) => a + b, 0);

test("plan, review, execute exactly it: changed sessions skipped with their reason, new ones untouched", async () => {
  const key = emu.newKey();
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  const { ids } = await emu.control.seed({ apiKey: key, count: 8, created: { from: to - 80, to }, clientReferenceIdPrefix: "job-" });
  const file = planFile();
  const made = await cli(key, ["--client-reference-id-prefix", "job-", "--created-before", "7d", "--action", "cancel", "--plan-out", file]);
  expect(made.code).toBe(0);
  const plan = JSON.parse(readFileSync(file, "utf8"));
  expect(plan).toMatchObject({ version: 2, mode: "test", account: null, accountId: expect.stringMatching(/^acct_/), action: "cancel", integrity: expect.stringMatching(/^sha256:/) });
  // The identifying filter value travels to approvers as a digest only.
  expect(readFileSync(file, "utf8")).not.toContain("job-");
  expect(plan.digests.clientReferenceIdPrefix).toMatchObject({ digest: expect.stringMatching(/^sha256:/), length: 4 });
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(plan.filter.createdBefore).toMatch(/^\d{4}-\d\d-\d\dT/); // resolved: the plan means the same later
  expect(plan.sessions.map((s: { id: string }) => s.id).sort()).toEqual([...ids].sort());
  expect((await emu.control.sessions(key)).every((s) => s.status === "requires_input")).toBe(true);

  // Meanwhile: two sessions are submitted by their users, one is canceled elsewhere, two new ones appear.
  await emu.control.transition(ids[0], "processing");
  await emu.control.transition(ids[1], "processing");
  await emu.stripe(key).identity.verificationSessions.cancel(ids[2]);
  const late = await emu.control.seed({ apiKey: key, count: 2, created: { from: to - 5, to }, clientReferenceIdPrefix: "job-" });

  const executed = await cli(key, ["--plan", file, "--yes", "--json"]);
  expect(executed.code).toBe(0);
  expect(JSON.parse(executed.stdout)).toMatchObject({ matched: 8, canceled: 5, skippedByReason: { changed_since_plan: 2, canceled: 1 } });
  const after = new Map((await emu.control.sessions(key)).map((s) => [s.id, s]));
  for (const id of late.ids) expect(after.get(id)!.status).toBe("requires_input");
  expect([after.get(ids[0])!.status, after.get(ids[1])!.status]).toEqual(["processing", "processing"]);
});

test("a plan for another mode or account, a plan too old, and filter flags next to --plan are refused before any request", async () => {
  const key = emu.newKey();
  const file = planFile();
  expect((await cli(key, ["--client-reference-id-prefix", "x-", "--plan-out", file])).code).toBe(0);
  const plan = JSON.parse(readFileSync(file, "utf8"));
  const before = Object.values((await emu.control.stats()).requests).reduce((a, b) => a + b, 0);
  const live = await cli(emu.newKey("live"), ["--plan", file, "--yes", "--allow-livemode"]);
  expect(live).toMatchObject({ code: 2, stderr: expect.stringMatching(/--plan: the plan was made with a test-mode key; this key is live-mode/) });
  await emu.control.connectAccount(key, "acct_Z9");
  const account = await cli(key, ["--plan", file, "--yes", "--stripe-account", "acct_Z9"]);
  expect(account).toMatchObject({ code: 2, stderr: expect.stringMatching(/--plan: the plan is for the platform's own account; this run is for acct_Z9/) });
  reseal(file, { ...plan, createdAt: new Date(Date.now() - 25 * 3600_000).toISOString() });
  const old = await cli(key, ["--plan", file, "--yes"]);
  expect(old).toMatchObject({ code: 2, stderr: expect.stringMatching(/older than --plan-max-age/) });
  expect((await cli(key, ["--plan", file, "--yes", "--plan-max-age", "2d"])).code).toBe(0);
  const mixed = await cli(key, ["--plan", file, "--yes", "--status", "verified"]);
  expect(mixed).toMatchObject({ code: 2, stderr: expect.stringMatching(/--plan: the plan holds the filter/) });
  // Only the run allowed by --plan-max-age 2d made requests (its clock request and the account
  // check; the plan was empty).
  const after = Object.values((await emu.control.stats()).requests).reduce((a, b) => a + b, 0);
  expect(after - before).toBe(2);
});

/** Seeds `count` sessions and makes a plan for them with `action`; returns the plan as written. */
async function madePlan(key: string, count: number, action: "redact" | "cancel", env: Record<string, string> = {}) {
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  const { ids } = await emu.control.seed({ apiKey: key, count, created: { from: to - 80, to }, clientReferenceIdPrefix: "appr-" });
  const file = planFile();
  expect((await cli(key, ["--client-reference-id-prefix", "appr-", "--action", action, "--plan-out", file], env)).code).toBe(0);
  return { file, ids, plan: JSON.parse(readFileSync(file, "utf8")) as ApprovedPlan };
}

test("a plan runs only as approved: an edited plan, lines that disagree with the action, duplicates and a future date are refused before any request", async () => {
  const key = emu.newKey();
  const { file, plan } = await madePlan(key, 4, "cancel");
  const before = await totalRequests();
  // The top-level action edited to redact, lines still say cancel.
  writeFileSync(file, readFileSync(file, "utf8").replace('"action": "cancel"', '"action": "redact"'));
  expect(await cli(key, ["--plan", file, "--yes"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/was changed after it was made/) });
  // The same edit by someone who recomputes the keyless digest: the lines disagree.
  reseal(file, { ...plan, action: "redact" });
  expect(await cli(key, ["--plan", file, "--yes"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/the plan's action is redact, but its line for vs_\w+ says cancel/) });
  reseal(file, { ...plan, sessions: [...plan.sessions, plan.sessions[0]] });
  expect(await cli(key, ["--plan", file, "--yes"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/appears more than once/) });
  reseal(file, { ...plan, createdAt: new Date(Date.now() + 3 * 3600_000).toISOString() });
  expect(await cli(key, ["--plan", file, "--yes", "--plan-max-age", "2d"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/in the future/) });
  expect(await totalRequests()).toBe(before);
  expect((await emu.control.sessions(key)).every((s) => s.status === "requires_input" && s.redaction === null)).toBe(true);
});

test("a signed plan (STRIPE_IDENTITY_PLAN_KEY) is refused without the key, with another key, and when resealed without it", async () => {
  const key = emu.newKey();
  const signing = { STRIPE_IDENTITY_PLAN_KEY: "approver-secret-1" };
  const { file, plan } = await madePlan(key, 2, "cancel", signing);
  expect(plan.integrity).toMatch(/^hmac-sha256:/);
  expect(await cli(key, ["--plan", file, "--yes"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/is signed; set STRIPE_IDENTITY_PLAN_KEY/) });
  expect(await cli(key, ["--plan", file, "--yes"], { STRIPE_IDENTITY_PLAN_KEY: "guess" })).toMatchObject({ code: 2, stderr: expect.stringMatching(/another key/) });
  const text = readFileSync(file, "utf8");
  reseal(file, plan); // a keyless digest over the same content
  expect(await cli(key, ["--plan", file, "--yes"], signing)).toMatchObject({ code: 2, stderr: expect.stringMatching(/not signed/) });
  writeFileSync(file, text);
  expect(await cli(key, ["--plan", file, "--yes", "--json"], signing)).toMatchObject({ code: 0, stdout: expect.stringMatching(/"canceled":2/) });
});

test("a plan made on one account is refused with another account's key; a planned session that answers 404 is missing (exit 1), never gone", async () => {
  const keyA = emu.newKey();
  const keyB = emu.newKey();
  const { file, plan } = await madePlan(keyA, 3, "redact");
  const refused = await cli(keyB, ["--plan", file, "--yes", "--json"]);
  expect(refused.code).toBe(2);
  expect(JSON.parse(refused.stdout).error.message).toMatch(new RegExp(`made on account ${plan.accountId}; this key acts on acct_`));
  // A plan whose account could not be read (a restricted key): the 404s say it.
  reseal(file, { ...plan, accountId: null });
  const missing = await cli(keyB, ["--plan", file, "--yes", "--json"]);
  expect(missing.code).toBe(1);
  const report = JSON.parse(missing.stdout);
  expect(report).toMatchObject({ matched: 3, failed: 3, redacted: 0, skippedByReason: {} });
  expect(report.failures[0].message).toMatch(/^missing: the planned session does not exist for this key and account/);
  expect((await emu.control.sessions(keyA)).every((s) => s.redaction === null)).toBe(true);
});

test("a rerun after a kill recognises what this plan already did, and verify re-checks it", async () => {
  const key = emu.newKey();
  const { file, ids, plan } = await madePlan(key, 3, "redact");
  const evidence = path.join(path.dirname(file), "evidence.jsonl");
  // The state a kill leaves: the run's intent for ids[0] is on disk, its redact reached Stripe,
  // its outcome record and footer never came.
  const { EvidenceWriter } = await import("../../provider/redaction/evidence-writer");
  const killed = new EvidenceWriter(evidence);
  const time = new Date().toISOString();
  killed.append({ kind: "header", v: 2, runId: "killed-run", tool: "stripe-identity-sweep", time, now: time, chain: "sha256", action: "redact", mode: "test", account: null, accountId: plan.accountId, dryRun: false, filter: plan.filter, plan: { digest: plan.integrity } });
  killed.append({ kind: "intent", runId: "killed-run", id: ids[0], action: "redact", time });
  killed.close();
  await emu.stripe(key).identity.verificationSessions.redact(ids[0]);

  const rerun = await cli(key, ["--plan", file, "--yes", "--json", "--evidence", evidence]);
  expect(rerun.code).toBe(0);
  expect(JSON.parse(rerun.stdout)).toMatchObject({ matched: 3, redacted: 2, skippedByReason: { done_by_this_plan: 1 } });
  const { verifyChain } = await import("../../provider/redaction/evidence-chain");
  const chain = verifyChain(readFileSync(evidence, "utf8"));
  expect(chain).toMatchObject({ ok: true, interrupted: ["killed-run"] });
  if (!chain.ok) return;
  expect(chain.lines.find((l) => l.kind === "header" && l.runId !== "killed-run")).toMatchObject({ plan: { digest: plan.integrity } });
  const { runVerify } = await import("../../cli/verify");
  let printed = "";
  const verified = await runVerify({ file: evidence, json: true, apiKey: key, apiBase: emu.url }, { stdout: { write: (t: string) => (printed += t) }, stderr: { write: () => true } });
  expect(verified).toBe(0);
  // All three are re-checked: the two this run redacted and the one the killed run did.
  expect(JSON.parse(printed)).toMatchObject({ sessions: 3, redacted: 3, notes: [expect.stringMatching(/run killed-run was interrupted/)] });
});

test("plan and evidence files: a looser existing file is tightened to 0600; a missing plan or a device names the flag and the path", async () => {
  const key = emu.newKey();
  const dir = mkdtempSync(path.join(tmpdir(), "plan-modes-"));
  const out = path.join(dir, "plan.json");
  const evidence = path.join(dir, "evidence.jsonl");
  writeFileSync(out, "old");
  chmodSync(out, 0o644);
  expect((await cli(key, ["--client-reference-id-prefix", "m-", "--plan-out", out])).code).toBe(0);
  expect(statSync(out).mode & 0o777).toBe(0o600);
  expect((await cli(key, ["--plan", out, "--yes", "--evidence", evidence])).code).toBe(0);
  chmodSync(evidence, 0o644);
  expect((await cli(key, ["--plan", out, "--yes", "--evidence", evidence])).code).toBe(0);
  expect(statSync(evidence).mode & 0o777).toBe(0o600);

  const before = await totalRequests();
  const missing = await cli(key, ["--plan", path.join(dir, "nope.json"), "--yes"]);
  expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/--plan: \/.*nope\.json does not exist/) });
  expect(missing.stderr).not.toMatch(/ENOENT/);
  expect(await cli(key, ["--plan", "/dev/zero", "--yes"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--plan: \/dev\/zero is not a regular file/) });
  expect(await cli(key, ["--client-reference-id-prefix", "m-", "--yes", "--evidence", "/dev/zero"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--evidence: \/dev\/zero is not a regular file/) });
  expect(await cli(key, ["--client-reference-id-prefix", "m-", "--plan-out", "/dev/null"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--plan-out: \/dev\/null is not a regular file/) });
  expect(await cli(key, ["--client-reference-id-prefix", "m-", "--yes", "--evidence", path.join(dir, "no-dir", "e.jsonl")])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--evidence: cannot create .*the folder .*no-dir does not exist/) });
  expect(await totalRequests()).toBe(before);
});
