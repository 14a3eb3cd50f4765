import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { Duplex } from "node:stream";
import { createHandler } from "./app";
import { ConfigPatch, DEFAULT_REDACTION_JOBS, EmulatorConfig, mergeConfig, NO_FAULTS } from "./config";
import { ACCOUNT_ID, EmulatorState } from "./state";

/**
 * The local Stripe Identity emulator. Nothing starts on import: `startEmulator()` makes an
 * instance with its own state; `close()` stops it.
 */
/**
 * Stripe's limiter model: `test`/`live` requests per second per account, `perEndpoint` per account
 * and endpoint, `concurrency` requests in flight per account. Declared plainly (not from the
 * config's zod schema) so a program's types never depend on zod.
 */
export interface RateLimitOptions {
  test: number;
  live: number;
  perEndpoint?: number;
  concurrency?: number;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Requests per second per account, by key mode; null/undefined = off. */
  rateLimit?: RateLimitOptions | null;
  latencyMs?: number;
  jitterMs?: number;
  /** How long `redaction.status` stays "processing" before "redacted" (default 0: at once). */
  redactionDelayMs?: number;
  /** Redaction Jobs: Stripe's side's speed (sessions per second) and the most objects a job may hold. */
  redactionJobs?: { sessionsPerSecond?: number; maxObjects?: number };
  /** Makes ids, faults and jitter reproducible. */
  seed?: number;
  /** Connect: connected accounts (`acct_...`) every key may act for with `Stripe-Account`. */
  connectedAccounts?: string[];
  /** One line per request (method, path, status, ms); never a key. */
  log?: (line: string) => void;
  /**
   * Milliseconds since the epoch, default Date.now: what rate limits, idempotency expiry, `created`
   * and redaction delays count on. Tests inject one to step time instead of waiting on it.
   */
  clock?: () => number;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:54321 */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const defaults = configFromOptions(options);
  const state = new EmulatorState(defaults, options.clock);
  for (const account of options.connectedAccounts ?? []) {
    if (!ACCOUNT_ID.test(account)) throw new RangeError(`connectedAccounts: "${account.slice(0, 80)}" is not a connected account id such as acct_1A2b3C`);
    state.openAccounts.add(account);
  }
  const handler = createHandler(state, options.log);
  const server = createServer({ keepAlive: true }, handler);
  server.keepAliveTimeout = 65_000;
  // An unknown `Expect` header is ignored (Node would answer a bodiless 417 on its own).
  server.on("checkExpectation", handler);
  server.on("clientError", answerClientError);
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      const urlHost = host.includes(":") ? `[${host}]` : host;
      resolve({ url: `http://${urlHost}:${port}`, host, port, close: () => closeServer(server) });
    });
  });
}

/** Options -> the instance's defaults (what `reset` restores); bad values are refused by name. */
function configFromOptions(options: EmulatorOptions): EmulatorConfig {
  const parsed = ConfigPatch.safeParse({
    latencyMs: options.latencyMs,
    jitterMs: options.jitterMs,
    rateLimit: options.rateLimit ?? null,
    redactionDelayMs: options.redactionDelayMs,
    redactionJobs: options.redactionJobs,
    seed: options.seed,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(`startEmulator: ${issue.path.join(".")}: ${issue.message}`);
  }
  const base: EmulatorConfig = {
    latencyMs: 0,
    jitterMs: 0,
    rateLimit: null,
    faults: { ...NO_FAULTS },
    redactionDelayMs: 0,
    redactionJobs: { ...DEFAULT_REDACTION_JOBS },
    seed: null,
  };
  return mergeConfig(base, parsed.data);
}

/** Bytes the HTTP parser refuses: a Stripe-shaped 400 (431 for huge headers), then hang up. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (error.code === "ECONNRESET")) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
  const body = JSON.stringify({
    error: { type: "invalid_request_error", message: tooLarge ? "Request headers are too large." : "Malformed HTTP request." },
  });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

export { EmulatorControl } from "./control-client";
export type { EmulatorStats, EmulatorConfigPatch, SeedRequestBody, TransitionTarget } from "./control-client";
