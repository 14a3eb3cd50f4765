/**
 * Redaction Jobs against per-session redaction (issue 22), at Stripe's documented limits with
 * 150 ms latency: the emulator (a child process, the built bin) runs live-mode limits (100 req/s
 * global, 25 per endpoint) and models Stripe's side of a job at a STATED ASSUMPTION of
 * 1,000 sessions/s (Stripe publishes no job speed) and 10,000 objects a job (no published maximum).
 *
 * * jobs: 100,000 sessions by `--strategy jobs`: wall time, requests per session redacted
 *   (all, and besides the listing, the goal being < 0.05), 429s.
 * * per-session: the same engine's default strategy. Its rate is bound by the redact endpoint's
 *   25/s, so it is run on `--per-session-sessions` (default 3,000) and its wall time is scaled
 *   linearly to 100,000 (the scaling is reported as such, never as a measurement).
 * * memory: a jobs run over `--memory-sessions` (default 1,000,000) with no latency or limits (so
 *   it is CPU-bound and short) and a fast job speed: peak RSS of the engine's process, the larger of
 *   process.resourceUsage().maxRSS and RSS sampled every 50 ms (goal < 200 MB).
 *
 * Each run is a fresh child process running the built engine exactly as the CLI does.
 *
 *   npx tsx bench/redaction-jobs.ts [--jobs-sessions 100000] [--per-session-sessions 3000] [--memory-sessions 1000000]
 *
 * Writes bench/results/redaction-jobs.json. `run()` is exported for bench/run.ts.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { ensureBuilt, machine, newKey, ROOT, seedVerified, startChildEmulator, totals, diff, writeResult, type ChildEmulator } from "./sweep-helpers";

/** The stated assumption: how fast Stripe's side validates and redacts a job's sessions. */
export const ASSUMED_JOB_SPEED = 1_000;
const LIMITS = ["--rate-limit", "25,100", "--per-endpoint-limit", "25", "--latency", "150"];
const LIST_ROUTE = "GET /v1/identity/verification_sessions";

const CHILD = `
const { runBulkRedaction } = require(${JSON.stringify(path.join(ROOT, "dist/provider/redaction/run.js"))});
let sampled = process.memoryUsage().rss;
const timer = setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 50);
const started = performance.now();
const fast = process.env.SWEEP_FAST === "1";
runBulkRedaction({
  apiKey: process.env.SWEEP_KEY, apiBase: process.env.SWEEP_BASE, allowLivemode: true,
  filter: { createdBefore: "7d", clientReferenceIdPrefix: "bench-" }, action: "redact",
  strategy: process.env.SWEEP_STRATEGY,
  ...(fast ? { requestsPerSecond: 100000, endpointRequestsPerSecond: 100000 } : {}),
  jobSettings: { pollFirstMs: fast ? 50 : 1000, pollMaxMs: fast ? 200 : 5000 },
}).then((report) => {
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  const peak = Math.max(sampled, process.resourceUsage().maxRSS * 1024);
  const { matched, redacted, failed, skipped, requests, rateLimited, complete, jobs } = report;
  process.stdout.write(JSON.stringify({ peakRss: peak, seconds, matched, redacted, failed, skipped, requests, rateLimited, complete, jobs }));
}, (error) => { console.error(error.message); process.exit(1); });
`;

interface ChildReport {
  peakRss: number;
  seconds: number;
  matched: number;
  redacted: number;
  failed: number;
  skipped: number;
  requests: number;
  rateLimited: number;
  complete: boolean;
  jobs?: { created: number; run: number; succeeded: number; stillRunning: string[] };
}

