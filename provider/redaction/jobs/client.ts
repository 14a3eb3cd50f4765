/**
 * Stripe's Redaction Jobs (a public preview: `/v1/privacy/redaction_jobs`), called through the
 * `stripe` SDK's raw request support: the GA SDK this package pins has no typed methods for them.
 * Every request names the preview API version below in `Stripe-Version`, so the rest of the
 * package keeps its GA pin. This is the one module that knows the endpoints' shapes; answers are
 * checked with zod, so a preview change shows up as a clear error, never as a silent misreading.
 */
import type Stripe from "stripe";
import { z } from "zod";

/**
 * The preview version Stripe's API reference names for the Redaction Job object with inline
 * `validation_errors` (changelog 2026-04-22.preview), which the engine reads.
 */
export const REDACTION_JOBS_API_VERSION = "2026-04-22.preview";

export const JOB_STATUSES = ["created", "validating", "ready", "failed", "redacting", "succeeded", "canceling", "canceled"] as const;

export const JobValidationError = z.object({
  id: z.string(),
  code: z.string(),
  message: z.string().nullish(),
  erroring_object: z.object({ id: z.string(), object_type: z.string() }).nullish(),
});
export type JobValidationError = z.infer<typeof JobValidationError>;

/** What the engine reads of a job. Unknown statuses are kept as text (a preview may add some). */
export const RedactionJob = z.object({
  id: z.string().startsWith("prj_"),
  object: z.literal("privacy.redaction_job"),
  status: z.string(),
  validation_behavior: z.string().nullish(),
  validation_errors: z.object({ data: z.array(JobValidationError), has_more: z.boolean() }).nullish(),
});
export type RedactionJob = z.infer<typeof RedactionJob> & { requestId?: string };

const ErrorPage = z.object({ data: z.array(JobValidationError), has_more: z.boolean() });

export interface RedactionJobsApi {
  create(sessionIds: readonly string[], idempotencyKey: string): Promise<RedactionJob>;
  retrieve(id: string): Promise<RedactionJob>;
  run(id: string, idempotencyKey: string): Promise<RedactionJob>;
  cancel(id: string, idempotencyKey: string): Promise<RedactionJob>;
  /** One page (100) of a job's validation errors, after `startingAfter`. */
  validationErrors(id: string, startingAfter?: string): Promise<{ data: JobValidationError[]; has_more: boolean }>;
}

const PATH = "/v1/privacy/redaction_jobs";

export function stripeRedactionJobsApi(stripe: Stripe, options: { timeoutMs?: number } = {}): RedactionJobsApi {
  const base = { apiVersion: REDACTION_JOBS_API_VERSION, maxNetworkRetries: 0, ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}) };
  const job = async (method: "GET" | "POST", path: string, params?: Record<string, unknown>, idempotencyKey?: string): Promise<RedactionJob> => {
    const answer: unknown = await stripe.rawRequest(method, path, params, { ...base, ...(idempotencyKey ? { idempotencyKey } : {}) });
    const parsed = RedactionJob.safeParse(answer);
    if (!parsed.success) throw new Error(`Stripe's redaction job answer did not have the expected shape (${path}): ${parsed.error.issues[0]?.message ?? "unknown"}`);
    const requestId = (answer as { lastResponse?: { requestId?: string } }).lastResponse?.requestId;
    return { ...parsed.data, ...(requestId ? { requestId } : {}) };
  };
  const at = (id: string, action = ""): string => `${PATH}/${encodeURIComponent(id)}${action}`;
  return {
    create: (sessionIds, key) =>
      job("POST", PATH, { objects: { identity_verification_sessions: [...sessionIds] }, validation_behavior: "fix" }, key),
    retrieve: (id) => job("GET", at(id)),
    run: (id, key) => job("POST", at(id, "/run"), {}, key),
    cancel: (id, key) => job("POST", at(id, "/cancel"), {}, key),
    async validationErrors(id, startingAfter) {
      const query = `?limit=100${startingAfter ? `&starting_after=${encodeURIComponent(startingAfter)}` : ""}`;
      const answer: unknown = await stripe.rawRequest("GET", `${at(id, "/validation_errors")}${query}`, undefined, base);
      const parsed = ErrorPage.safeParse(answer);
      if (!parsed.success) throw new Error(`Stripe's validation error list did not have the expected shape: ${parsed.error.issues[0]?.message ?? "unknown"}`);
      return parsed.data;
    },
  };
}
