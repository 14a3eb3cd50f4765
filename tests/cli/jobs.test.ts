/**
 * `stripe-identity-sweep --strategy jobs` end to end against the emulator: a run by Redaction Jobs
 * with evidence that `verify` checks, a plan executed by jobs (exactly its sessions), and the
 * usage errors. In process, through the CLI's own argument parser and runner.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "../../cli/args";
import { runSweepCli } from "../../cli/run";
import { runVerify } from "../../cli/verify";
import { verifyChain } from "../../provider/redaction/evidence";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

let jobsBefore = 0;
beforeEach(async () => {
  jobsBefore = (await emu.control.stats()).requests["POST /v1/privacy/redaction_jobs"] ?? 0;
});

const dir = (): string => mkdtempSync(path.join(tmpdir(), "jobs-cli-"));

async function cli(key: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (t: string) => ((stdout += t), true) }, stderr: { write: (t: string) => ((stderr += t), true) } };
  const parsed = parseArgs(args, { env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url }, readFile: () => undefined });
  if (parsed.kind === "usage") return { code: 2, stdout, stderr: parsed.message };
  if (parsed.kind !== "run") throw new Error(parsed.kind);
  const code = await runSweepCli(parsed.options, io);
  return { code, stdout, stderr };
}

test("--strategy jobs --evidence: redacts by jobs, records each job and each session with its job, and verify checks them", async () => {
  const key = emu.newKey();
  const ids = (await emu.control.seed({ apiKey: key, count: 5, status: "verified", metadata: { batch: "j1" } })).ids;
  await emu.control.seed({ apiKey: key, count: 2, status: "canceled", metadata: { batch: "j1" } });
  const file = path.join(dir(), "evidence.jsonl");
  const run = await cli(key, ["--metadata", "batch=j1", "--strategy", "jobs", "--yes", "--json", "--evidence", file]);
  expect(run.code).toBe(0);
  const summary = JSON.parse(run.stdout);
  expect(summary).toMatchObject({ matched: 7, redacted: 5, skipped: 2, skippedByReason: { canceled: 2 }, complete: true, jobs: { created: 1, run: 1, succeeded: 1, stillRunning: [] } });
  // Requests besides the listing: a job's create, run and status reads, not one per session.
  expect(summary.requests).toBeLessThan(12);

  const chain = verifyChain(readFileSync(file, "utf8"));
  if (!chain.ok) throw new Error(chain.problem);
  expect(chain.lines[0]).toMatchObject({ kind: "header", strategy: "jobs" });
  const jobLines = chain.lines.filter((line) => line.kind === "job");
  // The run is named before it is sent (run_requested), then followed to succeeded.
  expect(jobLines.map((line) => (line.kind === "job" ? line.status : ""))).toEqual(["ready", "ready", "run_requested", "redacting", "succeeded"]);
  const jobId = jobLines[0].kind === "job" ? jobLines[0].jobId : "";
  const redacted = chain.lines.filter((line) => line.kind === "session" && line.result === "redacted");
  expect(redacted.map((line) => (line.kind === "session" ? line.id : "")).sort()).toEqual([...ids].sort());
  for (const line of redacted) expect(line).toMatchObject({ jobId, requestId: expect.stringMatching(/^req_/) });

  let out = "";
  const code = await runVerify({ file, json: true, apiKey: key, apiBase: emu.url }, { stdout: { write: (t: string) => ((out += t), true) }, stderr: { write: () => true } });
  expect(code).toBe(0);
  expect(JSON.parse(out)).toMatchObject({ chain: "ok", sessions: 5, redacted: 5 });
});

test("--plan with --strategy jobs acts on exactly the plan's sessions; one changed since the plan is dropped by the job's validation and never redacted", async () => {
  const key = emu.newKey();
  const ids = (await emu.control.seed({ apiKey: key, count: 4, status: "requires_input", metadata: { batch: "p1" } })).ids;
  const planFile = path.join(dir(), "plan.json");
  expect((await cli(key, ["--metadata", "batch=p1", "--plan-out", planFile])).code).toBe(0);
  const late = (await emu.control.seed({ apiKey: key, count: 1, status: "requires_input", metadata: { batch: "p1" } })).ids[0];
  await emu.control.transition(ids[0], "processing");
  const run = await cli(key, ["--plan", planFile, "--yes", "--json", "--strategy", "jobs"]);
  expect(JSON.parse(run.stdout)).toMatchObject({ matched: 4, redacted: 3, skipped: 1, skippedByReason: { refused_by_job_validation: 1 } });
  const after = new Map((await emu.control.sessions(key)).map((s) => [s.id, (s.redaction as { status: string } | null)?.status ?? null]));
  expect([after.get(ids[1]), after.get(ids[2]), after.get(ids[3])]).toEqual(["redacted", "redacted", "redacted"]);
  expect([after.get(ids[0]), after.get(late)]).toEqual([null, null]);
});

test("--max-sessions with jobs: more matches than allowed aborts before any job is made (exit 3)", async () => {
  const key = emu.newKey();
  await emu.control.seed({ apiKey: key, count: 3, status: "verified", metadata: { batch: "m1" } });
  expect((await cli(key, ["--metadata", "batch=m1", "--strategy", "jobs", "--yes", "--max-sessions", "2"])).code).toBe(3);
  expect((await emu.control.stats()).requests["POST /v1/privacy/redaction_jobs"] ?? 0).toBe(jobsBefore);
  expect((await emu.control.sessions(key)).every((s) => s.redaction === null)).toBe(true);
});

test("usage: jobs only redact; an unknown strategy names the flag", async () => {
  const key = emu.newKey();
  expect(await cli(key, ["--metadata", "a=b", "--strategy", "jobs", "--action", "cancel"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--strategy jobs") });
  expect(await cli(key, ["--metadata", "a=b", "--strategy", "bulk"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--strategy") });
});
