import { invalidState, resourceMissing } from "./errors";
import { Page, paginate } from "./list";
import type { CreateJobParams, ListJobsParams, ListPageParams } from "./redaction-job-params";
import { alnum } from "./random";
import { listLimit } from "./reports";
import { eraseSession } from "./sessions";
import { Account, EmulatorState, MAX_EVENTS } from "./state";
import { OrderedTable } from "./store";
import { JobRecord, JobStatus, JobValidationError, SessionRecord, ValidationErrorCode } from "./types";

/**
 * Redaction Jobs (a Stripe preview), for identity verification sessions. Domain functions
 * `(state, account, ...)`; they throw RestError and never touch HTTP.
 *
 * Time is lazy, as the sessions' redaction is: a phase (validating, redacting, canceling) has an
 * end computed from `config.redactionJobs.sessionsPerSecond`, and a job is moved on when it is
 * next looked at. Locks: a job claims each session no other open job holds when it is created;
 * at validation, a session another open job holds is `locked_by_other_job`. A job releases its
 * sessions when it is canceled or succeeds (and, with `fix`, the ones validation dropped).
 */
const OPEN: ReadonlySet<JobStatus> = new Set(["created", "validating", "ready", "failed", "redacting", "canceling"]);
const FIXABLE: ReadonlySet<ValidationErrorCode> = new Set(["invalid_state", "locked_by_other_job"]);

export function getJob(state: EmulatorState, account: Account, id: string): JobRecord {
  const job = account.redactionJobs.get(id);
  if (!job) throw resourceMissing("privacy.redaction_job", id);
  advance(state, account, job);
  return job;
}

function newJobId(state: EmulatorState): string {
  for (;;) {
    const id = `prj_${alnum(state.random.ids, 24)}`;
    if (!state.jobOwners.has(id)) return id;
  }
}

function phaseMs(state: EmulatorState, objects: number): number {
  return (objects * 1000) / state.config.redactionJobs.sessionsPerSecond;
}

export function createJob(state: EmulatorState, account: Account, p: CreateJobParams): JobRecord {
  const ids = p.objects.identity_verification_sessions;
  ids.forEach((id, i) => {
    if (!account.sessions.get(id)) throw resourceMissing("verificationsession", id, `objects[identity_verification_sessions][${i}]`, 400);
  });
  const now = state.clock();
  const job: JobRecord = {
    id: newJobId(state),
    seq: state.nextSeq(),
    created: state.nowSeconds(),
    livemode: account.livemode,
    status: "validating",
    validation_behavior: p.validation_behavior ?? "error",
    sessionIds: [...new Set(ids)],
    valid: [],
    errors: [],
    phaseEndsMs: now + phaseMs(state, ids.length),
  };
  for (const id of job.sessionIds) if (!isHeldByOther(state, account, id, job.id)) account.jobLocks.set(id, job.id);
  account.redactionJobs.put(job);
  state.jobOwners.set(job.id, account);
  emit(state, account, job, "created");
  advance(state, account, job);
  return job;
}

export function updateJob(state: EmulatorState, account: Account, id: string, behavior: JobRecord["validation_behavior"] | undefined): JobRecord {
  const job = getJob(state, account, id);
  if (!["created", "validating", "ready", "failed"].includes(job.status)) refuse("update", "`created`, `validating`, `ready` or `failed`", job);
  if (behavior !== undefined) job.validation_behavior = behavior;
  return job;
}

export function validateJob(state: EmulatorState, account: Account, id: string): JobRecord {
  const job = getJob(state, account, id);
  if (job.status !== "failed") refuse("validate", "`failed`", job);
  startValidation(state, job);
  advance(state, account, job);
  return job;
}

export function runJob(state: EmulatorState, account: Account, id: string): JobRecord {
  const job = getJob(state, account, id);
  if (job.status !== "ready") refuse("run", "`ready`", job);
  const start = state.clock();
  const perSession = phaseMs(state, 1);
  // Stripe redacts the validated sessions over time: each reads `processing`, then `redacted`. A
  // session that changed since validation so that it cannot be redacted any more is left as it is.
  job.valid.forEach((sessionId, i) => {
    const session = account.sessions.get(sessionId);
    if (session && redactable(session)) eraseSession(account, session, Math.floor(start + (i + 1) * perSession));
  });
  job.status = "redacting";
  job.phaseEndsMs = start + job.valid.length * perSession;
  advance(state, account, job);
  return job;
}

