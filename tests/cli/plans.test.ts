/**
 * Approved plans (issue 12): --plan-out writes exactly what a run would act on; --plan --yes acts
 * on exactly that, skipping (with a reason) what changed since, never touching what appeared
 * since; a plan for another mode or account, or too old, is refused before any request.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

test("plan, review, execute exactly it: changed sessions skipped with their reason, new ones untouched", async () => {
  const key = emu.newKey();
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  const { ids } = await emu.control.seed({ apiKey: key, count: 8, created: { from: to - 80, to }, clientReferenceIdPrefix: "job-" });
  const file = planFile();
  const made = await cli(key, ["--client-reference-id-prefix", "job-", "--created-before", "7d", "--action", "cancel", "--plan-out", file]);
  expect(made.code).toBe(0);
  const plan = JSON.parse(readFileSync(file, "utf8"));
  expect(plan).toMatchObject({ version: 1, mode: "test", account: null, action: "cancel" });
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
  expect(JSON.parse(executed.stdout)).toMatchObject({ matched: 8, canceled: 5, skippedByReason: { changed_since_plan: 3 } });
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
  writeFileSync(file, JSON.stringify({ ...plan, createdAt: new Date(Date.now() - 25 * 3600_000).toISOString() }));
  const old = await cli(key, ["--plan", file, "--yes"]);
  expect(old).toMatchObject({ code: 2, stderr: expect.stringMatching(/older than --plan-max-age/) });
  expect((await cli(key, ["--plan", file, "--yes", "--plan-max-age", "2d"])).code).toBe(0);
  const mixed = await cli(key, ["--plan", file, "--yes", "--status", "verified"]);
  expect(mixed).toMatchObject({ code: 2, stderr: expect.stringMatching(/--plan: the plan holds the filter/) });
  // Only the run allowed by --plan-max-age 2d made requests (its clock request; the plan was empty).
  const after = Object.values((await emu.control.stats()).requests).reduce((a, b) => a + b, 0);
  expect(after - before).toBe(1);
});
