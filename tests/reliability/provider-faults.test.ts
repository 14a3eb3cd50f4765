/**
 * The VerificationSession provider under injected faults (docs/architecture.md, "Invariants", issue 6 item 1):
 * 10% 500s, 5% connection resets, 5% lost responses, and bursts of 429s from a low account rate
 * limit. Every create/read/update/delete either succeeds or fails with a clear error; none reports
 * success for work that did not happen (checked against the emulator's dump); creates never
 * duplicate a session; a rerun of what failed (what Pulumi does next) finishes the job.
 */
import type { VerificationSession as ApiSession } from "../../emulator/control-client";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { bindProvider, type Bound } from "../provider/session/fixture";
import { attempt, Ledger, LONG, pool, report, SEED, type Outcome } from "./support";

const N = LONG ? 120 : 24;
const FAULTS = { errorRate: 0.1, resetRate: 0.05, lostResponseRate: 0.05 };
/**
 * Each phase starts with the account limited to this many requests per second (the bucket holds
 * one second's worth), so its N concurrent calls are a burst of 429s; the limit lifts after
 * BURST_429S refusals, so the test measures correctness rather than waiting on the limit.
 */
const RATE_LIMIT = LONG ? 25 : 6;
/** 429s per phase before the limit is lifted (the phase has N calls at once, RATE_LIMIT admitted). */
const BURST_429S = 6;
const POLICIES = ["cancel", "redact", "retain"] as const;

type Session = ApiSession;
type Policy = (typeof POLICIES)[number];

interface Resource {
  index: number;
  ref: string;
  policy: Policy;
  id?: string;
  /** What Pulumi would hold in state for it. */
  state?: Record<string, unknown>;
  /** Metadata the last successful create/update asked for. */
  metadata: Record<string, string>;
}

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ seed: SEED });
});
afterAll(() => emulator.close());

function argsOf(r: Resource, metadata: Record<string, string>): Record<string, unknown> {
  return { type: r.index % 2 === 0 ? "document" : "id_number", clientReferenceId: r.ref, metadata, deletionPolicy: r.policy, tagMetadata: false, processingTimeoutSeconds: 5 };
}

async function dump(key: string): Promise<Map<string, Session>> {
  return new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
}

/** What a delete with this policy must leave behind, for the status the session had. */
function expectedAfterDelete(policy: Policy, before: Session): { status: string; redacted: boolean } {
  const redacted = before.redaction !== null;
  if (policy === "retain" || redacted) return { status: before.status, redacted };
  if (before.status === "requires_input") return { status: "canceled", redacted: policy === "redact" };
  if (before.status === "verified") return { status: "verified", redacted: policy === "redact" };
  return { status: before.status, redacted };
}

