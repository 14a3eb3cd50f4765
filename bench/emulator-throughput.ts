/**
 * Emulator throughput with latency off: the emulator runs in a child process (the built bin, or
 * the TypeScript source through tsx when dist/ is missing); this process is the load generator
 * (keep-alive agent, ~64 requests in flight, raw HTTP). Measures create and retrieve req/s.
 *
 *   npx tsx bench/emulator-throughput.ts [--seconds 10] [--concurrency 64]
 *
 * Writes bench/results/emulator-throughput.json. `run()` is exported for bench/run.ts.
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

export interface ThroughputOptions {
  /** Seconds per measured phase (default 10). */
  seconds?: number;
  /** Requests in flight (default 64). */
  concurrency?: number;
  /** Upper bound of requests per phase (default 200,000). */
  maxRequests?: number;
  /** Where to write the JSON (default bench/results/emulator-throughput.json; null = don't). */
  output?: string | null;
  log?: (line: string) => void;
}

export interface PhaseResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface ThroughputResult {
  benchmark: "emulator-throughput";
  date: string;
  machine: { cpus: number; model: string; node: string };
  emulator: "dist" | "tsx";
  concurrency: number;
  create: PhaseResult;
  retrieve: PhaseResult;
  threshold: number;
  pass: boolean;
}

const ROOT = path.resolve(__dirname, "..");
const KEY = "sk_test_benchthroughput0001";
const AUTH = `Bearer ${KEY}`;
const CREATE_BODY = "type=document&metadata[bench]=throughput&options[document][allowed_types][0]=passport";

/** The built emulator, unless any source file is newer than its build (then the source, via tsx). */
function distIsCurrent(): boolean {
  const src = path.join(ROOT, "emulator");
  return readdirSync(src)
    .filter((f) => f.endsWith(".ts"))
    .every((f) => {
      const built = path.join(ROOT, "dist/emulator", f.replace(/\.ts$/, ".js"));
      return existsSync(built) && statSync(built).mtimeMs >= statSync(path.join(src, f)).mtimeMs;
    });
}

function startChild(): Promise<{ child: ChildProcess; url: string; mode: "dist" | "tsx" }> {
  const dist = path.join(ROOT, "dist/emulator/bin.js");
  const mode = distIsCurrent() ? "dist" : "tsx";
  const args = mode === "dist" ? [dist] : ["--import", "tsx", path.join(ROOT, "emulator/bin.ts")];
  const child = spawn(process.execPath, [...args, "--port", "0", "--quiet"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("emulator did not start within 20 s")), 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], mode });
      }
    });
    child.once("exit", (code) => reject(new Error(`emulator exited early (code ${code})`)));
  });
}

interface Request {
  method: "GET" | "POST";
  path: string;
  body?: string;
  idempotencyKey?: string;
}

function send(agent: http.Agent, base: URL, req: Request): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { Authorization: AUTH };
    if (req.body !== undefined) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      headers["Content-Length"] = Buffer.byteLength(req.body);
    }
    if (req.idempotencyKey) headers["Idempotency-Key"] = req.idempotencyKey;
    const r = http.request(
      { agent, host: base.hostname, port: base.port, method: req.method, path: req.path, headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    r.on("error", reject);
    r.end(req.body);
  });
}

/** Runs `next()` requests from `concurrency` loops until the time or count budget is spent. */
async function phase(
  agent: http.Agent, base: URL, opts: Required<Pick<ThroughputOptions, "seconds" | "concurrency" | "maxRequests">>,
  next: (i: number) => Request, onBody?: (body: string) => void,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline && issued < opts.maxRequests) {
      const i = issued++;
      const t0 = performance.now();
      try {
        const res = await send(agent, base, next(i));
        if (res.status !== 200) errors++;
        else onBody?.(res.body);
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(2));
  return {
    requests: latencies.length,
    errors,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
  };
}

export async function run(options: ThroughputOptions = {}): Promise<ThroughputResult> {
  const opts = { seconds: options.seconds ?? 10, concurrency: options.concurrency ?? 64, maxRequests: options.maxRequests ?? 200_000 };
  const log = options.log ?? ((line: string) => console.log(line));
  const { child, url, mode } = await startChild();
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  try {
    const ids: string[] = [];
    const create = (i: number): Request => ({
      method: "POST",
      path: "/v1/identity/verification_sessions",
      body: CREATE_BODY,
      idempotencyKey: `bench-${process.pid}-${Date.now()}-${i}`,
    });
    log(`emulator (${mode}) at ${url}; warming up`);
    await phase(agent, base, { ...opts, seconds: 1 }, create, (body) => ids.push((JSON.parse(body) as { id: string }).id));
    log(`create: ${opts.seconds} s at concurrency ${opts.concurrency}`);
    const createResult = await phase(agent, base, opts, (i) => create(i + 1e9));
    log(`  ${createResult.requestsPerSecond} req/s (${createResult.requests} requests, ${createResult.errors} errors)`);
    log(`retrieve: ${opts.seconds} s at concurrency ${opts.concurrency}`);
    const retrieveResult = await phase(agent, base, opts, (i) => ({
      method: "GET",
      path: `/v1/identity/verification_sessions/${ids[i % ids.length]}`,
    }));
    log(`  ${retrieveResult.requestsPerSecond} req/s (${retrieveResult.requests} requests, ${retrieveResult.errors} errors)`);
    const threshold = 3000;
    const result: ThroughputResult = {
      benchmark: "emulator-throughput",
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", node: process.version },
      emulator: mode,
      concurrency: opts.concurrency,
      create: createResult,
      retrieve: retrieveResult,
      threshold,
      pass: createResult.requestsPerSecond >= threshold && retrieveResult.requestsPerSecond >= threshold &&
        createResult.errors === 0 && retrieveResult.errors === 0,
    };
    const output = options.output === undefined ? path.join(ROOT, "bench/results/emulator-throughput.json") : options.output;
    if (output) {
      mkdirSync(path.dirname(output), { recursive: true });
      writeFileSync(output, `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${path.relative(ROOT, output)}`);
    }
    return result;
  } finally {
    agent.destroy();
    child.kill("SIGTERM");
  }
}

function flag(name: string): number | undefined {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${name} must be a positive number`);
    process.exit(2);
  }
  return value;
}

if (require.main === module) {
  run({ seconds: flag("--seconds"), concurrency: flag("--concurrency") }).then(
    (result) => {
      console.log(JSON.stringify({ create: result.create.requestsPerSecond, retrieve: result.retrieve.requestsPerSecond, pass: result.pass }));
      process.exit(result.pass ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
