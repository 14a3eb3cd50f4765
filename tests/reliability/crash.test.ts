/**
 * Crashes (issue 6 item 2): SIGKILL the CLI sweep at random points of a large run, many times,
 * rerun it to completion, and compare the end state with one clean run on an identically seeded
 * account; the same for a harness `destroy` interrupted while it redacts. Between kills nothing
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
    await new Promise((r) => setTimeout(r, 50 + rng() * 900));
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
    const target = i % 5 === 0 ? 0 : 1 + Math.floor(rng() * Math.max(1, remaining - 1));
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

const FLEET = LONG ? 60 : 12;
const DESTROY_KILLS = LONG ? 12 : 2;

test(`harness destroy: SIGKILLed ${DESTROY_KILLS} times while redacting, rerun, ends as one clean destroy; state never drops an unhandled resource`, async () => {
  requireBuilt(HARNESS_CLI);
  const ws: Workspace = linkedWorkspace("reliability-crash-");
  try {
    const programDir = ws.add("fleet", path.join(__dirname, "fixtures", "fleet"));
    const key = emulator.newKey();
    const harness = (operation: string, stack: string) => [
      HARNESS_CLI, operation, "--dir", programDir, "--stack", stack, "--json",
      "--config", `stripe-identity:apiBase=${emulator.url}`, "--config", `reliability-fleet:count=${FLEET}`,
      "--config", "reliability-fleet:policy=redact", "--config", `reliability-fleet:stackTag=${stack}`,
      "--secret-env", "stripe-identity:apiKey=STRIPE_API_KEY",
    ];
    const env = { STRIPE_API_KEY: key };
    const ups = await Promise.all(["crash", "clean"].map((stack) => start(harness("up", stack), env, programDir).done));
    for (const up of ups) expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    const clean = await start(harness("destroy", "clean"), env, programDir).done;
    expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    const stateFile = path.join(programDir, ".harness-state", "crash.json");
    const inState = (): Set<string> =>
      new Set((JSON.parse(fs.readFileSync(stateFile, "utf8")) as { resources: { custom: boolean; id?: string }[] }).resources.filter((r) => r.custom && r.id).map((r) => r.id!));
    const violations: string[] = [];
    const points: number[] = [];
    for (let i = 0; i < DESTROY_KILLS; i++) {
      const left = inState().size;
      const { killed, at } = await runAndKill(harness("destroy", "crash"), env, 1 + Math.floor(rng() * Math.max(1, left - 1)), programDir);
      if (killed) points.push(at);
      // Every resource gone from the state has its session handled (redacted) in Stripe.
      const kept = inState();
      for (const s of await emulator.control.sessions(key)) {
        if (s.client_reference_id?.startsWith("fleet_crash_") && !kept.has(s.id) && s.redaction === null) violations.push(`after kill ${i}: ${s.id} left the state but is not redacted`);
      }
    }
    const final = await start(harness("destroy", "crash"), env, programDir).done;
    expect({ code: final.code, stderr: final.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(inState().size).toBe(0);
    expect(final.stdout + final.stderr + fs.readFileSync(stateFile, "utf8")).not.toContain(key);

    const sessions = await emulator.control.sessions(key);
    const bySlot = (stack: string) =>
      new Map(sessions.filter((s) => s.client_reference_id?.startsWith(`fleet_${stack}_`)).map((s) => [s.client_reference_id!.replace(`fleet_${stack}_`, ""), `${s.status}/${s.redaction === null ? "-" : "redacted"}`]));
    const end = diffShapes(bySlot("crash"), bySlot("clean"));
    report("crash/harness-destroy", { resources: FLEET, killsTried: DESTROY_KILLS, killed: points.length, crashPoints: points.join(","), endStateDifferences: end.length, violations: violations.length });
    expect(violations).toEqual([]);
    expect(end).toEqual([]);
    expect(bySlot("crash").size).toBe(FLEET);
  } finally {
    ws.remove();
  }
});

// ---------------------------------------------------------------- BulkRedaction at teardown

const TEARDOWN_KILLS = LONG ? 12 : 2;

test(`harness destroy of a BulkRedaction (runOn destroy): SIGKILLed ${TEARDOWN_KILLS} times mid-sweep, rerun, ends as one clean destroy`, async () => {
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
    const initial = new Map((await emulator.control.sessions(crashKey)).map((s) => [s.id, JSON.stringify(s)]));
    const allowed = new Set((await emulator.control.sessions(crashKey)).filter((s) => s.metadata?.batch === "a" && s.created < now - DAY).map((s) => s.id));
    const harness = (operation: string, stack: string) => [
      HARNESS_CLI, operation, "--dir", programDir, "--stack", stack, "--json",
      "--config", `stripe-identity:apiBase=${emulator.url}`, "--config", "reliability-teardown:rps=1500",
      "--secret-env", "stripe-identity:apiKey=STRIPE_API_KEY",
    ];
    for (const [stack, key] of [["crash", crashKey], ["clean", cleanKey]] as const) {
      const up = await start(harness("up", stack), { STRIPE_API_KEY: key }, programDir).done;
      expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    }
    // Nothing ran at create.
    expect(JSON.stringify(await emulator.control.sessions(crashKey))).toBe(JSON.stringify([...initial.values()].map((t) => JSON.parse(t))));

    const clean = await start(harness("destroy", "clean"), { STRIPE_API_KEY: cleanKey }, programDir).done;
    expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    const stateFile = path.join(programDir, ".harness-state", "crash.json");
    const customInState = (): number =>
      (JSON.parse(fs.readFileSync(stateFile, "utf8")) as { resources: { custom: boolean }[] }).resources.filter((r) => r.custom).length;
    const violations: string[] = [];
    const points: number[] = [];
    const actionable = [...initial.values()].map((t) => JSON.parse(t) as Session).filter((s) => allowed.has(s.id) && s.status !== "canceled").length;
    for (let i = 0; i < TEARDOWN_KILLS; i++) {
      const done = (await emulator.control.sessions(crashKey)).filter((s) => allowed.has(s.id) && s.redaction !== null).length;
      const { killed, at } = await runAndKill(harness("destroy", "crash"), { STRIPE_API_KEY: crashKey }, 1 + Math.floor(rng() * Math.max(1, actionable - done - 1)), programDir);
      if (killed) {
        points.push(at);
        // The policy stays in state until its run has finished: a rerun of destroy applies it.
        if (customInState() !== 1) violations.push(`after kill ${i}: the BulkRedaction left the state before its run finished`);
      }
      for (const s of await emulator.control.sessions(crashKey)) {
        if (!allowed.has(s.id) && JSON.stringify(s) !== initial.get(s.id)) violations.push(`after kill ${i}: ${s.id} outside the filter changed`);
      }
    }
    const final = await start(harness("destroy", "crash"), { STRIPE_API_KEY: crashKey }, programDir).done;
    expect({ code: final.code, stderr: final.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(customInState()).toBe(0);
    expect(final.stdout + final.stderr + fs.readFileSync(stateFile, "utf8")).not.toContain(crashKey);

    const end = diffShapes(shape(await emulator.control.sessions(crashKey)), shape(await emulator.control.sessions(cleanKey)));
    report("crash/bulk-redaction-teardown", { sessions: initial.size, actionable, killsTried: TEARDOWN_KILLS, killed: points.length, crashPoints: points.join(","), endStateDifferences: end.length, violations: violations.length });
    expect(violations).toEqual([]);
    expect(end).toEqual([]);
    expect(points.length).toBeGreaterThanOrEqual(1);
  } finally {
    ws.remove();
  }
});
