/**
 * Fuzzing the sweep CLI's argument parser (issue 6 item 3; docs/architecture.md, "CLI contract"): random and nearly valid
 * argv vectors and environments into `parseArgs`, which is pure. It returns options, help, or a
 * usage error naming the flag, and never throws; options it returns are safe to run (a bounded
 * filter, the key from STRIPE_API_KEY only, numbers a run can live with); no message carries the
 * key. A few vectors also go through the built binary: exit 2, one line, no stack trace.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import fc from "fast-check";
import { parseArgs, type ParseResult } from "../../cli/args";
import { boundProblem } from "../../provider/redaction/filter";
import { requireBuilt } from "./processes";
import { findSecret, LONG, report, SEED } from "./support";

const RUNS = LONG ? 20_000 : 3_000;
const KEY = "sk_test_cliFuzzSecretKey0123456789";
const BIN = path.resolve(__dirname, "..", "..", "dist", "cli", "bin.js");
/** More requests in flight than this is never useful against Stripe, and 1e8 workers exhaust memory. */
const MAX_SANE_CONCURRENCY = 10_000;

const FLAGS = [
  "--status", "--created-before", "--created-after", "--client-reference-id", "--client-reference-id-prefix",
  "--related-customer", "--type", "--metadata", "--exclude-ids", "--action", "--dry-run", "--yes", "--json",
  "--max-sessions", "--allow-livemode", "--rps", "--concurrency", "--api-base", "--help", "-h",
];
const value = fc.oneof(
  fc.constantFrom(
    "7d", "12h", "2026-01-01", "2026-13-01", "requires_input,verified", "verified", "requires_input,,", "bogus", "document", "id_number",
    "redact", "cancel", "delete", "team=kyc", "=x", "k=", "ids.txt", "missing.txt", "vs_1,vs_2", "vs_1,,vs_2", "0", "1", "25", "-1",
    "1.5", "10001", "1e3", "99999999999999999999", "100000000", "http://127.0.0.1:1", "ftp://x", "not a url", "", " ", "--yes", KEY,
  ),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -10, max: 100_000 }).map(String),
);
const token = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...FLAGS), value).map(([flag, v]) => [flag, v]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...FLAGS), value).map(([flag, v]) => [`${flag}=${v}`]) },
  { weight: 2, arbitrary: fc.constantFrom(...FLAGS).map((flag) => [flag]) },
  { weight: 1, arbitrary: fc.constantFrom("--api-key", `--api-key=${KEY}`, "--key", "--secret-key", "--", "-", "-x", "--unknown", "positional", `--${KEY}`, "--status=", "—yes").map((t) => [t]) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map((t) => [t]) },
);
/** A valid run to start from, then random tokens: most vectors get past the first flag. */
const validBase = fc.constantFrom(
  ["--created-before", "7d"],
  ["--metadata", "team=kyc", "--status", "requires_input,verified"],
  ["--client-reference-id-prefix", "user_", "--action", "cancel", "--yes", "--json"],
  ["--created-after", "2026-01-01", "--exclude-ids", "ids.txt", "--rps", "50", "--concurrency", "8"],
);
const argv = fc.oneof(
  fc.array(token, { maxLength: 8 }).map((parts) => parts.flat()),
  fc.tuple(validBase, fc.array(token, { maxLength: 2 })).map(([base, parts]) => [...base, ...parts.flat()]),
);
const env = fc.record(
  {
    STRIPE_API_KEY: fc.constantFrom(KEY, KEY, KEY, "sk_live_cliFuzzLiveKey0123456789", "", "not-a-key-secret-value"),
    STRIPE_API_BASE: fc.constantFrom("http://127.0.0.1:12111", "nope", ""),
    STRIPE_IDENTITY_ALLOW_LIVEMODE: fc.constantFrom("true", "false", "yes", ""),
  },
  { requiredKeys: [] },
);
const readFile = (file: string): string | undefined => (file === "ids.txt" ? "vs_a\nvs_b\n" : undefined);