export function cancelJob(state: EmulatorState, account: Account, id: string): JobRecord {
  const job = getJob(state, account, id);
  if (job.status !== "ready" && job.status !== "failed") refuse("cancel", "`ready` or `failed`", job);
  job.status = "canceling";
  job.phaseEndsMs = state.clock();
  release(account, job, job.sessionIds);
  return job;
}

export function listJobs(state: EmulatorState, account: Account, p: ListJobsParams): Page<JobRecord> {
  for (const job of account.redactionJobs.newestFirst()) advance(state, account, job);
  return paginate(account.redactionJobs, {
    limit: listLimit(p.limit),
    starting_after: p.starting_after,
    ending_before: p.ending_before,
    ...(p.status !== undefined ? { matches: (job: JobRecord) => job.status === p.status } : {}),
    kind: "privacy.redaction_job",
  });
}

export function listValidationErrors(state: EmulatorState, account: Account, id: string, p: ListPageParams): Page<JobValidationError> {
  const job = getJob(state, account, id);
  const table = new OrderedTable<JobValidationError>();
  table.putMany(job.errors);
  return paginate(table, { limit: listLimit(p.limit), starting_after: p.starting_after, ending_before: p.ending_before, kind: "privacy.redaction_job_validation_error" });
}

/** The session's `redaction.status` while a job holds it: `validated` once the job is ready. */
export function jobRedactionStatus(state: EmulatorState, account: Account, session: SessionRecord): "validated" | null {
  const jobId = account.jobLocks.get(session.id);
  const job = jobId === undefined ? undefined : account.redactionJobs.get(jobId);
  if (!job) return null;
  advance(state, account, job);
  // Validation released the sessions it dropped: what a ready job still holds passed validation.
  return job.status === "ready" ? "validated" : null;
}

/** Control API: ends the current phase now (validating, redacting or canceling). */
export function finishJobPhase(state: EmulatorState, account: Account, job: JobRecord): JobRecord {
  advance(state, account, job);
  if (job.phaseEndsMs === null) throw invalidState(`This redaction job has no phase under way to finish: its status is \`${job.status}\`.`);
  const now = state.clock();
  if (job.status === "redacting") {
    for (const id of job.valid) {
      const session = account.sessions.get(id);
      if (session?.redacted_at_ms != null && session.redacted_at_ms > now) session.redacted_at_ms = now;
    }
  }
  job.phaseEndsMs = now;
  advance(state, account, job);
  return job;
}

/** Control API: validation fails (as when Stripe finds an object it cannot redact). */
export function failJob(state: EmulatorState, account: Account, job: JobRecord, code: ValidationErrorCode, message: string | undefined): JobRecord {
  advance(state, account, job);
  if (job.status !== "validating" && job.status !== "ready") refuse("fail", "`validating` or `ready`", job);
  const first = job.sessionIds[0];
  job.errors = first === undefined ? [] : [validationError(state, first, code, message ?? "Stripe could not validate this object for redaction.")];
  job.valid = [];
  job.status = "failed";
  job.phaseEndsMs = null;
  emit(state, account, job, "validation_error");
  return job;
}

function startValidation(state: EmulatorState, job: JobRecord): void {
  job.status = "validating";
  job.errors = [];
  job.valid = [];
  job.phaseEndsMs = state.clock() + phaseMs(state, job.sessionIds.length);
}

/** Moves a job on if its current phase has ended by now. */
function advance(state: EmulatorState, account: Account, job: JobRecord): void {
  // The clock has millisecond steps: a phase shorter than that is over when it starts.
  if (job.phaseEndsMs === null || state.clock() < Math.floor(job.phaseEndsMs)) return;
  job.phaseEndsMs = null;
  if (job.status === "validating") finishValidation(state, account, job);
  else if (job.status === "redacting") {
    job.status = "succeeded";
    release(account, job, job.sessionIds);
    emit(state, account, job, "succeeded");
  } else if (job.status === "canceling") {
    job.status = "canceled";
    emit(state, account, job, "canceled");
  }
}

