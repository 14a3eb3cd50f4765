/**
 * The I/O steps of one Redaction Job, each a few paced calls: create (dropping sessions that are
 * gone), wait for a status, read every validation error, re-list a chunk's range, cancel. Each call
 * goes through the run's paced, retried caller, so the job endpoints share the run's budgets.
 */
import { errorFacts } from "../../stripe/errors";
import type { Sleep } from "../../stripe/backoff";
import type { SessionRecord, SweepApi } from "../api";
import type { PacedCall } from "../call";
import type { CompiledFilter, ListQuery } from "../filter";
import { PAGE_SIZE } from "../lister";
import type { JobValidationError, RedactionJob, RedactionJobsApi } from "./client";
import { createdRange, jobPhase, nextPollMs, type Candidate, type JobPhase } from "./decide";

export interface StepContext {
  api: SweepApi;
  jobs: RedactionJobsApi;
  call: PacedCall;
  now: () => number;
  sleep: Sleep;
  signal?: AbortSignal;
  pollFirstMs: number;
  pollMaxMs: number;
}

/** A session the create refused because it does not exist (any more) for this key. */
const MISSING_OBJECT = /^objects\[identity_verification_sessions\]\[(\d+)\]$/;

/**
 * Creates a job over `members`; a session Stripe says does not exist is dropped (reported as
 * `gone`) and the create is sent again without it, under a new key.
 */
export async function createJob(
  ctx: StepContext, members: Candidate[], key: (attempt: number) => string, onGone: (candidate: Candidate) => void,
): Promise<{ job: RedactionJob; members: Candidate[] } | undefined> {
  let current = members;
  for (let attempt = 1; current.length > 0; attempt++) {
    try {
      const ids = current.map((candidate) => candidate.id);
      const job = await ctx.call("job_create", () => ctx.jobs.create(ids, key(attempt)));
      return { job, members: current };
    } catch (error) {
      const { statusCode, code } = errorFacts(error);
      const param = (error as { param?: string }).param;
      const index = statusCode === 400 && code === "resource_missing" ? MISSING_OBJECT.exec(param ?? "") : null;
      if (!index) throw error;
      const gone = current[Number(index[1])];
      if (!gone) throw error;
      onGone(gone);
      current = current.filter((candidate) => candidate !== gone);
    }
  }
  return undefined;
}

export type Waited = { job: RedactionJob; phase: JobPhase } | { timedOut: true; job?: RedactionJob } | { aborted: true };

/** Polls a job until its phase is not one of `while` (or the timeout passes, or the run is stopped). */
export async function waitForJob(ctx: StepContext, id: string, whilePhases: readonly JobPhase[], timeoutMs: number, stopOnAbort = true): Promise<Waited> {
  const started = ctx.now();
  let interval: number | undefined;
  let last: RedactionJob | undefined;
  for (;;) {
    if (stopOnAbort && ctx.signal?.aborted) return { aborted: true };
    last = await ctx.call("job_retrieve", () => ctx.jobs.retrieve(id));
    const phase = jobPhase(last.status);
    if (!whilePhases.includes(phase)) return { job: last, phase };
    if (ctx.now() - started >= timeoutMs) return { timedOut: true, job: last };
    interval = nextPollMs(interval, ctx.pollFirstMs, ctx.pollMaxMs);
    // A wait that goes on through a stop (to cancel a job) still sleeps between its polls.
    await (stopOnAbort ? pause(ctx, interval) : ctx.sleep(interval));
  }
}

/** Sleeps, or less when the run is stopped meanwhile. */
export async function pause(ctx: Pick<StepContext, "sleep" | "signal">, ms: number): Promise<void> {
  const signal = ctx.signal;
  if (!signal) return ctx.sleep(ms);
  if (signal.aborted) return;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([ctx.sleep(ms), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/** Every validation error of a job: the inline first ten, then pages of 100 if there are more. */
export async function validationErrors(ctx: StepContext, job: RedactionJob): Promise<JobValidationError[]> {
  const inline = job.validation_errors;
  if (inline && !inline.has_more) return inline.data;
  const all: JobValidationError[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await ctx.call("job_errors", () => ctx.jobs.validationErrors(job.id, after));
    all.push(...page.data);
    if (!page.has_more || page.data.length === 0) return all;
    after = page.data[page.data.length - 1].id;
  }
}

/**
 * Lists the chunk's `created` range again with the filter's own list query, 100 sessions a
 * request, and returns what it shows of the chunk's sessions. Per-session reads would bind the
 * run to the retrieve endpoint's 25/s again; a listing costs one request per 100.
 */
export async function relist(ctx: StepContext, filter: CompiledFilter, chunk: readonly Candidate[]): Promise<Map<string, SessionRecord>> {
  const wanted = new Set(chunk.map((candidate) => candidate.id));
  const range = createdRange(chunk);
  const base = filter.listQuery;
  const created = { gte: Math.max(range.gte, base.created?.gte ?? -Infinity), lt: Math.min(range.lt, base.created?.lt ?? Infinity) };
  const query: ListQuery = { ...base, created };
  const seen = new Map<string, SessionRecord>();
  let cursor: string | undefined;
  for (;;) {
    const request = { ...query, limit: PAGE_SIZE, ...(cursor !== undefined ? { starting_after: cursor } : {}) };
    const page = await ctx.call("list", () => ctx.api.list(request));
    for (const session of page.data) if (wanted.has(session.id)) seen.set(session.id, session);
    const last = page.data[page.data.length - 1];
    if (!page.has_more || !last || seen.size === wanted.size) return seen;
    cursor = last.id;
  }
}

/**
 * Cancels a job this run made and has not run; a job already canceled (by anyone) is fine. Stripe
 * cancels only `ready` or `failed` jobs, so a job still validating is waited for first (even when
 * the run is being stopped: leaving it would hold its sessions).
 */
export async function cancelJob(ctx: StepContext, id: string, key: string, timeoutMs: number): Promise<void> {
  const waited = await waitForJob(ctx, id, ["pending"], timeoutMs, false);
  if ("timedOut" in waited) {
    throw new Error(`redaction job ${id} was still validating after ${Math.round(timeoutMs / 1000)} s and could not be canceled; cancel it once it is ready: POST /v1/privacy/redaction_jobs/${id}/cancel`);
  }
  if ("job" in waited && waited.phase === "canceled") return;
  try {
    await ctx.call("job_cancel", () => ctx.jobs.cancel(id, key));
  } catch (error) {
    const current = await ctx.call("job_retrieve", () => ctx.jobs.retrieve(id));
    if (jobPhase(current.status) !== "canceled") throw error;
  }
}