function sweepChild(url: string, key: string, strategy: "per-session" | "jobs", fast: boolean): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? "", SWEEP_KEY: key, SWEEP_BASE: url, SWEEP_STRATEGY: strategy, SWEEP_FAST: fast ? "1" : "0" };
    execFile(process.execPath, ["-e", CHILD], { env, maxBuffer: 1 << 20, timeout: 3 * 3600_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`sweep child failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as ChildReport);
    });
  });
}

export interface StrategyRun {
  strategy: "per-session" | "jobs";
  sessions: number;
  seconds: number;
  /** Wall time at 100,000 sessions: measured for jobs, scaled linearly for per-session. */
  secondsAt100k: number;
  scaled: boolean;
  redacted: number;
  failed: number;
  requests: number;
  listRequests: number;
  requestsPerSessionRedacted: number;
  requestsPerSessionBesidesListing: number;
  rateLimited: number;
  jobs?: ChildReport["jobs"];
}

async function measured(emu: ChildEmulator, strategy: "per-session" | "jobs", sessions: number): Promise<StrategyRun> {
  const key = newKey("live");
  await seedVerified(emu.control, key, sessions);
  const before = await emu.control.stats();
  const beforeTotals = await totals(emu.control);
  const r = await sweepChild(emu.url, key, strategy, false);
  const after = await emu.control.stats();
  const served = diff(await totals(emu.control), beforeTotals);
  const listRequests = (after.requests[LIST_ROUTE] ?? 0) - (before.requests[LIST_ROUTE] ?? 0);
  const perSession = (n: number): number => Math.round((n / Math.max(1, r.redacted)) * 10_000) / 10_000;
  return {
    strategy,
    sessions,
    seconds: Math.round(r.seconds * 10) / 10,
    secondsAt100k: Math.round((r.seconds * 100_000) / sessions),
    scaled: sessions !== 100_000,
    redacted: r.redacted,
    failed: r.failed,
    requests: served.requests,
    listRequests,
    requestsPerSessionRedacted: perSession(served.requests),
    requestsPerSessionBesidesListing: perSession(served.requests - listRequests),
    rateLimited: served.rateLimited,
    ...(r.jobs ? { jobs: r.jobs } : {}),
  };
}

export interface RedactionJobsResult {
  benchmark: "redaction-jobs";
  date: string;
  machine: ReturnType<typeof machine>;
  assumptions: { jobSessionsPerSecond: number; maxObjectsPerJob: number; latencyMs: number; limits: string };
  runs: StrategyRun[];
  speedup: number;
  memory?: { sessions: number; peakRssMb: number; seconds: number; redacted: number; jobs?: ChildReport["jobs"] };
  targets: { requestsPerSessionBesidesListing: number; peakRssMb: number };
  pass: boolean;
}

export async function run(options: { jobsSessions?: number; perSessionSessions?: number; memorySessions?: number; log?: (line: string) => void } = {}): Promise<RedactionJobsResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  ensureBuilt();
  const runs: StrategyRun[] = [];
  const limited = await startChildEmulator(LIMITS);
  try {
    await limited.control.config({ redactionJobs: { sessionsPerSecond: ASSUMED_JOB_SPEED, maxObjects: 10_000 } });
    for (const [strategy, sessions] of [["jobs", options.jobsSessions ?? 100_000], ["per-session", options.perSessionSessions ?? 3_000]] as const) {
      const entry = await measured(limited, strategy, sessions);
      runs.push(entry);
      log(`${strategy.padEnd(11)} ${String(sessions).padStart(7)} sessions: ${entry.seconds} s (${entry.secondsAt100k} s at 100k${entry.scaled ? ", scaled" : ""}), ${entry.requestsPerSessionRedacted} req/session, ${entry.requestsPerSessionBesidesListing} besides listing, ${entry.rateLimited} 429s, failed ${entry.failed}`);
    }
  } finally {
    await limited.stop();
  }
  let memory: RedactionJobsResult["memory"];
  const memorySessions = options.memorySessions ?? 1_000_000;
  if (memorySessions > 0) {
    const open = await startChildEmulator();
    try {
      await open.control.config({ redactionJobs: { sessionsPerSecond: 1_000_000, maxObjects: 10_000 } });
      const key = newKey("live");
      await seedVerified(open.control, key, memorySessions, 50_000);
      const r = await sweepChild(open.url, key, "jobs", true);
      memory = { sessions: memorySessions, peakRssMb: Math.round((r.peakRss / 1024 / 1024) * 10) / 10, seconds: Math.round(r.seconds), redacted: r.redacted, ...(r.jobs ? { jobs: r.jobs } : {}) };
      log(`memory: jobs run over ${memorySessions} sessions: peak RSS ${memory.peakRssMb} MB, ${memory.seconds} s, redacted ${memory.redacted}`);
    } finally {
      await open.stop();
    }
  }
  const jobs = runs.find((r) => r.strategy === "jobs")!;
  const perSession = runs.find((r) => r.strategy === "per-session")!;
  const speedup = Math.round((perSession.secondsAt100k / Math.max(1, jobs.secondsAt100k)) * 10) / 10;
  const targets = { requestsPerSessionBesidesListing: 0.05, peakRssMb: 200 };
  const result: RedactionJobsResult = {
    benchmark: "redaction-jobs",
    date: new Date().toISOString(),
    machine: machine(),
    assumptions: { jobSessionsPerSecond: ASSUMED_JOB_SPEED, maxObjectsPerJob: 10_000, latencyMs: 150, limits: "live: 100 req/s global, 25 req/s per endpoint" },
    runs,
    speedup,
    ...(memory ? { memory } : {}),
    targets,
    pass: jobs.requestsPerSessionBesidesListing < targets.requestsPerSessionBesidesListing && jobs.failed === 0 && (memory === undefined || memory.peakRssMb < targets.peakRssMb),
  };
  log(`jobs vs per-session at 100k: ${speedup}x faster; results: ${writeResult("redaction-jobs", result)}`);
  return result;
}

if (require.main === module) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  run({ jobsSessions: arg("--jobs-sessions"), perSessionSessions: arg("--per-session-sessions"), memorySessions: arg("--memory-sessions") }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
