/**
 * The bulk engine's second strategy: redact through Stripe's Redaction Jobs (a preview), so the
 * work runs on Stripe's side instead of at 25 redacts a second.
 *
 * The listing and the filter are the per-session strategy's (lister.ts); matching sessions that
 * may be redacted gather into chunks (default 10,000). Each chunk becomes a job:
 * create (validation_behavior `fix`) -> wait for `ready` -> report what validation dropped and why
 * -> re-list the chunk's range (100 a request) and check every validated session still matches
 * the filter (and the plan), right before `run` -> if one left, cancel the job and make it again
 * without it (a job cannot lose objects) -> run. A job Stripe finds too big (`too_many_objects`)
 * is canceled and its chunk halved. Two chunks are in flight at once (`jobsInFlight`): the
 * listing fills the next while Stripe validates one. After the listing, every job that runs is followed to
 * `succeeded`. A job is never run over a session outside the filter; what a session went through
 * is one outcome (redacted with its job id and the run's request id, skipped with a reason, or
 * failed naming the job), each session counted once.
 *
 * Stopping (Ctrl-C): the listing stops, a job not yet run is canceled (its sessions stay
 * unhandled, so a rerun picks them up), and jobs already run are named as still running with how
 * to follow them: a run cannot be undone or canceled.
 */
import { realSleep, type Sleep } from "../../stripe/backoff";
import { describeError } from "../handle";
import type { SweepApi } from "../api";
import type { Budgets } from "../budgets";
import { DEFAULT_RETRY_BUDGET, pacedCaller, type RetryBudget } from "../call";
import type { CompiledFilter } from "../filter";
import { listMatching } from "../lister";
import { planSession } from "../plan";
import { handledCount, Tally, type SessionOutcome, type SweepProgress, type SweepReport } from "../report";
import type { PlannedEntry } from "../sweep";
import type { RedactionJobsApi } from "./client";
import { dropReason, mustNotRun, splitChunk, tooManyObjects, type Candidate } from "./decide";
import { cancelJob, createJob, relist, validationErrors, waitForJob, type StepContext } from "./steps";
import { followHint, followJobs, type JobEvent, type JobsReport } from "./follow";

import { countCodes, DEFAULT_JOB_SETTINGS, MAX_CHECKING, type JobSettings } from "./settings";
import { waitForChecks } from "./processing";
import { runValidatedJob } from "./run-job";
import type { WaitSettings } from "../wait";

export type { JobEvent, JobsReport } from "./follow";
export { DEFAULT_JOB_SETTINGS, type JobSettings } from "./settings";

export interface JobsSweepOptions {
  api: SweepApi;
  jobs: RedactionJobsApi;
  budgets: Budgets;
  filter: CompiledFilter;
  runId: string;
  retry?: RetryBudget;
  signal?: AbortSignal;
  /** Monotonic clock (ms). */
  now?: () => number;
  sleep?: Sleep;
  maxSessions?: number;
  /** Act on exactly these sessions (an approved plan): no listing; the re-check holds them to the plan. */
  planned?: readonly PlannedEntry[];
  onSession?: (outcome: SessionOutcome) => void;
  onJob?: (event: JobEvent) => void;
  onProgress?: (progress: SweepProgress) => void;
  settings?: Partial<JobSettings>;
  /** Wait this long for sessions Stripe is still checking (BulkRedaction); default: skip them. */
  waitForProcessing?: WaitSettings;
}

export type JobsSweepReport = SweepReport & { jobs: JobsReport };

/** The jobs summary of a run's report, when it ran by jobs. */
export function jobsOf(report: SweepReport): JobsReport | undefined {
  return (report as Partial<JobsSweepReport>).jobs;
}

