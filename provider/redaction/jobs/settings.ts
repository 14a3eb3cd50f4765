/** The Redaction Jobs strategy's settings and their defaults, and a small counting helper. */
export interface JobSettings {
  /** Sessions per job to start with (halved on `too_many_objects`). Stripe publishes no maximum. */
  chunkSize: number;
  pollFirstMs: number;
  pollMaxMs: number;
  /** How long a job may validate before the run cancels it. */
  validationTimeoutMs: number;
  /** How long the run follows its jobs after the last `run`; then it says which still run. */
  redactionTimeoutMs: number;
  /** Times a chunk's job is made again after sessions left the filter before the run gives up. */
  remakeAttempts: number;
  /** Chunks between create and run at once: the listing fills the next while Stripe validates one. */
  jobsInFlight: number;
}

export const DEFAULT_JOB_SETTINGS: JobSettings = {
  chunkSize: 10_000,
  pollFirstMs: 1_000,
  pollMaxMs: 10_000,
  validationTimeoutMs: 10 * 60_000,
  redactionTimeoutMs: 60 * 60_000,
  remakeAttempts: 3,
  jobsInFlight: 2,
};

/** Validation errors counted by Stripe's code, for the evidence's job line. */
export function countCodes(errors: Iterable<{ code: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { code } of errors) counts.set(code, (counts.get(code) ?? 0) + 1);
  return counts;
}

/** Sessions still processing a run keeps to wait for; past this, they are skipped (and reported). */
export const MAX_CHECKING = 10_000;
