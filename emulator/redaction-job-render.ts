import { invalidParam } from "./errors";
import { JobRecord, JobValidationError } from "./types";

/**
 * Redaction Job records -> API objects (`privacy.redaction_job`). `objects` is expandable, as in
 * Stripe's reference: shown only with `expand[]=objects` (a job can hold thousands of ids). The
 * first 10 validation errors of the current attempt are inline, as since the 2026-04-22 preview.
 */
type ApiObject = Record<string, unknown>;

export const JOBS_PATH = "/v1/privacy/redaction_jobs";

export const INLINE_VALIDATION_ERRORS = 10;

/** Checks `expand[]` of a job request (on lists `data.`-prefixed); true when `objects` is asked for. */
export function jobExpansion(expand: readonly string[] | undefined, prefix: "" | "data." = ""): boolean {
  let objects = false;
  (expand ?? []).forEach((path, i) => {
    if (path !== `${prefix}objects`) throw invalidParam(`expand[${i}]`, undefined, `This property cannot be expanded (${path}).`);
    objects = true;
  });
  return objects;
}

export function renderJob(job: JobRecord, withObjects: boolean): ApiObject {
  const url = `${JOBS_PATH}/${job.id}/validation_errors`;
  return {
    id: job.id,
    object: "privacy.redaction_job",
    created: job.created,
    livemode: job.livemode,
    ...(withObjects ? { objects: { identity_verification_sessions: [...job.sessionIds] } } : {}),
    status: job.status,
    validation_behavior: job.validation_behavior,
    validation_errors: {
      object: "list",
      data: job.errors.slice(0, INLINE_VALIDATION_ERRORS).map(renderValidationError),
      has_more: job.errors.length > INLINE_VALIDATION_ERRORS,
      url,
    },
  };
}

export function renderValidationError(error: JobValidationError): ApiObject {
  return {
    id: error.id,
    object: "privacy.redaction_job_validation_error",
    code: error.code,
    erroring_object: { ...error.erroring_object },
    message: error.message,
  };
}
