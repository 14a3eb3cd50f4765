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
