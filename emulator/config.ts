import { z } from "zod";

/** Runtime knobs of an emulator instance; `POST /_emulator/config` merges partial updates. */
const Rate = z.number().positive().max(1_000_000);
const Probability = z.number().min(0).max(1);
const Millis = z.number().int().min(0).max(600_000);

/**
 * Stripe's limiter model (docs: rate limits): `test`/`live` requests per second per account (the
 * global limit), `perEndpoint` requests per second per account and endpoint (each named operation;
 * Stripe's default is 25), `concurrency` requests in flight per account.
 */
export const RateLimitConfig = z.strictObject({
  test: Rate,
  live: Rate,
  perEndpoint: Rate.optional(),
  concurrency: z.number().int().min(1).max(100_000).optional(),
});
export type RateLimitConfig = z.infer<typeof RateLimitConfig>;

export const FaultConfig = z.strictObject({ errorRate: Probability, resetRate: Probability, lostResponseRate: Probability });
export type FaultConfig = z.infer<typeof FaultConfig>;

/**
 * Redaction Jobs (a Stripe preview): how fast Stripe's side validates and redacts, in sessions
 * per second (a bench states its assumption here), and the most objects one job may hold (Stripe
 * publishes no limit; a job over it fails validation with `too_many_objects`).
 */
export const RedactionJobsConfig = z.strictObject({
  sessionsPerSecond: z.number().positive().max(1e9),
  maxObjects: z.number().int().min(1).max(10_000_000),
});
export type RedactionJobsConfig = z.infer<typeof RedactionJobsConfig>;

export const DEFAULT_REDACTION_JOBS: RedactionJobsConfig = { sessionsPerSecond: 1_000_000, maxObjects: 10_000 };

export interface EmulatorConfig {
  latencyMs: number;
  jitterMs: number;
  rateLimit: RateLimitConfig | null;
  faults: FaultConfig;
  redactionDelayMs: number;
  redactionJobs: RedactionJobsConfig;
  seed: number | null;
}

export const ConfigPatch = z.strictObject({
  latencyMs: Millis.optional(),
  jitterMs: Millis.optional(),
  rateLimit: RateLimitConfig.nullable().optional(),
  faults: FaultConfig.partial().optional(),
  redactionDelayMs: Millis.optional(),
  redactionJobs: RedactionJobsConfig.partial().optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).nullable().optional(),
});
export type ConfigPatch = z.infer<typeof ConfigPatch>;

export const NO_FAULTS: FaultConfig = { errorRate: 0, resetRate: 0, lostResponseRate: 0 };

export function mergeConfig(base: EmulatorConfig, patch: ConfigPatch): EmulatorConfig {
  const next: EmulatorConfig = { ...base, faults: { ...base.faults, ...patch.faults }, redactionJobs: { ...base.redactionJobs, ...patch.redactionJobs } };
  if (patch.latencyMs !== undefined) next.latencyMs = patch.latencyMs;
  if (patch.jitterMs !== undefined) next.jitterMs = patch.jitterMs;
  if (patch.rateLimit !== undefined) next.rateLimit = patch.rateLimit;
  if (patch.redactionDelayMs !== undefined) next.redactionDelayMs = patch.redactionDelayMs;
  if (patch.seed !== undefined) next.seed = patch.seed;
  const sum = next.faults.errorRate + next.faults.resetRate + next.faults.lostResponseRate;
  if (sum > 1) throw new RangeError("faults: errorRate + resetRate + lostResponseRate must be at most 1");
  return next;
}
