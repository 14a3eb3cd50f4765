/**
 * Crashes of the sweep CLI (issue 6 item 2): SIGKILL at random points of a large run (thousands of
 * seeded sessions, some latency), many times; rerun to completion; the end state must equal one
 * clean run on an identically seeded account, and nothing outside the filter may change between
 * kills. And a graceful stop (SIGTERM): an exact report, and a rerun finishes the rest.
 */
import type { VerificationSession as ApiSession } from "../../emulator/control-client";
import { mulberry32 } from "../../emulator/random";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { DAY, diffShapes, killTarget, redactRequests, requireBuilt, runAndKill, shape, start, SWEEP_CLI } from "./processes";
import { LONG, report, SEED } from "./support";

jest.setTimeout(LONG ? 900_000 : 120_000);

type Session = ApiSession;

let emulator: TestEmulator;
const rng = mulberry32(SEED);

/** Seeded sessions per group are multiplied by this in the long variant. */
const SCALE = LONG ? 3 : 1;
const SWEEP_KILLS = LONG ? 50 : 5;

beforeAll(async () => {
  emulator = await startTestEmulator({ latencyMs: 4, jitterMs: 8, seed: SEED });
});
afterAll(() => emulator.close());

async function seedSweepAccount(key: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const old = { from: now - 30 * DAY, to: now - 2 * DAY };
  const seed = (count: number, status: "requires_input" | "verified" | "canceled" | "processing", batch: string, created = old) =>
    emulator.control.seed({ apiKey: key, count: count * SCALE, status, metadata: { batch }, created, clientReferenceIdPrefix: `${batch}_${status}_${created === old ? "old" : "new"}_` });
  await seed(900, "requires_input", "a");
  await seed(400, "verified", "a");
  await seed(100, "canceled", "a");
  await seed(100, "processing", "a");
  await seed(300, "requires_input", "b");
  await seed(200, "verified", "b");
  await seed(100, "requires_input", "a", { from: now - 3600, to: now - 60 });
}

function sweepArgs(): string[] {
  return [SWEEP_CLI, "--metadata", "batch=a", "--created-before", "1d", "--action", "redact", "--yes", "--json", "--api-base", emulator.url, "--rps", "1500", "--endpoint-rps", "1500", "--concurrency", "24"];
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

  // Kill at random points, counted in redact requests since the start (0: a random moment of the first 0.3 s).
  const points: number[] = [];
  const violations: string[] = [];
  let kills = 0;
  for (let i = 0; i < SWEEP_KILLS; i++) {
    const remaining = actionable - (await emulator.control.sessions(crashKey)).filter((s) => allowed.has(s.id) && s.redaction !== null).length;
    // Spread the kills over the work left, so every one lands mid-run.
    const target = i % 5 === 0 ? 0 : killTarget(rng, remaining, SWEEP_KILLS - i);
    const { killed, exit, at } = await runAndKill(emulator, rng, sweepArgs(), { STRIPE_API_KEY: crashKey }, target);
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

test("CLI sweep stopped by SIGTERM mid-run: exits 1 with an exact --json report (= what changed in the dump); a rerun finishes", async () => {
  requireBuilt(SWEEP_CLI);
  const key = emulator.newKey();
  await seedSweepAccount(key);
  const before = new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
  const base = await redactRequests(emulator);
  const proc = start(sweepArgs(), { STRIPE_API_KEY: key });
  while ((await redactRequests(emulator)) - base < 200) await new Promise((r) => setTimeout(r, 5));
  process.kill(proc.pid, "SIGTERM");
  const exit = await proc.done;
  expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
  const stopped = JSON.parse(exit.stdout) as { redacted: number; failed: number; complete: boolean; matched: number };
  const changed = (await emulator.control.sessions(key)).filter((s) => JSON.stringify(s) !== JSON.stringify(before.get(s.id)));
  expect({ complete: stopped.complete, failed: stopped.failed, redacted: stopped.redacted }).toEqual({ complete: false, failed: 0, redacted: changed.length });
  expect(changed.every((s) => s.redaction !== null)).toBe(true);
  const rest = await start(sweepArgs(), { STRIPE_API_KEY: key }).done;
  expect(rest.code).toBe(0);
  const finished = JSON.parse(rest.stdout) as { redacted: number };
  const now = Math.floor(Date.now() / 1000);
  const actionable = [...before.values()].filter((s) => s.metadata?.batch === "a" && s.created < now - DAY && (s.status === "requires_input" || s.status === "verified")).length;
  expect(stopped.redacted + finished.redacted).toBe(actionable);
  report("crash/sigterm", { stoppedAfter: stopped.redacted, rerunRedacted: finished.redacted, actionable });
});
