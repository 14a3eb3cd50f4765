/**
 * Request pacing for a bulk run: every request of the run (list pages, writes, re-reads, retries)
 * takes a token from one bucket filled at the current rate; the rate adapts to the account.
 *
 * Adaptation is AIMD with a measured ceiling. Users rarely know their real limit (Stripe limits the
 * account, single endpoints and concurrency), and a 429 means that whatever limits us admitted
 * fewer requests than we sent. Once 429s come back, the requests it did admit over the last second
 * are the best estimate of that limit, so the rate drops to just under it (or by a fixed factor
 * while there is too little data), at most once per cooldown because the responses to requests
 * already in flight say nothing new. After a quiet spell it probes back up in small steps toward
 * the configured rate, so a limit that was only briefly lower costs little.
 *
 * Asked for more than Stripe's documented limit, a budget starts inside that limit's envelope and
 * leaves it only once the account shows it admits more (envelope.ts): no first burst of 429s. The
 * floor is absolute, not a share of the target: 5% of `--rps 1000` would sit above a 25/s limit
 * and keep half the requests refused.
 *
 * The arithmetic is pure (state in, state out, clock passed in); `Pacer` is the thin async shell.
 */
import { realSleep, type Sleep } from "../stripe/backoff";
import { msUntilInside, newEnvelope, provesHigherLimit, type Envelope } from "./envelope";

export interface PacerSettings {
  /** The configured requests per second: the pacer never goes above it. */
  targetRps: number;
  /** Never slow down below this. */
  floorRps: number;
  /** Stripe's documented limit for this budget: above it, start inside its envelope (envelope.ts). */
  documentedRps?: number;
  /** Requests a run may send beyond the envelope to learn whether the account admits more. */
  envelopeSlack: number;
  /** Bucket capacity in seconds of the current rate (at least one token). */
  burstSeconds: number;
  /** Multiplicative decrease when the admitted rate cannot be measured yet. */
  decreaseFactor: number;
  /** Fraction of the measured admitted rate to settle at after a 429. */
  headroom: number;
  /** At most one decrease per this interval. */
  decreaseCooldownMs: number;
  /** Time without any 429 before probing upward. */
  probeAfterMs: number;
  /** Time between two upward steps. */
  probeIntervalMs: number;
  /** Size of an upward step, as a fraction of the current rate (slow near a limit just found). */
  probeStepFraction: number;
  /** Width of the admitted-rate window. */
  windowMs: number;
}

export function pacerSettings(targetRps: number, overrides: Partial<Omit<PacerSettings, "targetRps">> = {}): PacerSettings {
  if (!(targetRps > 0) || !Number.isFinite(targetRps)) throw new RangeError(`targetRps must be a positive number, got ${targetRps}`);
  return {
    targetRps,
    floorRps: Math.min(targetRps, 0.5),
    envelopeSlack: 2,
    burstSeconds: 0.1,
    decreaseFactor: 0.7,
    headroom: 0.95,
    decreaseCooldownMs: 250,
    probeAfterMs: 3_000,
    probeIntervalMs: 1_000,
    probeStepFraction: 0.03,
    windowMs: 1_000,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Token bucket

export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function bucketCapacity(rate: number, burstSeconds: number): number {
  return Math.max(1, rate * burstSeconds);
}

/** Adds what accrued since `updatedAt` at `rate`, up to `capacity`. Debt (negative tokens) is repaid first. */
export function refill(bucket: Bucket, rate: number, capacity: number, now: number): Bucket {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  return { tokens: Math.min(capacity, bucket.tokens + (elapsed * rate) / 1000), updatedAt: Math.max(now, bucket.updatedAt) };
}

/** Milliseconds until the (refilled) bucket holds one whole token; 0 when it does now. */
export function msUntilToken(bucket: Bucket, rate: number): number {
  return bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) * 1000) / rate;
}

export function takeToken(bucket: Bucket, count = 1): Bucket {
  return { tokens: bucket.tokens - count, updatedAt: bucket.updatedAt };
}

// ---------------------------------------------------------------------------------------------
// Admitted-rate window: responses that were not 429, in slots of `slotMs`.

export interface RateWindow {
  slotMs: number;
  counts: number[];
  /** Absolute index (time / slotMs) of the newest slot. */
  newest: number;
  startedAt: number;
}

