import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { createHandler } from "./app";
import { EmulatorConfig, mergeConfig, NO_FAULTS, RateLimitConfig } from "./config";
import { EmulatorState } from "./state";

/**
 * The local Stripe Identity emulator. Nothing starts on import: `startEmulator()` makes an
 * instance with its own state; `close()` stops it.
 */
export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Requests per second per account, by key mode; null/undefined = off. */
  rateLimit?: { test: number; live: number } | null;
  latencyMs?: number;
  jitterMs?: number;
  /** How long `redaction.status` stays "processing" before "redacted" (default 0: at once). */
  redactionDelayMs?: number;
  /** Makes ids, faults and jitter reproducible. */
  seed?: number;
  /** One line per request (method, path, status, ms); never a key. */
  log?: (line: string) => void;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:54321 */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const defaults = configFromOptions(options);
  const state = new EmulatorState(defaults);
  const server = createServer({ keepAlive: true }, createHandler(state, options.log));
  server.keepAliveTimeout = 65_000;
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

function configFromOptions(options: EmulatorOptions): EmulatorConfig {
  const base: EmulatorConfig = {
    latencyMs: 0,
    jitterMs: 0,
    rateLimit: null,
    faults: { ...NO_FAULTS },
    redactionDelayMs: 0,
    seed: null,
  };
  const rateLimit: RateLimitConfig | null = options.rateLimit ?? null;
  return mergeConfig(base, {
    latencyMs: options.latencyMs,
    jitterMs: options.jitterMs,
    rateLimit,
    redactionDelayMs: options.redactionDelayMs,
    seed: options.seed,
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

export { EmulatorControl } from "./control-client";
export type { EmulatorStats, EmulatorConfigPatch, SeedRequestBody, TransitionTarget } from "./control-client";
