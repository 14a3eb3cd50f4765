/**
 * `run`: the one irreversible request of a jobs run, for a job whose every session passed the
 * re-check. It is named in the evidence before it is sent (`run_requested`). A refusal or a lost
 * answer is decided by reading the job: running (a lost answer of a run that went through),
 * canceled by someone else (nothing redacted), or unreadable too (outcome unknown, never failed).
 */
import { mayHaveCommitted } from "../../stripe/errors";
import type { PacedCall } from "../call";
import { describeError } from "../handle";
import type { SessionOutcome } from "../report";
import type { RedactionJobsApi } from "./client";
import type { Candidate } from "./decide";
import type { JobEvent, JobsReport } from "./follow";

export interface RunJobContext {
  call: PacedCall;
  jobs: RedactionJobsApi;
  key: (...parts: Array<string | number>) => string;
  finish: (outcome: SessionOutcome) => void;
  job: (event: JobEvent) => void;
  failAll: (members: readonly Candidate[], message: string) => void;
  report: JobsReport;
  /** Jobs run, to follow to `succeeded`. */
  running: Array<{ id: string; sessions: number }>;
}

export async function runValidatedJob(ctx: RunJobContext, id: string, kept: Candidate[]): Promise<void> {
  let requestId: string | undefined;
  ctx.job({ jobId: id, status: "run_requested", sessions: kept.length });
  try {
    requestId = (await ctx.call("job_run", () => ctx.jobs.run(id, ctx.key("run", id)))).requestId;
  } catch (error) {
    const current = await ctx.call("job_retrieve", () => ctx.jobs.retrieve(id)).catch(() => undefined);
    const status = current?.status;
    if (status === undefined && mayHaveCommitted(error)) {
      ctx.report.stillRunning.push(id);
      ctx.job({ jobId: id, status: "unknown", sessions: kept.length, note: `run sent, outcome unknown: ${describeError(error)}` });
      const message = `redaction job ${id}: the run request got no answer and the job could not be read; check it: GET /v1/privacy/redaction_jobs/${id}`;
      for (const candidate of kept) ctx.finish({ id: candidate.id, result: "unknown", message });
      return;
    }
    if (status !== "redacting" && status !== "succeeded") {
      const canceled = status === "canceling" || status === "canceled";
      if (canceled) ctx.report.canceled++;
      else ctx.report.failed++;
      ctx.job({ jobId: id, status: status ?? "unknown", sessions: kept.length, note: `run refused: ${describeError(error)}` });
      const why = canceled ? "was canceled by someone else before it ran" : `could not be run (${describeError(error)})`;
      return ctx.failAll(kept, `redaction job ${id} ${why}; nothing was redacted`);
    }
  }
  ctx.report.run++;
  ctx.running.push({ id, sessions: kept.length });
  ctx.job({ jobId: id, status: "redacting", sessions: kept.length, ...(requestId ? { requestId } : {}) });
  for (const candidate of kept) {
    ctx.finish({ id: candidate.id, result: "redacted", statusBefore: candidate.status, redactionAfter: "processing", jobId: id, ...(requestId ? { requestId } : {}) });
  }
}
