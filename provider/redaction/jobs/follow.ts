/**
 * After the last `run`: follow every job the run started to `succeeded`. A run cannot be undone
 * or canceled, so stopping early (Ctrl-C, or a job that never finishes within the timeout) does
 * not end the redaction: the run names the jobs still running and how to follow them.
 */
import { jobPhase } from "./decide";
import { pause, type StepContext } from "./steps";

/** A job's step, for progress and evidence: its id, its status, how many sessions it holds. */
export interface JobEvent {
  jobId: string;
  status: string;
  sessions: number;
  requestId?: string;
  /** Validation's dropped sessions by Stripe's code (`locked_by_other_job`, `invalid_state`, ...). */
  dropped?: Record<string, number>;
  note?: string;
}

export interface JobsReport {
  created: number;
  run: number;
  succeeded: number;
  /** Canceled by the run (before `run`) or by someone else. */
  canceled: number;
  failed: number;
  /** Jobs run and not yet `succeeded` when the run ended (the first 100 ids). */
  stillRunning: string[];
}

const MAX_IDS_KEPT = 100;

export function followHint(ids: readonly string[]): string {
  const shown = ids.slice(0, 3).join(", ");
  const more = ids.length > 3 ? ` and ${ids.length - 3} more` : "";
  return `redaction job(s) still running on Stripe's side, which will finish them: ${shown}${more}; follow with GET /v1/privacy/redaction_jobs/<id> (or the Dashboard), and check the sessions with stripe-identity-sweep verify <evidence file>`;
}

export async function followJobs(
  ctx: StepContext, jobs: ReadonlyArray<{ id: string; sessions: number }>, timeoutMs: number, onJob: (event: JobEvent) => void,
): Promise<{ succeeded: number; stillRunning: string[] }> {
  const started = ctx.now();
  let pending = [...jobs];
  let succeeded = 0;
  let interval = ctx.pollFirstMs;
  while (pending.length > 0) {
    const next: typeof pending = [];
    for (const job of pending) {
      let status: string;
      try {
        status = (await ctx.call("job_retrieve", () => ctx.jobs.retrieve(job.id))).status;
      } catch {
        next.push(job);
        continue;
      }
      if (jobPhase(status) === "succeeded") {
        succeeded++;
        onJob({ jobId: job.id, status, sessions: job.sessions });
      } else next.push(job);
    }
    pending = next;
    if (pending.length === 0 || ctx.signal?.aborted || ctx.now() - started >= timeoutMs) break;
    await pause(ctx, interval);
    interval = Math.min(ctx.pollMaxMs, Math.ceil(interval * 1.5));
  }
  const ids = pending.map((job) => job.id);
  for (const job of pending) onJob({ jobId: job.id, status: "redacting", sessions: job.sessions, note: "still running when the run ended" });
  return { succeeded, stillRunning: ids.slice(0, MAX_IDS_KEPT) };
}