export async function sweepByJobs(options: JobsSweepOptions): Promise<JobsSweepReport> {
  const settings = { ...DEFAULT_JOB_SETTINGS, ...options.settings };
  const now = options.now ?? (() => performance.now());
  const started = now();
  const baseline = options.api.counters();
  const tally = new Tally();
  const call = pacedCaller({ api: options.api, budgets: options.budgets, retry: options.retry ?? DEFAULT_RETRY_BUDGET });
  const ctx: StepContext = {
    api: options.api, jobs: options.jobs, call, now, sleep: options.sleep ?? realSleep, signal: options.signal,
    pollFirstMs: settings.pollFirstMs, pollMaxMs: settings.pollMaxMs,
  };
  const jobsReport: JobsReport = { created: 0, run: 0, succeeded: 0, canceled: 0, failed: 0, stillRunning: [] };
  const running: Array<{ id: string; sessions: number }> = [];
  let stoppedBecause: string | undefined;
  let taken = 0;
  let chunkSize = Math.max(1, Math.floor(settings.chunkSize));
  let chunk: Candidate[] = [];
  /** Sessions Stripe is still checking, waited for after the listing (waitForProcessing). */
  const checking: Candidate[] = [];
  const stopping = (): boolean => stoppedBecause !== undefined || options.signal?.aborted === true;
  const key = (...parts: Array<string | number>): string => `pulumi-stripe-identity-jobs:${options.runId}:${parts.join(":")}`;
  const safely = (callback: () => void): void => {
    try {
      callback();
    } catch {
      // reporting only: the run goes on
    }
  };
  const progress = (): void => {
    if (!options.onProgress) return;
    const counters = options.api.counters();
    const c = { ...tally.counts, requests: counters.requests - baseline.requests, rateLimited: counters.rateLimited - baseline.rateLimited, elapsedMs: now() - started };
    safely(() => options.onProgress?.({ ...c, phase: "sweeping", rate: options.budgets.rate, listingDone: false, pending: Math.max(0, taken - handledCount(c)) }));
  };
  const finish = (outcome: SessionOutcome): void => {
    tally.counts.matched++;
    tally.record(outcome);
    safely(() => options.onSession?.(outcome));
  };
  const job = (event: JobEvent): void => safely(() => options.onJob?.(event));
  const failAll = (members: readonly Candidate[], message: string): void => {
    for (const { id } of members) finish({ id, result: "failed", message });
  };
  const plannedStatus = options.planned ? new Map(options.planned.map((entry) => [entry.id, entry.status])) : undefined;

  /** One chunk's job, from create to run; recursive when Stripe finds the chunk too big. */
  async function processChunk(members: Candidate[], round = 0): Promise<void> {
    if (members.length === 0 || stopping()) return;
    const made = await createJob(ctx, members, (attempt) => key("create", members[0].id, members.length, round, attempt), (gone) =>
      finish({ id: gone.id, result: "skipped", reason: "gone" }),
    );
    if (!made) return;
    const { id } = made.job;
    members = made.members;
    jobsReport.created++;
    job({ jobId: id, status: made.job.status, sessions: members.length, ...(made.job.requestId ? { requestId: made.job.requestId } : {}) });
    const cancel = async (why: string): Promise<void> => {
      await cancelJob(ctx, id, key("cancel", id), settings.validationTimeoutMs);
      jobsReport.canceled++;
      job({ jobId: id, status: "canceled", sessions: members.length, note: why });
    };
    try {
      await afterCreate(id, members, round, cancel);
    } catch (error) {
      // A job left ready would hold its sessions from every later sweep: cancel it (best effort).
      if (!running.some((entry) => entry.id === id)) await cancel(`the run failed: ${describeError(error)}`).catch(() => undefined);
      throw error;
    }
  }

  async function afterCreate(id: string, members: Candidate[], round: number, cancel: (why: string) => Promise<void>): Promise<void> {
    const waited = await waitForJob(ctx, id, ["pending"], settings.validationTimeoutMs);
    if ("aborted" in waited) return cancel("the run was stopped before this job ran");
    if ("timedOut" in waited) {
      await cancel(`still validating after ${Math.round(settings.validationTimeoutMs / 1000)} s`);
      return failAll(members, `redaction job ${id} was still validating after ${Math.round(settings.validationTimeoutMs / 1000)} s; the run canceled it`);
    }
    const { phase, job: validated } = waited;
    if (phase === "canceled") {
      jobsReport.canceled++;
      job({ jobId: id, status: validated.status, sessions: members.length, note: "canceled by someone else before it ran" });
      return failAll(members, `redaction job ${id} was canceled by someone else before it ran; nothing was redacted`);
    }
    if (phase === "failed") {
      const errors = await validationErrors(ctx, validated);
      const halves = tooManyObjects(errors) ? splitChunk(members) : undefined;
      await cancel(halves ? "too many objects: split in two" : "validation failed");
      if (halves) {
        chunkSize = Math.max(1, Math.min(chunkSize, halves[0].length));
        for (const half of halves) await processChunk(half, round);
        return;
      }
      jobsReport.failed++;
      const first = errors[0];
      return failAll(members, `redaction job ${id} failed validation${first ? ` (${first.code}: ${first.message ?? ""}${errors.length > 1 ? `; ${errors.length - 1} more` : ""})` : ""}; the run canceled it`);
    }
    if (phase !== "ready") {
      job({ jobId: id, status: validated.status, sessions: members.length, note: "a status this run did not ask for; left alone" });
      return failAll(members, `redaction job ${id} is \`${validated.status}\`, which this run did not ask for; it was left alone`);
    }
    const drops = new Map((await validationErrors(ctx, validated)).map((error) => [error.erroring_object?.id ?? "", error]));
    const kept = members.filter((candidate) => {
      const error = drops.get(candidate.id);
      if (error) finish({ id: candidate.id, result: "skipped", reason: dropReason(error) });
      return !error;
    });
    job({ jobId: id, status: "ready", sessions: kept.length, dropped: Object.fromEntries(countCodes(drops.values())) });
    if (kept.length === 0) return cancel("validation dropped every session");
    // The re-check, right before the irreversible `run`.
    const leaving = mustNotRun(kept, await relist(ctx, options.filter, kept), options.filter.matches, plannedStatus ? "changed_since_plan" : "no_longer_matches");
    if (stopping()) return cancel("the run was stopped before this job ran");
    if (leaving.size > 0) {
      await cancel(`${leaving.size} session(s) left the filter after validation: made again without them`);
      const remaining = kept.filter((candidate) => {
        const reason = leaving.get(candidate.id);
        if (reason) finish({ id: candidate.id, result: "skipped", reason });
        return !reason;
      });
      if (round + 1 > settings.remakeAttempts) return failAll(remaining, `sessions kept leaving the filter while their redaction job validated (${settings.remakeAttempts} jobs made again); nothing run`);
      return processChunk(remaining, round + 1);
    }
    await runJob(id, kept);
  }

  const runJob = (id: string, kept: Candidate[]): Promise<void> =>
    runValidatedJob({ call, jobs: options.jobs, key, finish, job, failAll, report: jobsReport, running }, id, kept).then(progress);

  const take = async (candidate: Candidate & { redaction?: { status: string } | null }): Promise<void> => {
    if (options.maxSessions !== undefined && taken >= options.maxSessions) {
      stoppedBecause ??= `more than maxSessions (${options.maxSessions}) sessions matched during the run; stopped before touching the rest`;
      return;
    }
    taken++;
    // A session another redaction job has validated is that job's to redact.
    const decision = candidate.redaction?.status === "validated" ? ({ kind: "skip", reason: "locked_by_other_job" } as const) : planSession("redact", candidate);
    if (decision.kind === "skip" && decision.reason === "processing" && options.waitForProcessing && checking.length < MAX_CHECKING) {
      checking.push({ id: candidate.id, status: candidate.status, created: candidate.created });
      return;
    }
    if (decision.kind === "skip") return finish({ id: candidate.id, result: "skipped", reason: decision.reason });
    chunk.push({ id: candidate.id, status: candidate.status, created: candidate.created });
    if (chunk.length >= chunkSize) {
      const full = chunk;
      chunk = [];
      // Backpressure: at most jobsInFlight chunks between create and run (memory stays bounded).
      while (inFlight.size >= Math.max(1, settings.jobsInFlight)) await Promise.race(inFlight);
      launch(full);
    }
  };
  const inFlight = new Set<Promise<void>>();
  const launch = (members: Candidate[]): void => {
    const task: Promise<void> = processChunk(members)
      .catch((error: unknown) => {
        stoppedBecause ??= `the redaction jobs run failed: ${describeError(error)}`;
      })
      .finally(() => {
        inFlight.delete(task);
        progress();
      });
    inFlight.add(task);
  };

  try {
    if (options.planned) {
      for (const entry of options.planned) {
        if (stopping()) break;
        await take({ id: entry.id, status: entry.status, created: entry.created });
      }
    } else {
      await listMatching({
        api: options.api, filter: options.filter, call, stopping,
        offer: (session) => take(session),
        onPage: (listed) => {
          tally.counts.listed += listed;
          progress();
        },
      });
    }
    const rest = chunk;
    chunk = [];
    launch(rest);
  } catch (error) {
    stoppedBecause ??= `the redaction jobs run failed: ${describeError(error)}`;
  }
  while (inFlight.size > 0) await Promise.all(inFlight);
  if (checking.length > 0 && options.waitForProcessing && !stopping()) {
    try {
      const checked = await waitForChecks(ctx, options.filter, checking, options.waitForProcessing);
      checked.outcomes.forEach(finish);
      for (let i = 0; i < checked.ready.length; i += chunkSize) launch(checked.ready.slice(i, i + chunkSize));
    } catch (error) {
      stoppedBecause ??= `the redaction jobs run failed: ${describeError(error)}`;
    }
    while (inFlight.size > 0) await Promise.all(inFlight);
  }
  const followed = await followJobs(ctx, running, settings.redactionTimeoutMs, job);
  if (options.signal?.aborted) stoppedBecause ??= "aborted";
  Object.assign(jobsReport, { succeeded: jobsReport.succeeded + followed.succeeded, stillRunning: [...jobsReport.stillRunning, ...followed.stillRunning].slice(0, 100) });
  if (jobsReport.stillRunning.length > 0) {
    const hint = followHint(jobsReport.stillRunning);
    stoppedBecause = stoppedBecause === undefined ? hint : `${stoppedBecause}; ${hint}`;
  }
  const counters = options.api.counters();
  tally.counts.requests = counters.requests - baseline.requests;
  tally.counts.rateLimited = counters.rateLimited - baseline.rateLimited;
  tally.counts.elapsedMs = now() - started;
  progress();
  return { ...tally.report("redact", false, stoppedBecause), jobs: jobsReport };
}

