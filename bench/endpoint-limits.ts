/**
 * Bulk redaction under Stripe's full limiter model (issue 11; docs/architecture.md, "Numbers"): 150 ms latency,
 * 50 ms jitter, the emulator limiting each account globally and per endpoint. Side by side in one
 * run, for test limits (25 global, 25 per endpoint) and live limits (100 global, 25 per endpoint):
 *   - engine:        runBulkRedaction with its defaults (global and per-endpoint budgets)
 *   - single-bucket: the same engine paced by one bucket at the global limit (the pacer before
 *                    per-endpoint budgets: endpointRequestsPerSecond Infinity)
 *   - naive:         the SDK's list, 20 redacts in flight, 429s retried with backoff
 *   - overrun:       the engine asked for far more than the account admits (--rps 1000
 *                    --endpoint-rps 1000): it must adapt (goal: < 10% of requests answered 429,
 *                    no failures, >= 0.85 of the binding limit)
 * Efficiency is admitted requests per second on the binding limit over that limit: with test
 * limits the global one (every admitted request counts), with live limits the redact endpoint's
 * (admitted redacts). Goal: engine >= 0.95, < 1% of requests answered 429, no failures.
 *
 *   npx tsx bench/endpoint-limits.ts [--seconds 30] [--peers engine,overrun]   (a run's fixed start, the clock and the first page, is ~0.5 s of it)
 *
 * Writes bench/results/endpoint-limits.json. `run()` is exported for bench/run.ts.
 */
import { runBulkRedaction } from "../provider/redaction/run";
import { createStripeClient } from "../provider/stripe/client";
import { semaphoreSweep } from "./sweep-efficiency";
import { diff, ensureBuilt, machine, newKey, seedVerified, startChildEmulator, totals, writeResult, type ChildEmulator } from "./sweep-helpers";

type Peer = "engine" | "single-bucket" | "naive" | "overrun";
type Mode = "test" | "live";
const ALL_PEERS: readonly Peer[] = ["engine", "single-bucket", "naive", "overrun"];

export interface LimitRun {
  peer: Peer;
  mode: Mode;
  seconds: number;
  requests: number;
  rateLimited: number;
  redacted: number;
  failed: number;
  redactsPerSecond: number;
  bindingLimit: string;
  efficiency: number;
  rateLimitedShare: number;
}

const LIMITS: Record<Mode, { global: number; perEndpoint: number }> = { test: { global: 25, perEndpoint: 25 }, live: { global: 100, perEndpoint: 25 } };
const FILTER = { createdBefore: "7d", clientReferenceIdPrefix: "bench-" };
const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function once(emu: ChildEmulator, peer: Peer, mode: Mode, seconds: number): Promise<LimitRun> {
  const limits = LIMITS[mode];
  const key = newKey(mode);
  // Enough sessions for `seconds` at the binding limit (a re-read and a write each).
  const sessions = Math.round(mode === "test" ? (limits.global * seconds) / 2 : limits.perEndpoint * seconds);
  await seedVerified(emu.control, key, peer === "naive" ? sessions * 3 : sessions);
  const before = await totals(emu.control);
  const started = performance.now();
  let outcome: { redacted: number; failed: number };
  if (peer === "naive") {
    const stripe = createStripeClient({ apiKey: key, apiBase: emu.url, maxNetworkRetries: 2 });
    outcome = await semaphoreSweep(stripe, started + seconds * 1000, true);
  } else {
    const report = await runBulkRedaction({
      apiKey: key,
      apiBase: emu.url,
      allowLivemode: mode === "live",
      filter: FILTER,
      action: "redact",
      ...(peer === "single-bucket" ? { endpointRequestsPerSecond: Infinity } : {}),
      ...(peer === "overrun" ? { requestsPerSecond: 1000, endpointRequestsPerSecond: 1000 } : {}),
    });
    outcome = { redacted: report.redacted, failed: report.failed };
  }
  const elapsed = (performance.now() - started) / 1000;
  const t = diff(await totals(emu.control), before);
  const admitted = t.requests - t.rateLimited;
  const efficiency = mode === "test" ? admitted / elapsed / limits.global : outcome.redacted / elapsed / limits.perEndpoint;
  return {
    peer,
    mode,
    seconds: round(elapsed, 2),
    requests: t.requests,
    rateLimited: t.rateLimited,
    redacted: outcome.redacted,
    failed: outcome.failed,
    redactsPerSecond: round(outcome.redacted / elapsed, 2),
    bindingLimit: mode === "test" ? `global ${limits.global}/s` : `redact endpoint ${limits.perEndpoint}/s`,
    efficiency: round(efficiency),
    rateLimitedShare: round(t.rateLimited / Math.max(1, t.requests), 4),
  };
}

export async function run(options: { seconds?: number; log?: (line: string) => void } = {}): Promise<unknown> {
  const flag = process.argv.indexOf("--seconds");
  const seconds = options.seconds ?? (flag >= 0 ? Number(process.argv[flag + 1]) : 30);
  if (!(seconds > 0)) throw new Error("--seconds: expected a positive number");
  const peersFlag = process.argv.indexOf("--peers");
  const peers = (peersFlag >= 0 ? process.argv[peersFlag + 1].split(",") : ALL_PEERS) as Peer[];
  if (peers.some((peer) => !ALL_PEERS.includes(peer))) throw new Error(`--peers: expected some of ${ALL_PEERS.join(",")}`);
  const log = options.log ?? ((line: string) => console.log(line));
  ensureBuilt();
  const emu = await startChildEmulator();
  const runs: LimitRun[] = [];
  try {
    await emu.control.config({ latencyMs: 150, jitterMs: 50 });
    for (const mode of ["test", "live"] as const) {
      await emu.control.config({ rateLimit: { test: LIMITS.test.global, live: LIMITS.live.global, perEndpoint: LIMITS[mode].perEndpoint } });
      for (const peer of peers) {
        const r = await once(emu, peer, mode, seconds);
        runs.push(r);
        log(`${mode} ${peer.padEnd(13)} efficiency ${r.efficiency} on ${r.bindingLimit}, ${r.redactsPerSecond} redacts/s, ${(r.rateLimitedShare * 100).toFixed(2)}% 429s, ${r.failed} failed`);
      }
    }
  } finally {
    await emu.stop();
  }
  const engine = runs.filter((r) => r.peer === "engine");
  const overrun = runs.filter((r) => r.peer === "overrun");
  const targets = { efficiency: 0.95, rateLimitedShare: 0.01, failed: 0, overrunEfficiency: 0.85, overrunRateLimitedShare: 0.1 };
  const pass =
    engine.every((r) => r.efficiency >= targets.efficiency && r.rateLimitedShare < targets.rateLimitedShare && r.failed === 0) &&
    overrun.every((r) => r.efficiency >= targets.overrunEfficiency && r.rateLimitedShare < targets.overrunRateLimitedShare && r.failed === 0);
  const result = { benchmark: "endpoint-limits", date: new Date().toISOString(), machine: machine(), runs, targets, pass };
  log(`${pass ? "PASS" : "FAIL"}: written ${writeResult("endpoint-limits", result)}`);
  return result;
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