/** What is wrong with one result, or undefined. */
function problemWith(result: ParseResult, args: string[], environment: Record<string, string>): string | undefined {
  const secrets = [KEY, "sk_live_cliFuzzLiveKey0123456789", "not-a-key-secret-value"];
  if (result.kind === "help") return result.text.includes("--created-before") ? undefined : "help without the flags";
  if (result.kind === "usage") {
    // It names a flag, or quotes the offending token, or is about the environment/arguments as a whole.
    const named = /--[a-z]|'-[^']*'|environment|API key|argument/i.test(result.message) || args.some((a) => a.trim() !== "" && result.message.includes(a));
    if (!named) return `usage error names no flag: "${result.message}"`;
    if (/\n\s+at /.test(result.message)) return "stack trace in a usage error";
    if (findSecret(result.message, secrets, false)) return "usage error carries the key";
    return undefined;
  }
  const o = result.options;
  if (boundProblem(o.filter)) return "an unbounded filter was accepted";
  if (o.apiKey !== environment.STRIPE_API_KEY) return "the key did not come from STRIPE_API_KEY";
  if (!["redact", "cancel"].includes(o.action)) return `action ${o.action}`;
  if (o.rps !== undefined && !(o.rps > 0 && o.rps <= 10_000)) return `rps ${o.rps}`;
  if (o.concurrency !== undefined && !(Number.isSafeInteger(o.concurrency) && o.concurrency >= 1 && o.concurrency <= MAX_SANE_CONCURRENCY)) {
    return `--concurrency ${o.concurrency} accepted (a run would start that many workers)`;
  }
  if (o.maxSessions !== undefined && !(Number.isInteger(o.maxSessions) && o.maxSessions >= 0)) return `--max-sessions ${o.maxSessions} accepted`;
  void args;
  return undefined;
}

test(`parseArgs: ${RUNS} random argv vectors and environments`, () => {
  const kinds: Record<string, number> = {};
  fc.assert(
    fc.property(argv, env, (args, environment) => {
      const result = parseArgs(args, { env: environment, readFile });
      kinds[result.kind] = (kinds[result.kind] ?? 0) + 1;
      const problem = problemWith(result, args, environment);
      if (problem) throw new Error(`${JSON.stringify(args)} ${JSON.stringify(environment)}: ${problem}`);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  report("cli-fuzz/parseArgs", { cases: RUNS, ...kinds });
  expect(kinds.run).toBeGreaterThan(RUNS / 20);
  expect(kinds.usage).toBeGreaterThan(RUNS / 10);
});

test("absurd --concurrency is a usage error naming the flag, not a crash or a hang of the run", () => {
  // 1e8 starts 1e8 workers (the process grows until it dies); 1e20 fails deep in the run with
  // "Invalid array length" and exit 1, after the lister's retries.
  for (const n of ["100000000", "99999999999999999999"]) {
    const result = parseArgs(["--created-before", "7d", "--concurrency", n], { env: { STRIPE_API_KEY: KEY }, readFile });
    expect(result).toEqual({ kind: "usage", message: expect.stringContaining("--concurrency") });
  }
});

test("the binary: usage errors exit 2 with one line and no stack trace; the key never printed", () => {
  requireBuilt(BIN);
  const base = ["--api-base", "http://127.0.0.1:9"];
  // Vectors the parser refuses (a run against a closed port would only measure retries).
  const refused = fc
    .sample(argv, { numRuns: 400, seed: SEED + 7 })
    .filter((args) => parseArgs([...args, ...base], { env: { STRIPE_API_KEY: KEY }, readFile: () => undefined }).kind === "usage")
    .slice(0, LONG ? 60 : 6);
  refused.push(["--status", "verified"], [`--api-key=${KEY}`], [KEY], ["--created-before", "7d", "--status", KEY]);
  for (const args of refused) {
    const run = spawnSync(process.execPath, [BIN, ...args, ...base], { env: { PATH: process.env.PATH, STRIPE_API_KEY: KEY }, encoding: "utf8", timeout: 15_000 });
    const context = `${JSON.stringify(args)} -> ${run.status} ${run.signal ?? ""}: ${run.stderr.slice(0, 300)}`;
    expect({ context, leak: findSecret(run.stdout + run.stderr, [KEY], false) ?? null }).toEqual({ context, leak: null });
    expect({ context, trace: /\n\s+at /.test(run.stderr) }).toEqual({ context, trace: false });
    expect({ context, exit: run.status }).toEqual({ context, exit: 2 });
    expect({ context, lines: run.stderr.trim().split("\n").length }).toEqual({ context, lines: 2 });
  }
  report("cli-fuzz/binary", { cases: refused.length });
});
