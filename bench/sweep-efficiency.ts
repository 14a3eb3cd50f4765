/**
 * Bulk-redaction efficiency (docs/architecture.md, "Numbers"): API requests per second (lists and writes, counted
 * by the emulator) over the account's rate limit, with 150 ms latency and 50 ms jitter, at limits
 * 25 and 100 req/s. Side by side in the same run, against the same emulator:
 *   - engine:             runBulkRedaction at --rps = the limit (the pacer, adaptive)
 *   - sequential:         `for await` over the SDK's auto-pagination, one redact at a time
 *   - semaphore-20:       the same listing, 20 redacts in flight, SDK defaults (429s fail)
 *   - semaphore-20-retry: the same, retrying 429s with the package's backoff
 * and the adaptation case: the engine at --rps 100 against a 25 req/s account.
 *
 * Efficiency counts admitted requests (not answered 429): requests / elapsed / limit. The emulator
 * runs in a child process; this process runs the clients.
 *
 *   npx tsx bench/sweep-efficiency.ts [--seconds 24]
 *
 * Writes bench/results/sweep-efficiency.json. `run()` is exported for bench/run.ts.
 */
import type Stripe from "stripe";
import { runBulkRedaction } from "../provider/redaction/run";
import { createStripeClient } from "../provider/stripe/client";
import { backoffDelay } from "../provider/stripe/backoff";
import { isRateLimited } from "../provider/stripe/errors";
import { diff, ensureBuilt, machine, newKey, seedVerified, startChildEmulator, totals, writeResult, type ChildEmulator } from "./sweep-helpers";

type Peer = "engine" | "sequential" | "semaphore-20" | "semaphore-20-retry";

export interface ScenarioResult {
  peer: Peer;
  limit: number;
  configuredRps?: number;
  seconds: number;
  requests: number;
  rateLimited: number;
  admittedPerSecond: number;
  efficiency: number;
  rateLimitedShare: number;
  redacted: number;
  failed: number;
  /** Peers: why the run ended before the deadline. */
  stoppedBecause?: string;
}

const FILTER = { createdBefore: "7d", clientReferenceIdPrefix: "bench-" };
const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

function result(peer: Peer, limit: number, seconds: number, t: { requests: number; rateLimited: number }, redacted: number, failed: number, configuredRps?: number): ScenarioResult {
  const admitted = t.requests - t.rateLimited;
  return {
    peer,
    limit,
    ...(configuredRps !== undefined ? { configuredRps } : {}),
    seconds: round(seconds, 2),
    requests: t.requests,
    rateLimited: t.rateLimited,
    admittedPerSecond: round(admitted / seconds, 2),
    efficiency: round(admitted / seconds / limit),
    rateLimitedShare: round(t.rateLimited / Math.max(1, t.requests), 4),
    redacted,
    failed,
  };
}

async function account(emu: ChildEmulator, limit: number, sessions: number): Promise<string> {
  const key = newKey();
  await emu.control.config({ rateLimit: { test: limit, live: limit } });
  await seedVerified(emu.control, key, sessions);
  // Let the new account's bucket (made on its first request) start full, as a quiet account's would.
  return key;
}

/** `endpointRps`: the per-endpoint cap the user set; undefined keeps the engine's default (25). */
async function engine(emu: ChildEmulator, limit: number, rps: number, seconds: number, endpointRps?: number): Promise<ScenarioResult> {
  const key = await account(emu, limit, Math.round(limit * seconds));
  const before = await totals(emu.control);
  const started = performance.now();
  const report = await runBulkRedaction({ apiKey: key, apiBase: emu.url, filter: FILTER, action: "redact", requestsPerSecond: rps, ...(endpointRps !== undefined ? { endpointRequestsPerSecond: endpointRps } : {}) });
  const elapsed = (performance.now() - started) / 1000;
  return result("engine", limit, elapsed, diff(await totals(emu.control), before), report.redacted, report.failed, rps);
}

function client(emu: ChildEmulator, key: string): Stripe {
  // SDK defaults: 2 network retries (connection errors, 409, 5xx; not 429).
  return createStripeClient({ apiKey: key, apiBase: emu.url, maxNetworkRetries: 2 });
}

async function sequential(emu: ChildEmulator, limit: number, seconds: number): Promise<ScenarioResult> {
  const key = await account(emu, limit, 400);
  const stripe = client(emu, key);
  const before = await totals(emu.control);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let redacted = 0;
  let failed = 0;
  for await (const session of stripe.identity.verificationSessions.list({ limit: 100 })) {
    if (performance.now() > deadline) break;
    if (session.redaction) continue;
    try {
      await stripe.identity.verificationSessions.redact(session.id);
      redacted++;
    } catch {
      failed++;
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  return result("sequential", limit, elapsed, diff(await totals(emu.control), before), redacted, failed);
}

/** Pages by hand so a 429 on a list call can be retried (the SDK's iterator would just throw). */
async function* pagesRetrying429(stripe: Stripe): AsyncGenerator<Stripe.Identity.VerificationSession> {
  let startingAfter: string | undefined;
  for (;;) {
    let page: Stripe.ApiList<Stripe.Identity.VerificationSession> | undefined;
    for (let attempt = 1; !page; attempt++) {
      try {
        page = await stripe.identity.verificationSessions.list({ limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) });
      } catch (error) {
        if (!isRateLimited(error) || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt)));
      }
    }
    yield* page.data;
    if (!page.has_more || page.data.length === 0) return;
    startingAfter = page.data[page.data.length - 1].id;
  }
}

