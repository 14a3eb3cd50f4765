/**
 * Concurrency through the harness (issue 6 item 5): several stacks of one program, run at the same
 * time against one account whose rate limit is far below what they send together, create, update
 * and delete many sessions. No operation fails because of a 429, no update is lost, nothing is
 * duplicated, and each delete follows its resource's policy. Then the same program through
 * Pulumi's provider process with faults injected: no duplicate, clear failures, reruns converge.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { VerificationSession as ApiSession } from "../../emulator/control-client";
// The built harness: its runner starts as plain JS (much faster than through tsx).
import { Harness, type Summary } from "../../dist/harness";
import { linkedWorkspace, type Workspace } from "../harness/workspace";
import { ensureBuilt } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { findSecret, LONG, report } from "./support";

jest.setTimeout(LONG ? 600_000 : 90_000);

const STACKS = LONG ? 4 : 2;
const COUNT = LONG ? 15 : 4;
const KEEP = Math.floor(COUNT / 2);
const RATE = 4;
const POLICIES = ["cancel", "redact", "retain"] as const;

let emulator: TestEmulator;
let ws: Workspace;
let programDir: string;
let key: string;

beforeAll(async () => {
  ensureBuilt(); // the harness's runner and the package it loads come from dist/
  emulator = await startTestEmulator({ rateLimit: { test: RATE, live: RATE } });
  key = emulator.newKey();
  ws = linkedWorkspace("reliability-");
  programDir = ws.add("fleet", path.join(__dirname, "fixtures", "fleet"));
});
afterAll(async () => {
  ws.remove();
  await emulator.close();
});

const stackNames = Array.from({ length: STACKS }, (_, i) => `st${i}`);
const open = (stack: string, config: Record<string, string>): Promise<Harness> =>
  Harness.open({
    programDir,
    stack,
    config: { "stripe-identity:apiBase": emulator.url, "reliability-fleet:stackTag": stack, ...config },
    secrets: { "stripe-identity:apiKey": key },
  });

async function allStacks(op: "up" | "destroy", config: Record<string, string>): Promise<Summary[]> {
  return Promise.all(stackNames.map(async (stack) => (await open(stack, config))[op]()));
}

async function byRefOf(account: string): Promise<Map<string, ApiSession[]>> {
  const map = new Map<string, ApiSession[]>();
  for (const s of await emulator.control.sessions(account)) map.set(s.client_reference_id ?? "", [...(map.get(s.client_reference_id ?? "") ?? []), s]);
  return map;
}
const byRef = () => byRefOf(key);

function expectDeletedByPolicy(s: ApiSession, index: number): void {
  const policy = POLICIES[index % 3];
  if (policy === "cancel") expect({ index, status: s.status, redacted: s.redaction !== null }).toEqual({ index, status: "canceled", redacted: false });
  if (policy === "redact") expect({ index, status: s.status, redacted: s.redaction !== null }).toEqual({ index, status: "canceled", redacted: true });
  if (policy === "retain") expect({ index, status: s.status, redacted: s.redaction !== null }).toEqual({ index, status: "requires_input", redacted: false });
}

test(`${STACKS} stacks x ${COUNT} sessions at once, account limit ${RATE} req/s: create; update some and delete the rest in one up; destroy`, async () => {
  const started = Date.now();
  const summaries: Summary[] = [];

  // Create: every stack at once.
  summaries.push(...(await allStacks("up", { "reliability-fleet:count": String(COUNT) })));
  let sessions = await byRef();
  expect(sessions.size).toBe(STACKS * COUNT);
  for (const [ref, found] of sessions) expect({ ref, copies: found.length }).toEqual({ ref, copies: 1 });

  // One up that updates some in place (round 2: none lost, none replaced) and deletes the rest
  // (they left the program) by policy.
  const changed = await allStacks("up", { "reliability-fleet:count": String(KEEP), "reliability-fleet:round": "2" });
  summaries.push(...changed);
  for (const summary of changed) {
    expect(summary.steps.filter((s) => s.op === "update")).toHaveLength(KEEP);
    expect(summary.steps.filter((s) => s.op === "delete")).toHaveLength(COUNT - KEEP);
    expect(summary.outputs.rounds).toEqual(Array(KEEP).fill("2"));
  }
  sessions = await byRef();
  expect(sessions.size).toBe(STACKS * COUNT);
  for (const stack of stackNames) {
    for (let i = 0; i < COUNT; i++) {
      const [s] = sessions.get(`fleet_${stack}_${i}`)!;
      if (i < KEEP) expect({ i, status: s.status, round: s.metadata?.round }).toEqual({ i, status: "requires_input", round: "2" });
      else expectDeletedByPolicy(s, i);
    }
  }

  // Destroy everything left.
  summaries.push(...(await allStacks("destroy", { "reliability-fleet:count": String(KEEP) })));
  sessions = await byRef();
  expect(sessions.size).toBe(STACKS * COUNT);
  for (const stack of stackNames) for (let i = 0; i < COUNT; i++) expectDeletedByPolicy(sessions.get(`fleet_${stack}_${i}`)![0], i);

  // State files: empty, and no key or client secret in them or in any summary.
  for (const stack of stackNames) {
    const harness = await open(stack, {});
    const text = fs.readFileSync(harness.stateFile, "utf8");
    expect(findSecret(text, [key])).toBeUndefined();
    expect((JSON.parse(text) as { resources: { custom: boolean }[] }).resources.filter((r) => r.custom)).toEqual([]);
  }
  for (const summary of summaries) expect(findSecret(JSON.stringify(summary), [key])).toBeUndefined();

  const stats = await emulator.control.stats();
  report("concurrency", {
    stacks: STACKS,
    sessions: STACKS * COUNT,
    harnessOperations: summaries.length,
    providerSteps: summaries.reduce((n, s) => n + s.steps.filter((x) => x.op !== "same").length, 0),
    requests: Object.values(stats.requests).reduce((a, b) => a + b, 0),
    rateLimited: stats.rateLimited,
    failures: 0,
    elapsedMs: Date.now() - started,
  });
  // The point of the exercise: the account did push back, and nothing failed because of it.
  expect(stats.rateLimited).toBeGreaterThan(0);
});

test("through Pulumi's provider process with faults on (10% 500s, 5% resets, 5% lost responses): no duplicate, clear failures, reruns converge", async () => {
  const faultKey = emulator.newKey();
  const openFaulty = (config: Record<string, string>) =>
    Harness.open({
      programDir,
      stack: "faults",
      config: { "stripe-identity:apiBase": emulator.url, "reliability-fleet:stackTag": "faults", "reliability-fleet:count": String(COUNT), ...config },
      secrets: { "stripe-identity:apiKey": faultKey },
    });
  await emulator.control.config({ rateLimit: null, faults: { errorRate: 0.1, resetRate: 0.05, lostResponseRate: 0.05 }, seed: 4242 });
  const failures: string[] = [];
  /** What Pulumi users do: run again until it succeeds (bounded); every failure must say what failed. */
  const untilDone = async (op: "up" | "destroy", config: Record<string, string>): Promise<Summary> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await (await openFaulty(config))[op]();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(message);
        expect(message).toMatch(/VerificationSession|vs_|urn:pulumi/);
        expect(findSecret(message, [faultKey])).toBeUndefined();
        if (attempt >= 4) throw error;
      }
    }
  };
  try {
    const stats0 = await emulator.control.stats();
    await untilDone("up", {});
    const sessions = await byRefOf(faultKey);
    expect(sessions.size).toBe(COUNT);
    for (const [ref, found] of sessions) expect({ ref, copies: found.length, status: found[0].status }).toEqual({ ref, copies: 1, status: "requires_input" });
    await untilDone("destroy", {});
    for (let i = 0; i < COUNT; i++) expectDeletedByPolicy((await byRefOf(faultKey)).get(`fleet_faults_${i}`)![0], i);
    const stats = await emulator.control.stats();
    report("concurrency/faults-through-harness", { sessions: COUNT, faultsInjected: stats.faults - stats0.faults, failedOperations: failures.length, duplicates: 0 });
    expect(stats.faults - stats0.faults).toBeGreaterThan(0);
  } finally {
    await emulator.control.config({ faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 }, rateLimit: { test: RATE, live: RATE } });
  }
});