function finishValidation(state: EmulatorState, account: Account, job: JobRecord): void {
  const { maxObjects } = state.config.redactionJobs;
  if (job.sessionIds.length > maxObjects) {
    const over = job.sessionIds[maxObjects];
    job.errors = [validationError(state, over, "too_many_objects", `A redaction job can hold at most ${maxObjects} objects; this one has ${job.sessionIds.length}. Split it into several jobs.`)];
  } else {
    job.errors = [];
    for (const id of job.sessionIds) {
      const problem = sessionProblem(state, account, job, id);
      if (problem) job.errors.push(validationError(state, id, problem.code, problem.message));
    }
  }
  const failed = job.errors.some((e) => !FIXABLE.has(e.code)) || (job.validation_behavior === "error" && job.errors.length > 0);
  if (failed) {
    job.status = "failed";
    emit(state, account, job, "validation_error");
    return;
  }
  const dropped = new Set(job.errors.map((e) => e.erroring_object.id));
  job.valid = job.sessionIds.filter((id) => !dropped.has(id));
  for (const id of job.valid) account.jobLocks.set(id, job.id);
  release(account, job, [...dropped]);
  job.status = "ready";
  if (job.errors.length > 0) emit(state, account, job, "validation_error");
  emit(state, account, job, "ready");
}

function sessionProblem(state: EmulatorState, account: Account, job: JobRecord, id: string): { code: ValidationErrorCode; message: string } | undefined {
  const session = account.sessions.get(id);
  if (!session || !redactable(session)) {
    const why = !session ? "does not exist" : session.redacted_at_ms !== null ? "is already redacted" : `has a status of \`${session.status}\``;
    return { code: "invalid_state", message: `This VerificationSession cannot be redacted: it ${why}.` };
  }
  if (isHeldByOther(state, account, id, job.id)) {
    return { code: "locked_by_other_job", message: `This VerificationSession is part of another redaction job (${account.jobLocks.get(id)}).` };
  }
  return undefined;
}

function redactable(session: SessionRecord): boolean {
  return session.redacted_at_ms === null && (session.status === "requires_input" || session.status === "verified");
}

function isHeldByOther(state: EmulatorState, account: Account, sessionId: string, jobId: string): boolean {
  const holder = account.jobLocks.get(sessionId);
  if (holder === undefined || holder === jobId) return false;
  const other = account.redactionJobs.get(holder);
  if (other) advance(state, account, other);
  return other !== undefined && OPEN.has(other.status) && account.jobLocks.get(sessionId) === holder;
}

function release(account: Account, job: JobRecord, ids: readonly string[]): void {
  for (const id of ids) if (account.jobLocks.get(id) === job.id) account.jobLocks.delete(id);
}

function validationError(state: EmulatorState, sessionId: string, code: ValidationErrorCode, message: string): JobValidationError {
  return {
    id: `prjve_${alnum(state.random.ids, 24)}`,
    seq: state.nextSeq(),
    created: state.nowSeconds(),
    code,
    message,
    erroring_object: { id: sessionId, object_type: "identity_verification_session" },
  };
}

function refuse(action: string, allowed: string, job: JobRecord): never {
  throw invalidState(`You can only ${action} a redaction job with a status of ${allowed}. This redaction job has a status of \`${job.status}\`.`);
}

function emit(state: EmulatorState, account: Account, job: JobRecord, what: string): void {
  account.events.push({
    id: `evt_${alnum(state.random.ids, 24)}`,
    type: `privacy.redaction_job.${what}`,
    created: state.nowSeconds(),
    data: { object: { id: job.id, object: "privacy.redaction_job", status: job.status } },
  });
  if (account.events.length > MAX_EVENTS) account.events.splice(0, account.events.length - MAX_EVENTS);
}