test(`provider CRUD under 500s, resets, lost responses and 429 bursts: ${N} resources, seed ${SEED}`, async () => {
  const bound: Bound = bindProvider(emulator);
  const { provider, key } = bound;
  const ledger = new Ledger();
  const secrets = [key];
  const resources: Resource[] = Array.from({ length: N }, (_, index) => ({
    index,
    ref: `rel_${SEED}_${index}`,
    policy: POLICIES[index % 3],
    metadata: { idx: String(index) },
  }));
  let rateLimitFailures = 0;
  const tally = (outcome: Outcome<unknown>, context: string) => {
    ledger.record(outcome, context, secrets);
    if (!outcome.ok && (outcome.error as { statusCode?: number }).statusCode === 429) rateLimitFailures++;
  };

  await emulator.control.config({ faults: FAULTS, seed: SEED });
  /**
   * Runs one phase's calls, all at once, under a burst of 429s: the limit is lifted once the
   * emulator has refused BURST_429S requests of the phase (or the phase is over), whatever the
   * machine's speed, so the provider's retries must ride out the burst, never a fixed time.
   */
  const burst = async <T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> => {
    const limitedBefore = (await emulator.control.stats()).rateLimited;
    await emulator.control.config({ rateLimit: { test: RATE_LIMIT, live: RATE_LIMIT } });
    let over = false;
    const lift = (async () => {
      while (!over && (await emulator.control.stats()).rateLimited < limitedBefore + BURST_429S) await new Promise((resolve) => setImmediate(resolve));
      await emulator.control.config({ rateLimit: null });
    })();
    try {
      return await pool(items, items.length, work);
    } finally {
      over = true;
      await lift;
    }
  };

  // --- create: every resource at once (a burst well over the bucket) ---
  const creates = await burst(resources, async (r) => {
    const checked = await provider.check({}, argsOf(r, r.metadata));
    expect(checked.failures).toEqual([]);
    const outcome = await attempt(() => provider.create(checked.inputs));
    tally(outcome, `create ${r.ref}`);
    if (outcome.ok) {
      r.id = outcome.value.id;
      r.state = outcome.value.outs as Record<string, unknown>;
    }
    return outcome;
  });
  let sessions = await dump(key);
  const byRef = new Map<string, Session[]>();
  for (const s of sessions.values()) byRef.set(s.client_reference_id ?? "", [...(byRef.get(s.client_reference_id ?? "") ?? []), s]);
  let orphans = 0;
  for (const [i, r] of resources.entries()) {
    const found = byRef.get(r.ref) ?? [];
    if (found.length > 1) ledger.violation(`create ${r.ref}: ${found.length} sessions (duplicate)`);
    if (creates[i].ok) {
      const s = r.id ? sessions.get(r.id) : undefined;
      if (!s) ledger.violation(`create ${r.ref} reported ${r.id} which does not exist`);
      else if (s.client_reference_id !== r.ref || s.metadata?.idx !== String(r.index)) ledger.violation(`create ${r.ref}: stored session differs`);
    } else if (found.length > 0) orphans++;
  }
  const strangers = [...sessions.values()].filter((s) => !resources.some((r) => r.ref === s.client_reference_id));
  if (strangers.length > 0) ledger.violation(`sessions nobody asked for: ${strangers.map((s) => s.id).join(", ")}`);
  // A failed create that still made a session would be duplicated by Pulumi's next attempt.
  if (orphans > 0) ledger.violation(`${orphans} failed creates left a session behind`);

  // --- Stripe's side moves on: some get verified, some fail their checks (new client secret) ---
  const live = resources.filter((r) => r.id);
  for (const r of live) {
    if (r.index % 4 === 1 || r.index % 4 === 2) await emulator.control.transition(r.id!, "processing");
    if (r.index % 4 === 1) await emulator.control.transition(r.id!, "verified");
    if (r.index % 4 === 2) await emulator.control.transition(r.id!, "requires_input", { code: "document_expired" });
  }

  // --- read (refresh): what it reports must be what is there ---
  sessions = await dump(key);
  await burst(live, async (r) => {
    const outcome = await attempt(() => provider.read(r.id!, r.state));
    tally(outcome, `read ${r.id}`);
    if (!outcome.ok) return;
    const props = outcome.value.props as Record<string, unknown>;
    const s = sessions.get(r.id!)!;
    if (outcome.value.id !== r.id) ledger.violation(`read ${r.id}: reported id ${outcome.value.id}`);
    if (props.status !== s.status || props.clientSecret !== s.client_secret) ledger.violation(`read ${r.id}: reported ${String(props.status)} but the session is ${s.status}`);
    r.state = props;
  });

  // --- update metadata: requires_input ones must take it; others fail clearly, unchanged ---
  const before = await dump(key);
  const updates = await burst(live, async (r) => {
    const metadata = { idx: String(r.index), round: "2" };
    const outcome = await attempt(() => provider.update(r.id!, r.state, { ...argsOf(r, metadata) }));
    tally(outcome, `update ${r.id}`);
    if (outcome.ok) {
      r.state = outcome.value.outs as Record<string, unknown>;
      r.metadata = metadata;
    }
    return outcome;
  });
  sessions = await dump(key);
  let expectedRefusals = 0;
  for (const [i, r] of live.entries()) {
    const s = sessions.get(r.id!)!;
    const wasUpdatable = before.get(r.id!)!.status === "requires_input";
    if (updates[i].ok && s.metadata?.round !== "2") ledger.violation(`update ${r.id} reported success, metadata is ${JSON.stringify(s.metadata)}`);
    if (!wasUpdatable && updates[i].ok) ledger.violation(`update ${r.id} succeeded on a ${before.get(r.id!)!.status} session`);
    if (!wasUpdatable && !updates[i].ok) {
      expectedRefusals++;
      if ((updates[i] as { error: { statusCode?: number } }).error.statusCode !== 400) ledger.violation(`update ${r.id}: refused for the wrong reason`);
      if (s.metadata?.round !== undefined) ledger.violation(`update ${r.id} failed but changed the session`);
    }
  }

  // --- delete by policy: what a success claims must be what happened; nothing else touched ---
  const beforeDelete = await dump(key);
  const deletes = await burst(live, async (r) => {
    const outcome = await attempt(() => provider.delete(r.id!, r.state));
    tally(outcome, `delete ${r.id}`);
    return outcome;
  });
  sessions = await dump(key);
  for (const [i, r] of live.entries()) {
    const s = sessions.get(r.id!)!;
    const want = expectedAfterDelete(r.policy, beforeDelete.get(r.id!)!);
    if (deletes[i].ok && (s.status !== want.status || (s.redaction !== null) !== want.redacted)) {
      ledger.violation(`delete ${r.id} (${r.policy}) reported success; session is ${s.status}, redacted=${s.redaction !== null}; expected ${JSON.stringify(want)}`);
    }
    if (r.policy === "retain" && JSON.stringify(s) !== JSON.stringify(beforeDelete.get(r.id!))) ledger.violation(`delete ${r.id} (retain) touched the session`);
  }

  const stats = await emulator.control.stats();
  // --- what Pulumi does next: rerun what failed, faults off; everything must converge ---
  await emulator.control.config({ faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 }, rateLimit: null });
  for (const [i, r] of resources.entries()) {
    if (!creates[i].ok) {
      const checked = await provider.check({}, argsOf(r, r.metadata));
      const created = await provider.create(checked.inputs);
      r.id = created.id;
      r.state = created.outs as Record<string, unknown>;
      const read = await provider.read(r.id, r.state);
      r.state = read.props as Record<string, unknown>;
    }
  }
  for (const r of resources) await provider.delete(r.id!, r.state);
  const final = await dump(key);
  expect(final.size).toBe(N);
  for (const r of resources) {
    const s = final.get(r.id!)!;
    const redacted = s.redaction !== null;
    if (r.policy === "retain") expect(s.status === "canceled" && !redacted).toBe(false);
    if (r.policy === "cancel") expect(s.status === "canceled" || s.status === "verified").toBe(true);
    if (r.policy === "redact") expect(redacted).toBe(true);
  }

  report("provider-faults", {
    resources: N,
    operations: ledger.operations,
    failures: ledger.failures,
    expectedRefusals,
    rateLimitFailures,
    faultsInjected: stats.faults,
    rateLimited: stats.rateLimited,
    requests: Object.values(stats.requests).reduce((a, b) => a + b, 0),
    violations: ledger.violations.length,
  });
  expect(ledger.violations).toEqual([]);
  expect(stats.faults).toBeGreaterThan(0);
  expect(stats.rateLimited).toBeGreaterThan(0);
  // Faults may fail an operation (clearly); a 429 never should: it means "nothing happened, wait".
  expect(rateLimitFailures).toBe(0);
  // Only the updates Stripe refuses by status may fail for a non-transient reason.
  expect(ledger.failures - expectedRefusals).toBeLessThanOrEqual(Math.ceil(ledger.operations * 0.02));
});
