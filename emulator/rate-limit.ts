/**
 * Token bucket arithmetic (pure; the clock is passed in). Capacity is one second's worth of
 * requests, refilled continuously, like an account-wide Stripe limit.
 */
export interface Bucket {
  rate: number;
  tokens: number;
  lastMs: number;
}

export function newBucket(rate: number, nowMs: number): Bucket {
  return { rate, tokens: rate, lastMs: nowMs };
}

/** Takes one token if there is one; returns whether the request may proceed. */
export function take(bucket: Bucket, nowMs: number): boolean {
  const elapsed = Math.max(0, nowMs - bucket.lastMs);
  bucket.tokens = Math.min(bucket.rate, bucket.tokens + (elapsed * bucket.rate) / 1000);
  bucket.lastMs = nowMs;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  return false;
}

/** Why a request was refused: the value of Stripe's `Stripe-Rate-Limited-Reason` header. */
export type RateLimitedReason = "global-rate" | "endpoint-rate" | "global-concurrency";

export interface Limits {
  /** The account's global rate (its mode's). */
  rate: number;
  perEndpoint?: number;
  concurrency?: number;
}

export interface LimiterState {
  bucket: Bucket | null;
  endpointBuckets: Map<string, Bucket>;
  inFlight: number;
}

/**
 * Admits one request to `endpoint` or says which limit refused it. Concurrency is checked first
 * (nothing is spent), then the global bucket, then the endpoint's: a request refused by its
 * endpoint has still spent a global token, as it counted against the account.
 */
export function admitRequest(state: LimiterState, limits: Limits, endpoint: string, nowMs: number): RateLimitedReason | undefined {
  if (limits.concurrency !== undefined && state.inFlight >= limits.concurrency) return "global-concurrency";
  state.bucket ??= newBucket(limits.rate, nowMs);
  if (!take(state.bucket, nowMs)) return "global-rate";
  if (limits.perEndpoint !== undefined) {
    let bucket = state.endpointBuckets.get(endpoint);
    if (!bucket) {
      bucket = newBucket(limits.perEndpoint, nowMs);
      state.endpointBuckets.set(endpoint, bucket);
    }
    if (!take(bucket, nowMs)) return "endpoint-rate";
  }
  return undefined;
}