export function newRateWindow(windowMs: number, now: number, slots = 10): RateWindow {
  const slotMs = windowMs / slots;
  return { slotMs, counts: new Array<number>(slots).fill(0), newest: Math.floor(now / slotMs), startedAt: now };
}

function advance(window: RateWindow, now: number): RateWindow {
  const slot = Math.floor(now / window.slotMs);
  if (slot <= window.newest) return window;
  const counts = window.counts.slice();
  const gap = Math.min(slot - window.newest, counts.length);
  for (let i = 1; i <= gap; i++) counts[(window.newest + i) % counts.length] = 0;
  return { ...window, counts, newest: slot };
}

export function recordAdmitted(window: RateWindow, now: number): RateWindow {
  const next = advance(window, now);
  const counts = next === window ? window.counts.slice() : next.counts;
  counts[next.newest % counts.length] += 1;
  return { ...next, counts };
}

/**
 * Admitted requests per second over the window (or since the start, if shorter), and whether there
 * is enough data to trust it: a full half-window of time and at least five responses.
 */
export function admittedRate(window: RateWindow, now: number): { rps: number; reliable: boolean } {
  const current = advance(window, now);
  const total = current.counts.reduce((sum, n) => sum + n, 0);
  // The window runs from the start of its oldest slot (or the start of the run) to now: the newest
  // slot is only partly over.
  const oldestStart = (current.newest - current.counts.length + 1) * current.slotMs;
  const span = Math.max(1, now - Math.max(oldestStart, current.startedAt));
  return { rps: (total * 1000) / span, reliable: span >= (current.counts.length * current.slotMs) / 2 && total >= 5 };
}

// ---------------------------------------------------------------------------------------------
// Rate control

export interface RateState {
  rate: number;
  lastDecreaseAt: number;
  lastRateLimitedAt: number;
  lastProbeAt: number;
  /** Admitted responses since the last decrease. */
  admittedSinceDecrease: number;
}

export function initialRateState(settings: PacerSettings): RateState {
  return { rate: settings.targetRps, lastDecreaseAt: -Infinity, lastRateLimitedAt: -Infinity, lastProbeAt: -Infinity, admittedSinceDecrease: 0 };
}

function clampRate(rate: number, settings: PacerSettings): number {
  return Math.min(settings.targetRps, Math.max(settings.floorRps, rate));
}

/**
 * The limit's best estimate when a 429 arrives: within an episode of 429s (the last decrease was
 * recent) the admitted rate since that decrease, when the limit was already saturated; otherwise
 * the window's admitted rate, once it holds enough data. (The window alone over-estimates at the
 * start of a run, when the account's burst allowance was still being spent.)
 */
export function estimateLimit(state: RateState, settings: PacerSettings, now: number, window: { rps: number; reliable: boolean }): number | undefined {
  const sinceDecrease = now - state.lastDecreaseAt;
  if (sinceDecrease <= settings.decreaseCooldownMs * 4 && state.admittedSinceDecrease > 0) {
    return (state.admittedSinceDecrease * 1000) / sinceDecrease;
  }
  return window.reliable ? window.rps : undefined;
}

/**
 * A 429 came back at `now`; `window` is the admitted rate over the last window. `knownLimit`: a
 * limit known to hold (Stripe's documented one, while the account has not shown more), trusted
 * over any estimate.
 */
export function onRateLimited(state: RateState, settings: PacerSettings, now: number, window: { rps: number; reliable: boolean }, knownLimit?: number): RateState {
  const noted = { ...state, lastRateLimitedAt: now };
  if (now - state.lastDecreaseAt < settings.decreaseCooldownMs) return noted;
  const estimate = estimateLimit(state, settings, now, window);
  const limit = knownLimit !== undefined ? Math.min(knownLimit, estimate ?? knownLimit) : estimate;
  const rate = limit !== undefined ? Math.min(state.rate * 0.9, limit * settings.headroom) : state.rate * settings.decreaseFactor;
  return { ...noted, rate: clampRate(rate, settings), lastDecreaseAt: now, lastProbeAt: now, admittedSinceDecrease: 0 };
}

/** A request was admitted at `now`: after a quiet spell, step the rate back up toward the target. */
export function onAdmitted(state: RateState, settings: PacerSettings, now: number): RateState {
  const counted = { ...state, admittedSinceDecrease: state.admittedSinceDecrease + 1 };
  if (state.rate >= settings.targetRps) return counted;
  if (now - state.lastRateLimitedAt < settings.probeAfterMs || now - state.lastProbeAt < settings.probeIntervalMs) return counted;
  const step = Math.max(0.1, state.rate * settings.probeStepFraction);
  return { ...counted, rate: clampRate(state.rate + step, settings), lastProbeAt: now };
}

