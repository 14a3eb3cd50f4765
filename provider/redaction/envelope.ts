/**
 * Stripe's documented limits as the envelope a run starts inside (pacer.ts).
 *
 * A run asked for far more than the account admits (`--rps 1000` against Stripe's 25/s) used to
 * learn the limit from a first burst of 429s. An account at exactly a documented limit, idle
 * before the run, admits a full bucket of one second's worth and then the rate: by `t` seconds
 * after the run's first request, `documentedRps * (1 + t)` requests. So until the account shows
 * it admits more, a budget asked for more than the documented limit keeps the requests that can
 * have spent its allowance (sent, less those answered 429) within that, grown a quarter faster
 * than the documented rate, plus a slack of two: what goes beyond is the probe, a few requests a
 * second. Once more requests came back admitted than a documented account admits by then, the
 * account has raised limits (or is the emulator without limits: within a few round trips) and the
 * envelope is lifted for the rest of the run. A 429 while inside it means the documented limit is
 * the real one: the pacer settles just under it at once (pacer.ts), having spent a few 429s, not
 * a second of them.
 *
 * Pure: state in, numbers out; the clock is passed in.
 */
export interface Envelope {
  documentedRps: number;
  /** Requests allowed beyond the envelope from the start. */
  slack: number;
  startedAt: number;
  /** More came back admitted than a documented account admits: no envelope any more. */
  lifted: boolean;
}

/** The probe: the allowance grows this much faster than the documented rate. */
export const PROBE_FACTOR = 1.25;

export function newEnvelope(documentedRps: number, slack: number, startedAt: number): Envelope {
  return { documentedRps, slack, startedAt, lifted: false };
}

/** Requests an account at exactly the documented limit admits within `elapsedMs` of an idle start. */
export function documentedAdmits(documentedRps: number, elapsedMs: number): number {
  return documentedRps * (1 + Math.max(0, elapsedMs) / 1000);
}

/**
 * Milliseconds until one more request fits, when `spent` requests may have spent the allowance
 * (sent, less those answered 429); 0 when it fits now.
 */
export function msUntilInside(envelope: Envelope, spent: number, now: number): number {
  if (envelope.lifted) return 0;
  // spent + 1 <= documentedRps * (1 + PROBE_FACTOR * t) + slack
  const neededElapsedMs = (((spent + 1 - envelope.slack) / envelope.documentedRps - 1) / PROBE_FACTOR) * 1000;
  return Math.max(0, neededElapsedMs - (now - envelope.startedAt));
}

/** Whether `admitted` responses by `now` are more than an account at the documented limit admits. */
export function provesHigherLimit(envelope: Envelope, admitted: number, now: number): boolean {
  return admitted > documentedAdmits(envelope.documentedRps, now - envelope.startedAt) + 1;
}
