/**
 * Crashes of a harness `destroy` (issue 6 item 2): a stack owning sessions (deletionPolicy redact)
 * and a BulkRedaction that sweeps at teardown, destroyed and SIGKILLed while it redacts, several
 * times; rerun; the end state must equal one clean destroy of an identically seeded account, and
 * the state file may never drop a resource whose work was not done.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { VerificationSession as ApiSession } from "../../emulator/control-client";
import { mulberry32 } from "../../emulator/random";
import { linkedWorkspace, type Workspace } from "../harness/workspace";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { DAY, diffShapes, HARNESS_CLI, killTarget, requireBuilt, runAndKill, shape, start } from "./processes";
import { LONG, report, SEED } from "./support";

jest.setTimeout(LONG ? 900_000 : 120_000);

type Session = ApiSession;

let emulator: TestEmulator;
const rng = mulberry32(SEED + 1);
/** Seeded sessions per status group are multiplied by this in the long variant. */
const SCALE = LONG ? 3 : 1;
const OWNED = LONG ? 40 : 4;
const DESTROY_KILLS = LONG ? 12 : 2;

beforeAll(async () => {
  emulator = await startTestEmulator({ latencyMs: 4, jitterMs: 8, seed: SEED });
});
afterAll(() => emulator.close());

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
        emulator.control.seed({ apiKey: key, count: count * SCALE, status, metadata: { batch }, created, clientReferenceIdPrefix: `${batch}_${status}_${created === old ? "old" : "new"}_` });
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
      const target = killTarget(rng, left, DESTROY_KILLS - i);
      const { killed, at } = await runAndKill(emulator, rng, harness("destroy", "crash"), { STRIPE_API_KEY: crashKey }, target, programDir);
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
