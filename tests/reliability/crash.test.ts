/**
 * Crashes (issue 6 item 2): SIGKILL the CLI sweep at random points of a large run, many times,
 * rerun it to completion, and compare the end state with one clean run on an identically seeded
 * account; the same for a harness `destroy` interrupted while it redacts (a stack's own sessions
 * under deletionPolicy redact, and a BulkRedaction that sweeps at teardown). Between kills nothing
 * outside the filter may have changed, and the harness state may never have dropped a resource
 * whose session was not handled.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type Stripe from "stripe";
import { mulberry32 } from "../../emulator/random";
import { linkedWorkspace, type Workspace } from "../harness/workspace";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { LONG, report, SEED } from "./support";

jest.setTimeout(LONG ? 900_000 : 120_000);

const ROOT = path.resolve(__dirname, "..", "..");
const SWEEP_CLI = path.join(ROOT, "dist", "cli", "bin.js");
const HARNESS_CLI = path.join(ROOT, "dist", "harness", "cli.js");
const DAY = 86_400;
const REDACT_ROUTE = "POST /v1/identity/verification_sessions/:id/redact";

type Session = Stripe.Identity.VerificationSession;

let emulator: TestEmulator;
const rng = mulberry32(SEED);

function requireBuilt(file: string): void {
  if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` first`);
}

beforeAll(async () => {
  emulator = await startTestEmulator({ latencyMs: 4, jitterMs: 8, seed: SEED });
});
afterAll(() => emulator.close());

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a command in its own process group, so a kill takes its children down with it. */
function start(args: string[], env: Record<string, string>, cwd = ROOT): { pid: number; done: Promise<Exit> } {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Exit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: child.pid!, done };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Waits until no process of the group is left (a rerun right after a crash is a rerun after it). */
async function groupGone(pid: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`process group ${pid} still alive 4 s after SIGKILL`);
}

async function redactRequests(): Promise<number> {
  return (await emulator.control.stats()).requests[REDACT_ROUTE] ?? 0;
}

/**
 * Runs the command and SIGKILLs its process group once `target` more redact requests have reached
 * the emulator (0: at a random moment of its first second, i.e. start-up or listing), or lets
 * it finish if it does so first. Returns whether it was killed.
 */
