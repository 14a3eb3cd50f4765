/**
 * The sweep engine under injected faults (issue 6 item 1): 10% 500s, 5% resets, 5% lost
 * responses, and bursts of 429s (the account's limit drops below the run's rate mid-run). The
 * sweep handles every matching session exactly once and nothing else: checked against the
 * emulator's dump before and after, and the report agrees with the dump.
 */
import type { VerificationSession as ApiSession } from "../../emulator/control-client";
import { MaxSessionsExceededError } from "../../provider/redaction/guards";
import { planSession, type BulkAction } from "../../provider/redaction/plan";
import type { SessionOutcome } from "../../provider/redaction/report";
import { runBulkRedaction } from "../../provider/redaction/run";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { LONG, report, SEED } from "./support";

type Session = ApiSession;

const SCALE = LONG ? 5 : 1;
const FAULTS = { errorRate: 0.1, resetRate: 0.05, lostResponseRate: 0.05 };
const DAY = 86_400;

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ seed: SEED, latencyMs: 2 });
});
afterAll(() => emulator.close());

/** Sessions inside the filter (batch a, created a week ago) in every status, and decoys around them. */
async function seedAccount(key: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const old = { from: now - 10 * DAY, to: now - 3 * DAY };
  const seed = (count: number, status: "requires_input" | "verified" | "canceled" | "processing", batch: string, created = old) =>
    emulator.control.seed({ apiKey: key, count: count * SCALE, status, metadata: { batch }, created, clientReferenceIdPrefix: `${batch}_${status}_` });
  await seed(60, "requires_input", "a");
  await seed(30, "verified", "a");
  await seed(10, "canceled", "a");
  await seed(10, "processing", "a");
  // Decoys: another batch in the same window, and batch a but too recent for the filter.
  await seed(30, "requires_input", "b");
  await seed(15, "verified", "b");
  await seed(15, "requires_input", "a", { from: now - 3600, to: now - 60 });
  // Redacted sessions (redaction empties their metadata, so they fall outside the filter): untouched.
  const stripe = emulator.stripe(key);
  const ids = (await emulator.control.sessions(key)).filter((s) => s.client_reference_id?.startsWith("a_verified_")).slice(0, 5 * SCALE);
  for (const s of ids) await stripe.identity.verificationSessions.redact(s.id);
}

/**
 * Redact lists by status (one query per status, while its own writes move sessions from
 * requires_input to canceled); cancel lists everything in one query.
 */
const FILTERS = {
  redact: { metadata: { batch: "a" }, createdBefore: "1d", status: ["requires_input", "verified", "processing"] },
  cancel: { metadata: { batch: "a" }, createdBefore: "1d" },
} as const;

function inFilter(action: BulkAction, s: Session, nowSeconds: number): boolean {
  const statuses: readonly string[] | undefined = action === "redact" ? FILTERS.redact.status : undefined;
  return s.metadata?.batch === "a" && s.created < nowSeconds - DAY && (statuses === undefined || statuses.includes(s.status));
}

/** Sessions handled so far by the runs in flight (both accounts), for the squeezes to wait on. */
let handled = 0;

