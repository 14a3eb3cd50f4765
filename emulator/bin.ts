#!/usr/bin/env node
import { Command, InvalidArgumentError } from "commander";
import { startEmulator } from "./index";

/**
 * `stripe-identity-emulator`: runs the emulator until SIGINT/SIGTERM. One log line per request
 * (method, path, status, ms); keys are never logged (they travel in a header the log ignores).
 */
function integer(flag: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, got "${value}".`);
    }
    return Number(value);
  };
}

/** `25` (test and live) or `25,100` (test,live). */
function rateLimit(value: string): { test: number; live: number } {
  const parts = value.split(",");
  const valid = parts.length <= 2 && parts.every((p) => /^\d+(\.\d+)?$/.test(p) && Number(p) > 0);
  if (!valid) throw new InvalidArgumentError(`--rate-limit must be N or TEST,LIVE requests per second (e.g. 25 or 25,100), got "${value}".`);
  const [test, live = test] = parts.map(Number);
  return { test, live };
}

async function main(): Promise<void> {
  const program = new Command()
    .name("stripe-identity-emulator")
    .description("A local, stateful Stripe Identity API (VerificationSessions and VerificationReports).")
    .option("--port <port>", "port to listen on (0 = any free port)", integer("--port", 0, 65535), 12111)
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--rate-limit <rps>", "per-account limit: N or TEST,LIVE requests/s (default off; Stripe's: 25,100)", rateLimit)
    .option("--per-endpoint-limit <rps>", "with --rate-limit: requests/s per account and endpoint (Stripe's default: 25)", integer("--per-endpoint-limit", 1, 1_000_000))
    .option("--concurrency-limit <n>", "with --rate-limit: requests in flight per account", integer("--concurrency-limit", 1, 100_000))
    .option("--latency <ms>", "added latency per /v1 request in ms", integer("--latency", 0, 600_000), 0)
    .option("--jitter <ms>", "random extra latency up to ms", integer("--jitter", 0, 600_000), 0)
    .option("--redaction-delay <ms>", "ms before redaction.status goes processing -> redacted", integer("--redaction-delay", 0, 600_000), 0)
    .option("--redaction-job-speed <n>", "Redaction Jobs: sessions per second Stripe's side validates and redacts (default 1000000)", integer("--redaction-job-speed", 1, 1_000_000_000))
    .option("--redaction-job-max-objects <n>", "Redaction Jobs: most objects one job may hold (default 10000)", integer("--redaction-job-max-objects", 1, 10_000_000))
    .option("--connected-account <acct>", "Connect: a connected account every key may act for with Stripe-Account (repeatable)", (value: string, previous: string[] = []) => [...previous, value])
    .option("--quiet", "do not log requests")
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride();
  try {
    program.parse(process.argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version") process.exit(0);
    process.exit(2);
  }
  const opts = program.opts<{
    port: number; host: string; rateLimit?: { test: number; live: number }; perEndpointLimit?: number; concurrencyLimit?: number; connectedAccount?: string[];
    latency: number; jitter: number; redactionDelay: number; quiet?: boolean;
    redactionJobSpeed?: number; redactionJobMaxObjects?: number;
  }>();
  if (!opts.rateLimit && (opts.perEndpointLimit !== undefined || opts.concurrencyLimit !== undefined)) {
    process.stderr.write("stripe-identity-emulator: --per-endpoint-limit and --concurrency-limit need --rate-limit (the global limit) too\n");
    process.exit(2);
  }
  const rateLimitConfig = opts.rateLimit
    ? {
        ...opts.rateLimit,
        ...(opts.perEndpointLimit !== undefined ? { perEndpoint: opts.perEndpointLimit } : {}),
        ...(opts.concurrencyLimit !== undefined ? { concurrency: opts.concurrencyLimit } : {}),
      }
    : null;
  const emulator = await startEmulator({
    port: opts.port,
    host: opts.host,
    rateLimit: rateLimitConfig,
    latencyMs: opts.latency,
    jitterMs: opts.jitter,
    redactionDelayMs: opts.redactionDelay,
    redactionJobs: {
      ...(opts.redactionJobSpeed !== undefined ? { sessionsPerSecond: opts.redactionJobSpeed } : {}),
      ...(opts.redactionJobMaxObjects !== undefined ? { maxObjects: opts.redactionJobMaxObjects } : {}),
    },
    connectedAccounts: opts.connectedAccount,
    log: opts.quiet ? undefined : (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  const limit = rateLimitConfig
    ? `rate limit ${rateLimitConfig.test}/s test, ${rateLimitConfig.live}/s live` +
      (rateLimitConfig.perEndpoint !== undefined ? `, ${rateLimitConfig.perEndpoint}/s per endpoint` : "") +
      (rateLimitConfig.concurrency !== undefined ? `, ${rateLimitConfig.concurrency} in flight` : "")
    : "no rate limit";
  process.stdout.write(`stripe-identity-emulator listening on ${emulator.url} (${limit}, latency ${opts.latency} ms)\n`);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stdout.write(`${signal}: shutting down\n`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  const err = error as NodeJS.ErrnoException;
  const message = err.code === "EADDRINUSE" ? `port already in use (${err.message})` : err.message ?? String(error);
  process.stderr.write(`stripe-identity-emulator: ${message}\n`);
  // Listen failures (port taken, no permission, unknown host) are configuration errors: exit 2.
  process.exit(err.code !== undefined || err instanceof RangeError ? 2 : 1);
});
