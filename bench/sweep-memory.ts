/**
 * Bulk-redaction memory (docs/architecture.md, "Numbers"): a sweep over 100,000 sessions peaks under 150 MB RSS
 * and grows under 20 MB from 10,000 to 100,000 sessions.
 *
 * The emulator runs in one child process (no latency, no rate limit, so the run is CPU-bound and
 * short); each sweep runs in a fresh child (the built package, plain node) that redacts every
 * seeded session and reports its peak RSS: the larger of process.resourceUsage().maxRSS and RSS
 * sampled every 50 ms. Sessions are seeded through the control API.
 *
 *   npx tsx bench/sweep-memory.ts [--sizes 10000,100000]
 *
 * Writes bench/results/sweep-memory.json. `run()` is exported for bench/run.ts.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { ensureBuilt, machine, newKey, ROOT, seedVerified, startChildEmulator, writeResult } from "./sweep-helpers";

export interface MemoryRun {
  sessions: number;
  peakRssMb: number;
  seconds: number;
  redacted: number;
  failed: number;
  requests: number;
  requestsPerSecond: number;
}

/** Runs in the sweep child: the built engine, exactly as the CLI and the provider use it. */
const CHILD = `
const { runBulkRedaction } = require(${JSON.stringify(path.join(ROOT, "dist/provider/redaction/run.js"))});
let sampled = process.memoryUsage().rss;
const timer = setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 50);
const started = performance.now();
runBulkRedaction({
  apiKey: process.env.SWEEP_KEY, apiBase: process.env.SWEEP_BASE,
  // Several statuses: one status-less pass, and a re-read before each write.
  filter: { createdBefore: "7d", clientReferenceIdPrefix: "bench-", status: ["requires_input", "verified"] }, action: "redact",
  requestsPerSecond: 100000, concurrency: 32,
}).then((report) => {
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  const peak = Math.max(sampled, process.resourceUsage().maxRSS * 1024);
  process.stdout.write(JSON.stringify({ peakRss: peak, seconds, redacted: report.redacted, failed: report.failed, requests: report.requests, complete: report.complete }));
}, (error) => { console.error(error.message); process.exit(1); });
`;

function sweepChild(url: string, key: string): Promise<{ peakRss: number; seconds: number; redacted: number; failed: number; requests: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", CHILD], { env: { PATH: process.env.PATH ?? "", SWEEP_KEY: key, SWEEP_BASE: url }, maxBuffer: 1 << 20, timeout: 180_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`sweep child failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

export interface MemoryResult {
  benchmark: "sweep-memory";
  date: string;
  machine: ReturnType<typeof machine>;
  runs: MemoryRun[];
  growthMb: number;
  targets: { peakRssMb: number; growthMb: number };
  pass: boolean;
}

export async function run(options: { sizes?: number[]; log?: (line: string) => void } = {}): Promise<MemoryResult> {
  const sizes = options.sizes ?? [10_000, 100_000];
  const log = options.log ?? ((line: string) => console.log(line));
  ensureBuilt();
  const emu = await startChildEmulator();
  const runs: MemoryRun[] = [];
  try {
    for (const sessions of sizes) {
      const key = newKey();
      await seedVerified(emu.control, key, sessions);
      const r = await sweepChild(emu.url, key);
      const entry: MemoryRun = {
        sessions,
        peakRssMb: Math.round((r.peakRss / 1024 / 1024) * 10) / 10,
        seconds: Math.round(r.seconds * 10) / 10,
        redacted: r.redacted,
        failed: r.failed,
        requests: r.requests,
        requestsPerSecond: Math.round(r.requests / r.seconds),
      };
      log(`sweep of ${sessions} sessions: peak RSS ${entry.peakRssMb} MB, ${entry.seconds} s, redacted ${entry.redacted}, failed ${entry.failed}, ${entry.requestsPerSecond} req/s`);
      runs.push(entry);
    }
  } finally {
    await emu.stop();
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  const growthMb = Math.round((last.peakRssMb - first.peakRssMb) * 10) / 10;
  const targets = { peakRssMb: 150, growthMb: 20 };
  const pass = runs.every((r) => r.peakRssMb < targets.peakRssMb && r.failed === 0 && r.redacted === r.sessions) && growthMb < targets.growthMb;
  const output: MemoryResult = { benchmark: "sweep-memory", date: new Date().toISOString(), machine: machine(), runs, growthMb, targets, pass };
  log(`growth ${first.sessions} -> ${last.sessions}: ${growthMb} MB. ${pass ? "PASS" : "FAIL"}: results in ${writeResult("sweep-memory", output)}`);
  return output;
}

if (require.main === module) {
  const i = process.argv.indexOf("--sizes");
  const sizes = i >= 0 ? process.argv[i + 1].split(",").map(Number) : undefined;
  run({ sizes }).then(
    (r) => process.exit(r.pass ? 0 : 1),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