async function until(condition: () => boolean | Promise<boolean>, over: () => boolean): Promise<void> {
  while (!over() && !(await condition())) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * 429 bursts on events, not on a timer: twice, once the runs have handled `at` sessions, the account
 * limit drops well under the runs' rate until the emulator has refused a few requests, then recovers.
 */
async function squeezes(over: () => boolean): Promise<void> {
  for (const at of [20, 90]) {
    await until(() => handled >= at, over);
    if (over()) return;
    const limited = (await emulator.control.stats()).rateLimited;
    await emulator.control.config({ rateLimit: { test: 5, live: 100 } });
    await until(async () => (await emulator.control.stats()).rateLimited >= limited + 5, over);
    await emulator.control.config({ rateLimit: { test: 100, live: 100 } });
  }
}

async function runUnderFaults(action: BulkAction, key: string) {
  const before = new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
  const outcomes: SessionOutcome[] = [];
  const nowSeconds = Math.floor(Date.now() / 1000);
  const run = await runBulkRedaction({
    apiKey: key,
    apiBase: emulator.url,
    filter: FILTERS[action],
    action,
    requestsPerSecond: 150,
    endpointRequestsPerSecond: 150,
    timeoutMs: 5_000,
    // The pacer's recovery after a squeeze, sped up so the test stays short (the defaults wait
    // seconds before probing upward); its decrease on 429s is the default.
    pacer: { probeAfterMs: 300, probeIntervalMs: 100, probeStepFraction: 0.1 },
    onSession: (outcome) => {
      outcomes.push(outcome);
      handled++;
    },
  });
  const after = new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
  return { key, before, after, outcomes, run, nowSeconds };
}

test(`sweep (redact and cancel, two accounts at once) under 500s, resets, lost responses and 429 bursts, seed ${SEED}`, async () => {
  const violations: string[] = [];
  const keys = [emulator.newKey(), emulator.newKey()];
  for (const key of keys) await seedAccount(key);
  await emulator.control.config({ faults: FAULTS, rateLimit: { test: 100, live: 100 }, seed: SEED });
  handled = 0;
  let over = false;
  const squeezing = squeezes(() => over);
  let results;
  try {
    results = await Promise.all([runUnderFaults("redact", keys[0]), runUnderFaults("cancel", keys[1])]);
  } finally {
    over = true;
    await squeezing;
  }
  const stats = await emulator.control.stats();
  await emulator.control.config({ faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 }, rateLimit: null });

  const numbers: Record<string, number> = { faultsInjected: stats.faults, rateLimited: stats.rateLimited };
  for (const { before, after, outcomes, run, nowSeconds } of results) {
    const action = run.action;
    // Exactly once: one outcome per matching session, none for anything else.
    const seen = new Map<string, number>();
    for (const o of outcomes) seen.set(o.id, (seen.get(o.id) ?? 0) + 1);
    for (const [id, n] of seen) if (n > 1) violations.push(`${action}: ${id} handled ${n} times`);
    let shouldAct = 0;
    let acted = 0;
    for (const [id, s] of before) {
      const was = JSON.stringify(s);
      const now = after.get(id);
      if (!now) {
        violations.push(`${action}: ${id} disappeared`);
        continue;
      }
      if (!inFilter(action, s, nowSeconds)) {
        if (seen.has(id)) violations.push(`${action}: ${id} is outside the filter but was handled`);
        if (JSON.stringify(now) !== was) violations.push(`${action}: ${id} is outside the filter but changed`);
        continue;
      }
      if (!seen.has(id)) violations.push(`${action}: ${id} matches but was never handled`);
      const decision = planSession(action, s);
      if (decision.kind === "skip") {
        if (JSON.stringify(now) !== was) violations.push(`${action}: ${id} should be skipped (${decision.reason}) but changed`);
        continue;
      }
      shouldAct++;
      const done = action === "redact" ? now.redaction !== null : now.status === "canceled" && now.redaction === null;
      if (done) acted++;
      const outcome = outcomes.find((o) => o.id === id);
      if (outcome?.result === (action === "redact" ? "redacted" : "canceled") && !done) violations.push(`${action}: ${id} reported done but is ${now.status}`);
      if (outcome?.result === "failed" && done) violations.push(`${action}: ${id} reported failed but was done`);
    }
    // The report agrees with the dump.
    const changed = [...after.values()].filter((s) => JSON.stringify(s) !== JSON.stringify(before.get(s.id))).length;
    const done = action === "redact" ? run.redacted : run.canceled;
    if (done !== acted || changed !== acted) violations.push(`${action}: report says ${done} ${action}ed, dump shows ${acted} done and ${changed} changed`);
    if (run.matched !== [...before.values()].filter((s) => inFilter(action, s, nowSeconds)).length) violations.push(`${action}: report matched ${run.matched}`);
    if (run.failed !== 0) violations.push(`${action}: ${run.failed} failed: ${JSON.stringify(run.failures.slice(0, 3))}`);
    if (!run.complete) violations.push(`${action}: stopped early: ${run.stoppedBecause}`);
    if (acted !== shouldAct) violations.push(`${action}: ${acted} of ${shouldAct} actionable sessions done`);
    Object.assign(numbers, { [`${action}Matched`]: run.matched, [`${action}Done`]: done, [`${action}Skipped`]: run.skipped, [`${action}Requests`]: run.requests, [`${action}429s`]: run.rateLimited, [`${action}Ms`]: run.elapsedMs });
  }
  report("sweep-faults", { ...numbers, violations: violations.length });
  expect(violations).toEqual([]);
  expect(stats.faults).toBeGreaterThan(20);
  expect(stats.rateLimited).toBeGreaterThan(0);
});

test("the maxSessions guard holds under the same faults: too many matches -> refused before any write", async () => {
  const key = emulator.newKey();
  await seedAccount(key);
  const before = JSON.stringify(await emulator.control.sessions(key));
  const matching = (await emulator.control.sessions(key)).filter((s) => inFilter("cancel", s, Math.floor(Date.now() / 1000))).length;
  await emulator.control.config({ faults: FAULTS, seed: SEED + 1 });
  try {
    const refused = await runBulkRedaction({ apiKey: key, apiBase: emulator.url, filter: FILTERS.cancel, action: "cancel", requestsPerSecond: 200, endpointRequestsPerSecond: 200, maxSessions: matching - 1, timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MaxSessionsExceededError);
    expect(refused).toMatchObject({ matched: matching, maxSessions: matching - 1 });
    expect(JSON.stringify(await emulator.control.sessions(key))).toBe(before);
    const allowed = await runBulkRedaction({ apiKey: key, apiBase: emulator.url, filter: FILTERS.cancel, action: "cancel", requestsPerSecond: 200, endpointRequestsPerSecond: 200, maxSessions: matching, timeoutMs: 5_000 });
    expect(allowed).toMatchObject({ matched: matching, failed: 0, complete: true });
  } finally {
    await emulator.control.config({ faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 } });
  }
});