/**
 * The naive peer: the SDK's listing, 20 redacts in flight until `deadline`, SDK defaults; with
 * `retry429`, 429s retried with the package's backoff (lists and writes). Shared with
 * bench/endpoint-limits.ts.
 */
export async function semaphoreSweep(stripe: Stripe, deadline: number, retry429: boolean): Promise<{ redacted: number; failed: number; stoppedBecause?: string }> {
  let redacted = 0;
  let failed = 0;
  let stoppedBecause: string | undefined;
  const inFlight = new Set<Promise<void>>();
  const redact = async (id: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await stripe.identity.verificationSessions.redact(id);
        redacted++;
        return;
      } catch (error) {
        if (!retry429 || !isRateLimited(error) || attempt >= 10) {
          failed++;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt)));
      }
    }
  };
  const sessions = retry429 ? pagesRetrying429(stripe) : stripe.identity.verificationSessions.list({ limit: 100 });
  try {
    for await (const session of sessions) {
      if (performance.now() > deadline) break;
      if (session.redaction) continue;
      const task: Promise<void> = redact(session.id).finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= 20) await Promise.race(inFlight);
    }
  } catch (error) {
    // The SDK's iterator throws on a 429 from a list call: the run ends there.
    stoppedBecause = `listing failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  await Promise.all(inFlight);
  return { redacted, failed, ...(stoppedBecause ? { stoppedBecause } : {}) };
}

async function semaphore(emu: ChildEmulator, limit: number, seconds: number, retry429: boolean): Promise<ScenarioResult & { stoppedBecause?: string }> {
  const key = await account(emu, limit, 3000);
  const stripe = client(emu, key);
  const before = await totals(emu.control);
  const started = performance.now();
  const { redacted, failed, stoppedBecause } = await semaphoreSweep(stripe, started + seconds * 1000, retry429);
  // A run that died early is measured over the window it had, not over its first half-second.
  const elapsed = Math.max(seconds, (performance.now() - started) / 1000);
  const r = result(retry429 ? "semaphore-20-retry" : "semaphore-20", limit, elapsed, diff(await totals(emu.control), before), redacted, failed);
  return stoppedBecause ? { ...r, stoppedBecause } : r;
}

export interface EfficiencyResult {
  benchmark: "sweep-efficiency";
  date: string;
  machine: ReturnType<typeof machine>;
  latencyMs: number;
  jitterMs: number;
  scenarios: ScenarioResult[];
  adaptation: ScenarioResult;
  targets: { efficiency: number; rateLimitedShare: number; adaptationEfficiency: number; adaptationRateLimitedShare: number };
  pass: boolean;
}

export async function run(options: { seconds?: number; peerSeconds?: number; log?: (line: string) => void } = {}): Promise<EfficiencyResult> {
  const seconds = options.seconds ?? 24;
  const peerSeconds = options.peerSeconds ?? 12;
  const log = options.log ?? ((line: string) => console.log(line));
  ensureBuilt();
  const emu = await startChildEmulator(["--latency", "150", "--jitter", "50"]);
  const show = (r: ScenarioResult): void =>
    log(
      `${r.peer.padEnd(19)} limit ${String(r.limit).padStart(3)}${r.configuredRps !== undefined ? ` rps ${r.configuredRps}` : ""}: ` +
        `${r.admittedPerSecond} admitted req/s, efficiency ${r.efficiency}, 429s ${(r.rateLimitedShare * 100).toFixed(2)}%, ` +
        `redacted ${r.redacted}, failed ${r.failed}, ${r.seconds} s${r.stoppedBecause ? ` (${r.stoppedBecause})` : ""}`,
    );
  const scenarios: ScenarioResult[] = [];
  let adaptation: ScenarioResult;
  try {
    for (const limit of [25, 100]) {
      for (const scenario of [
        // The account has a global limit only (bench/endpoint-limits.ts has per-endpoint ones), so
        // its user lets each endpoint use the whole limit (--endpoint-rps = --rps).
        () => engine(emu, limit, limit, seconds, limit),
        () => sequential(emu, limit, peerSeconds),
        () => semaphore(emu, limit, peerSeconds, false),
        () => semaphore(emu, limit, peerSeconds, true),
      ]) {
        const r = await scenario();
        show(r);
        scenarios.push(r);
      }
    }
    // A user who only raised --rps above the account's limit: endpoint budgets at their default.
    adaptation = await engine(emu, 25, 100, seconds);
    show(adaptation);
  } finally {
    await emu.stop();
  }
  const targets = { efficiency: 0.95, rateLimitedShare: 0.01, adaptationEfficiency: 0.85, adaptationRateLimitedShare: 0.1 };
  const engines = scenarios.filter((s) => s.peer === "engine");
  const pass =
    engines.every((s) => s.efficiency >= targets.efficiency && s.rateLimitedShare < targets.rateLimitedShare && s.failed === 0) &&
    adaptation.efficiency >= targets.adaptationEfficiency &&
    adaptation.rateLimitedShare < targets.adaptationRateLimitedShare &&
    adaptation.failed === 0;
  const output: EfficiencyResult = {
    benchmark: "sweep-efficiency",
    date: new Date().toISOString(),
    machine: machine(),
    latencyMs: 150,
    jitterMs: 50,
    scenarios,
    adaptation,
    targets,
    pass,
  };
  log(`${pass ? "PASS" : "FAIL"}: results in ${writeResult("sweep-efficiency", output)}`);
  return output;
}

if (require.main === module) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  run({ seconds: arg("--seconds"), peerSeconds: arg("--peer-seconds") }).then(
    (r) => process.exit(r.pass ? 0 : 1),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