/**
 * Workers needed to keep `rps` requests in flight when each takes `latencyMs`, with 50% slack for
 * slow responses and retries, between 2 and `cap`.
 */
export function defaultConcurrency(rps: number, latencyMs = 250, cap = 64): number {
  return Math.max(2, Math.min(cap, Math.ceil(((rps * latencyMs) / 1000) * 1.5)));
}

// ---------------------------------------------------------------------------------------------
// The async shell

export type ResponseOutcome = "admitted" | "rate_limited" | "no_response";

export interface PacerDeps {
  now?: () => number;
  sleep?: Sleep;
}

export class Pacer {
  readonly settings: PacerSettings;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private bucket: Bucket;
  private state: RateState;
  private window: RateWindow;
  private readonly waiters: Array<() => void> = [];
  private pumping = false;
  private issuedCount = 0;
  private debitedCount = 0;
  private readonly envelope: Envelope | undefined;
  /** Requests answered 429 by a limit this budget stands for: they spent none of its allowance. */
  private refusedCount = 0;
  private admittedCount = 0;

  constructor(settings: PacerSettings, deps: PacerDeps = {}) {
    this.settings = settings;
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? realSleep;
    const now = this.now();
    // One token to start: no burst at the head of a run, whatever the account did just before.
    this.bucket = { tokens: 1, updatedAt: now };
    this.state = initialRateState(settings);
    this.window = newRateWindow(settings.windowMs, now);
    const { documentedRps } = settings;
    if (documentedRps !== undefined && settings.targetRps > documentedRps) this.envelope = newEnvelope(documentedRps, settings.envelopeSlack, now);
  }

  /** Whether the run still keeps inside the documented limit's envelope. */
  get enveloped(): boolean {
    return this.envelope !== undefined && !this.envelope.lifted;
  }

  get rate(): number {
    return this.state.rate;
  }

  /** Tokens handed out (requests this pacer let through). */
  get issued(): number {
    return this.issuedCount;
  }

  /** Resolves when the caller may send one request. FIFO. */
  acquire(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      void this.pump();
    });
  }

  /**
   * Charges requests that went out without a token (the SDK's own retry of a reset connection),
   * so the account-wide rate stays right.
   */
  debit(count: number): void {
    if (count > 0) {
      this.bucket = takeToken(this.bucket, count);
      this.debitedCount += count;
    }
  }

  /** Given how many requests have really been sent, charges those no token paid for yet. */
  reconcile(sent: number): void {
    this.debit(sent - this.issuedCount - this.debitedCount);
  }

  /** A request was refused by another limit before it reached this one (it spent none of this budget). */
  unspent(): void {
    this.refusedCount++;
  }

  /** Feeds the response of a paced request back into the rate control. */
  record(outcome: ResponseOutcome): void {
    const now = this.now();
    const envelope = this.envelope;
    if (outcome === "admitted") {
      this.admittedCount++;
      if (envelope && !envelope.lifted && provesHigherLimit(envelope, this.admittedCount, now)) envelope.lifted = true;
      this.window = recordAdmitted(this.window, now);
      this.state = onAdmitted(this.state, this.settings, now);
    } else if (outcome === "rate_limited") {
      this.refusedCount++;
      // Inside the envelope the documented limit is the best estimate there is.
      const known = envelope && !envelope.lifted ? envelope.documentedRps : undefined;
      this.state = onRateLimited(this.state, this.settings, now, admittedRate(this.window, now), known);
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const rate = this.state.rate;
        this.bucket = refill(this.bucket, rate, bucketCapacity(rate, this.settings.burstSeconds), this.now());
        const now = this.now();
        const wait = Math.max(msUntilToken(this.bucket, rate), this.envelope ? msUntilInside(this.envelope, this.issuedCount - this.refusedCount, now) : 0);
        if (wait > 0) {
          await this.sleep(Math.max(1, Math.ceil(wait)));
          continue;
        }
        this.bucket = takeToken(this.bucket);
        this.issuedCount++;
        this.waiters.shift()!();
      }
    } finally {
      this.pumping = false;
    }
  }
}
