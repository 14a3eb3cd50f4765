/**
 * What the re-read before each write costs (issue 10): the same redact sweep with and without it,
 * side by side in one run, on the same emulator settings (150 ms latency, Stripe's limits: test 25
 * req/s; live 100 req/s), reported as sessions redacted per second and their ratio.
 *
 * Without per-endpoint limits the account's global budget binds: a read and a write per session
 * halve sessions/s at the test limit, and cost nothing at the live limit while the writes alone
 * would not fill it.
 *
 *   npx tsx bench/fresh-reads.ts [--seconds 10]
 *
 * Writes bench/results/fresh-reads.json. `run()` is exported for bench/run.ts.
 */
import { runBulkRedaction } from "../provider/redaction/run";
import { ensureBuilt, machine, newKey, seedVerified, startChildEmulator, writeResult, type ChildEmulator } from "./sweep-helpers";

export interface FreshReadsRun {
  mode: "test" | "live";
  limit: number;
  freshReads: boolean;
  sessions: number;
  seconds: number;
  sessionsPerSecond: number;
  requests: number;
  rateLimited: number;
  failed: number;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function sweepOnce(emu: ChildEmulator, mode: "test" | "live", limit: number, freshReads: boolean, sessions: number): Promise<FreshReadsRun> {
  const key = newKey(mode);
  await seedVerified(emu.control, key, sessions);
  const started = performance.now();
  const report = await runBulkRedaction({
    apiKey: key,
    apiBase: emu.url,
    allowLivemode: mode === "live",
    filter: { createdBefore: "7d", clientReferenceIdPrefix: "bench-" },
    action: "redact",
    freshReads,
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    mode,
    limit,
    freshReads,
    sessions,
    seconds: round(seconds),
    sessionsPerSecond: round(report.redacted / seconds),
    requests: report.requests,
    rateLimited: report.rateLimited,
    failed: report.failed,
  };
}

export async function run(options: { seconds?: number; log?: (line: string) => void } = {}): Promise<unknown> {
  const flag = process.argv.indexOf("--seconds");
  const seconds = options.seconds ?? (flag >= 0 ? Number(process.argv[flag + 1]) : 10);
  if (!(seconds > 0)) throw new Error("--seconds: expected a positive number");
  const log = options.log ?? ((line: string) => console.log(line));
  ensureBuilt();
  const emu = await startChildEmulator();
  const runs: FreshReadsRun[] = [];
  try {
    await emu.control.config({ latencyMs: 150, jitterMs: 50, rateLimit: { test: 25, live: 100 } });
    for (const [mode, limit] of [["test", 25], ["live", 100]] as const) {
      for (const freshReads of [true, false]) {
        const r = await sweepOnce(emu, mode, limit, freshReads, Math.round((limit * seconds) / 2));
        runs.push(r);
        log(`${mode} (${limit} req/s) ${freshReads ? "with re-reads   " : "without re-reads"}: ${r.sessionsPerSecond} sessions/s, ${r.requests} requests, ${r.rateLimited} answered 429, ${r.failed} failed`);
      }
    }
  } finally {
    await emu.stop();
  }
  const ratio = (mode: string): number => {
    const [withReads, without] = [true, false].map((f) => runs.find((r) => r.mode === mode && r.freshReads === f)!);
    return round(withReads.sessionsPerSecond / without.sessionsPerSecond, 3);
  };
  const result = { benchmark: "fresh-reads", date: new Date().toISOString(), machine: machine(), runs, ratioWithToWithout: { test: ratio("test"), live: ratio("live") } };
  log(`with/without re-reads: test ${result.ratioWithToWithout.test}, live ${result.ratioWithToWithout.live}`);
  log(`written: ${writeResult("fresh-reads", result)}`);
  return result;
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
