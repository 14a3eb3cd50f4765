import { z } from "zod";

/**
 * Request parameters of the Redaction Job endpoints (a Stripe preview). The emulator serves jobs
 * over identity verification sessions only: another object kind (`objects[customers][]`) is an
 * unknown parameter here, though Stripe accepts it.
 */
const Str = z.string().min(1).max(5000);
const IntText = z.string().regex(/^-?\d{1,15}$/).transform(Number);
const Expand = z.array(z.string().max(5000)).optional();
const Behavior = z.enum(["error", "fix"]);

export const CreateJobParams = z.strictObject({
  expand: Expand,
  objects: z.strictObject({ identity_verification_sessions: z.array(Str).min(1) }),
  validation_behavior: Behavior.optional(),
});
export type CreateJobParams = z.infer<typeof CreateJobParams>;

export const UpdateJobParams = z.strictObject({ expand: Expand, validation_behavior: Behavior.optional() });
export type UpdateJobParams = z.infer<typeof UpdateJobParams>;

/** A page of a list (jobs, a job's validation errors). */
export const ListPageParams = z.strictObject({
  ending_before: Str.optional(),
  expand: Expand,
  limit: IntText.optional(),
  starting_after: Str.optional(),
});
export type ListPageParams = z.infer<typeof ListPageParams>;

export const ListJobsParams = ListPageParams.extend({
  status: z.enum(["canceled", "canceling", "created", "failed", "ready", "redacting", "succeeded", "validating"]).optional(),
});
export type ListJobsParams = z.infer<typeof ListJobsParams>;