async function runAndKill(args: string[], env: Record<string, string>, target: number, cwd?: string): Promise<{ killed: boolean; exit: Exit; at: number }> {
  const base = await redactRequests();
  const proc = start(args, env, cwd);
  let finished = false;
  void proc.done.then(() => (finished = true));
  const deadline = Date.now() + 60_000;
  let at = 0;
  if (target === 0) {
    await new Promise((r) => setTimeout(r, 20 + rng() * 300));
  } else {
    while (!finished && Date.now() < deadline) {
      at = (await redactRequests()) - base;
      if (at >= target) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const killed = !finished;
  if (killed) killGroup(proc.pid);
  const exit = await proc.done;
  if (killed) await groupGone(proc.pid);
  return { killed, exit, at: killed ? (await redactRequests()) - base : at };
}

/** What the end state is compared on: per seeded slot (client_reference_id), status and redaction. */
function shape(sessions: Session[]): Map<string, string> {
  return new Map(sessions.map((s) => [s.client_reference_id ?? s.id, `${s.status}/${s.redaction === null ? "-" : "redacted"}/${JSON.stringify(s.metadata)}`]));
}

function diffShapes(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [ref, value] of a) if (b.get(ref) !== value) out.push(`${ref}: ${value} vs ${b.get(ref)}`);
  if (a.size !== b.size) out.push(`sizes ${a.size} vs ${b.size}`);
  return out;
}

// ---------------------------------------------------------------- the CLI sweep

const SWEEP_SCALE = LONG ? 3 : 1;
const SWEEP_KILLS = LONG ? 50 : 5;

async function seedSweepAccount(key: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const old = { from: now - 30 * DAY, to: now - 2 * DAY };
  const seed = (count: number, status: "requires_input" | "verified" | "canceled" | "processing", batch: string, created = old) =>
    emulator.control.seed({ apiKey: key, count: count * SWEEP_SCALE, status, metadata: { batch }, created, clientReferenceIdPrefix: `${batch}_${status}_${created === old ? "old" : "new"}_` });
  await seed(900, "requires_input", "a");
  await seed(400, "verified", "a");
  await seed(100, "canceled", "a");
  await seed(100, "processing", "a");
  await seed(300, "requires_input", "b");
  await seed(200, "verified", "b");
  await seed(100, "requires_input", "a", { from: now - 3600, to: now - 60 });
}

function sweepArgs(): string[] {
  return [SWEEP_CLI, "--metadata", "batch=a", "--created-before", "1d", "--action", "redact", "--yes", "--json", "--api-base", emulator.url, "--rps", "1500", "--concurrency", "24"];
}

test(`CLI sweep: SIGKILLed ${SWEEP_KILLS} times at random points, rerun to completion, ends as one clean run`, async () => {
  requireBuilt(SWEEP_CLI);
  const [crashKey, cleanKey] = [emulator.newKey(), emulator.newKey()];
  await seedSweepAccount(crashKey);
  await seedSweepAccount(cleanKey);
  const initial = new Map((await emulator.control.sessions(crashKey)).map((s) => [s.id, JSON.stringify(s)]));
  const now = Math.floor(Date.now() / 1000);
  const inFilter = (s: Session) => s.metadata?.batch === "a" && s.created < now - DAY;
  // What the filter lets the sweep touch: batch a, older than a day, by id (redaction empties metadata).
  const allowed = new Set((await emulator.control.sessions(crashKey)).filter(inFilter).map((s) => s.id));
  const actionable = (await emulator.control.sessions(crashKey)).filter((s) => inFilter(s) && (s.status === "requires_input" || s.status === "verified")).length;

  // The reference: one clean run.
  const started = Date.now();
  const clean = await start(sweepArgs(), { STRIPE_API_KEY: cleanKey }).done;
  const cleanMs = Date.now() - started;
  expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const cleanReport = JSON.parse(clean.stdout) as { matched: number; redacted: number; failed: number };
  expect(cleanReport).toMatchObject({ redacted: actionable, failed: 0 });

  // Kill at random points: counted in redact requests since the start (0 = during start-up/listing).
  const points: number[] = [];
  const violations: string[] = [];
  let kills = 0;
  for (let i = 0; i < SWEEP_KILLS; i++) {
    const remaining = actionable - (await emulator.control.sessions(crashKey)).filter((s) => allowed.has(s.id) && s.redaction !== null).length;
    // Spread the kills over the work left, so every one lands mid-run (0: during start-up/listing).
    const target = i % 5 === 0 ? 0 : 1 + Math.floor(rng() * Math.max(1, Math.min(remaining - 1, (2 * remaining) / (SWEEP_KILLS - i))));
    const { killed, exit, at } = await runAndKill(sweepArgs(), { STRIPE_API_KEY: crashKey }, target);
    if (killed) {
      kills++;
      points.push(at);
    } else if (exit.code !== 0) violations.push(`run ${i} exited ${exit.code}: ${exit.stderr.slice(0, 300)}`);
    // Nothing outside the filter was touched, whatever the crash point.
    for (const s of await emulator.control.sessions(crashKey)) {
      if (!allowed.has(s.id) && JSON.stringify(s) !== initial.get(s.id)) violations.push(`after kill ${i}: ${s.id} outside the filter changed`);
    }
  }

  // Rerun to completion.
  const final = await start(sweepArgs(), { STRIPE_API_KEY: crashKey }).done;
  expect({ code: final.code, stderr: final.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const finalReport = JSON.parse(final.stdout) as { failed: number; matched: number };
  expect(finalReport.failed).toBe(0);
  for (const text of [clean.stdout, clean.stderr, final.stdout, final.stderr]) {
    expect(text).not.toContain(crashKey);
    expect(text).not.toContain(cleanKey);
  }

  const end = diffShapes(shape(await emulator.control.sessions(crashKey)), shape(await emulator.control.sessions(cleanKey)));
  report("crash/sweep", { sessions: initial.size, actionable, cleanMs, killsTried: SWEEP_KILLS, killed: kills, crashPoints: points.join(","), endStateDifferences: end.length, violations: violations.length });
  expect(violations).toEqual([]);
  expect(end).toEqual([]);
  expect(kills).toBeGreaterThanOrEqual(Math.ceil(SWEEP_KILLS / 2));
});

// ---------------------------------------------------------------- harness destroy

const OWNED = LONG ? 40 : 4;
const DESTROY_KILLS = LONG ? 12 : 2;

test(`harness destroy (owned sessions with deletionPolicy redact, and a BulkRedaction at teardown): SIGKILLed ${DESTROY_KILLS} times while redacting, rerun, ends as one clean destroy`, async () => {
  requireBuilt(HARNESS_CLI);
  const ws: Workspace = linkedWorkspace("reliability-teardown-");
  try {
    const programDir = ws.add("teardown", path.join(__dirname, "fixtures", "teardown"));
    const [crashKey, cleanKey] = [emulator.newKey(), emulator.newKey()];
    const now = Math.floor(Date.now() / 1000);
    const old = { from: now - 20 * DAY, to: now - 2 * DAY };
    for (const key of [crashKey, cleanKey]) {
      const seed = (count: number, status: "requires_input" | "verified" | "canceled", batch: string, created = old) =>
        emulator.control.seed({ apiKey: key, count: count * SWEEP_SCALE, status, metadata: { batch }, created, clientReferenceIdPrefix: `${batch}_${status}_${created === old ? "old" : "new"}_` });
      await seed(300, "requires_input", "a");
      await seed(150, "verified", "a");
      await seed(50, "canceled", "a");
      await seed(100, "requires_input", "b");
      await seed(50, "requires_input", "a", { from: now - 3600, to: now - 60 });
    }
    const seeded = new Map((await emulator.control.sessions(crashKey)).map((s) => [s.id, JSON.stringify(s)]));
    const allowed = new Set([...seeded.values()].map((t) => JSON.parse(t) as Session).filter((s) => s.metadata?.batch === "a" && s.created < now - DAY).map((s) => s.id));
    const harness = (operation: string, stack: string) => [
      HARNESS_CLI, operation, "--dir", programDir, "--stack", stack, "--json",
      "--config", `stripe-identity:apiBase=${emulator.url}`, "--config", "reliability-teardown:rps=1500", "--config", `reliability-teardown:count=${OWNED}`,
      "--secret-env", "stripe-identity:apiKey=STRIPE_API_KEY",
    ];
    const ups = await Promise.all([["crash", crashKey], ["clean", cleanKey]].map(([stack, key]) => start(harness("up", stack), { STRIPE_API_KEY: key }, programDir).done));
    for (const up of ups) expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    // Nothing ran at create: the seeded sessions are as they were.
    for (const s of await emulator.control.sessions(crashKey)) if (seeded.has(s.id)) expect(JSON.stringify(s)).toBe(seeded.get(s.id));

    const clean = await start(harness("destroy", "clean"), { STRIPE_API_KEY: cleanKey }, programDir).done;
    expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    const stateFile = path.join(programDir, ".harness-state", "crash.json");
    const inState = () => (JSON.parse(fs.readFileSync(stateFile, "utf8")) as { resources: { custom: boolean; id?: string; type: string }[] }).resources.filter((r) => r.custom);
    const actionable = [...seeded.values()].map((t) => JSON.parse(t) as Session).filter((s) => allowed.has(s.id) && s.status !== "canceled").length + OWNED;
    const violations: string[] = [];
    const points: number[] = [];
    for (let i = 0; i < DESTROY_KILLS; i++) {
      const sessions = await emulator.control.sessions(crashKey);
      const left = actionable - sessions.filter((s) => s.redaction !== null).length;
      const target = 1 + Math.floor(rng() * Math.max(1, Math.min(left - 1, (2 * left) / (DESTROY_KILLS - i))));
      const { killed, at } = await runAndKill(harness("destroy", "crash"), { STRIPE_API_KEY: crashKey }, target, programDir);
      if (killed) points.push(at);
      const after = await emulator.control.sessions(crashKey);
      const kept = inState();
      // The state never drops what was not done: an owned session that left it is redacted; the
      // teardown policy leaves it only once every session it matches is handled.
      for (const s of after) {
        if (s.client_reference_id?.startsWith("owned_crash_") && !kept.some((r) => r.id === s.id) && s.redaction === null) violations.push(`after kill ${i}: owned ${s.id} left the state unredacted`);
        if (seeded.has(s.id) && !allowed.has(s.id) && JSON.stringify(s) !== seeded.get(s.id)) violations.push(`after kill ${i}: ${s.id} outside the filter changed`);
      }
      const policyGone = !kept.some((r) => r.type.includes("BulkRedaction"));
      const unhandled = after.filter((s) => allowed.has(s.id) && s.status !== "canceled" && s.redaction === null).length;
      if (policyGone && unhandled > 0) violations.push(`after kill ${i}: the BulkRedaction left the state with ${unhandled} matching sessions not redacted`);
    }
    const final = await start(harness("destroy", "crash"), { STRIPE_API_KEY: crashKey }, programDir).done;
    expect({ code: final.code, error: final.code === 0 ? undefined : (JSON.parse(final.stdout || "{}") as { error?: string }).error ?? final.stderr }).toEqual({ code: 0, error: undefined });
    expect(inState()).toEqual([]);
    expect(final.stdout + final.stderr + fs.readFileSync(stateFile, "utf8")).not.toContain(crashKey);

    const crashEnd = shape((await emulator.control.sessions(crashKey)).map((s) => ({ ...s, client_reference_id: s.client_reference_id?.replace("owned_crash_", "owned_") ?? null })));
    const cleanEnd = shape((await emulator.control.sessions(cleanKey)).map((s) => ({ ...s, client_reference_id: s.client_reference_id?.replace("owned_clean_", "owned_") ?? null })));
    const end = diffShapes(crashEnd, cleanEnd);
    report("crash/harness-destroy", { seeded: seeded.size, owned: OWNED, actionable, killsTried: DESTROY_KILLS, killed: points.length, crashPoints: points.join(","), endStateDifferences: end.length, violations: violations.length });
    expect(violations).toEqual([]);
    expect(end).toEqual([]);
    expect(crashEnd.size).toBe(seeded.size + OWNED);
    expect(points.length).toBeGreaterThanOrEqual(Math.ceil(DESTROY_KILLS / 2));
  } finally {
    ws.remove();
  }
});
