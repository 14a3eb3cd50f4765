/**
 * The VerificationSession resource's inputs and outputs. Input names are the camelCase of the
 * create parameters of `POST /v1/identity/verification_sessions` (spec/identity.json), plus
 * lifecycle args that only steer the provider and never reach Stripe.
 *
 * The schemas are data for check() and the provider; they are never captured into `__provider`.
 */
import { STRIPE_ACCOUNT_ID, STRIPE_ACCOUNT_RULE } from "../config";
import { z } from "zod";


export const DOCUMENT_TYPES = ["driving_license", "id_card", "passport"] as const;
export const SESSION_TYPES = ["document", "id_number"] as const;
export const DELETION_POLICIES = ["cancel", "redact", "retain"] as const;
export const SESSION_STATUSES = ["requires_input", "processing", "verified", "canceled"] as const;

/**
 * Metadata keys the provider adds to sessions it creates (unless `tagMetadata: false`), so a
 * session orphaned by an interrupted `pulumi up` can be found with BulkRedaction's metadata filter.
 */
export const TAG_KEYS = { project: "pulumi_project", stack: "pulumi_stack", resource: "pulumi_resource" } as const;

// Stripe's documented metadata limits: 50 keys, keys up to 40 characters, values up to 500.
export const METADATA_MAX_KEYS = 50;
const apiString = z.string().min(1, "expected a non-empty string").max(5000, "expected at most 5000 characters");

export const DocumentOptions = z.strictObject({
  allowedTypes: z.array(z.enum(DOCUMENT_TYPES)).min(1, "expected at least one document type").optional(),
  requireIdNumber: z.boolean().optional(),
  requireLiveCapture: z.boolean().optional(),
  requireMatchingSelfie: z.boolean().optional(),
});
export type DocumentOptions = z.infer<typeof DocumentOptions>;

export const SessionOptions = z.strictObject({ document: DocumentOptions.optional() });
export type SessionOptions = z.infer<typeof SessionOptions>;

export const ProvidedDetails = z.strictObject({
  email: z.string().min(3, "expected an email address").optional(),
  phone: z.string().min(3, "expected a phone number").optional(),
});
export type ProvidedDetails = z.infer<typeof ProvidedDetails>;

export const RelatedPerson = z.strictObject({ account: apiString, person: apiString });
export type RelatedPerson = z.infer<typeof RelatedPerson>;

export const Metadata = z.record(
  z.string().min(1, "expected a non-empty key").max(40, "expected a key of at most 40 characters"),
  z.string().max(500, "expected a value of at most 500 characters"),
);
export type Metadata = z.infer<typeof Metadata>;

/** Filled by the SDK class, not by users: where the tag's values come from. */
export const PulumiTag = z.strictObject({ project: z.string(), stack: z.string(), resource: z.string() });
export type PulumiTag = z.infer<typeof PulumiTag>;

/** The fields sent to Stripe (create params, camelCase). */
export const SessionParamsShape = {
  type: z.enum(SESSION_TYPES).optional(),
  verificationFlow: apiString.optional(),
  options: SessionOptions.optional(),
  providedDetails: ProvidedDetails.optional(),
  metadata: Metadata.optional(),
  clientReferenceId: apiString.optional(),
  relatedCustomer: apiString.optional(),
  relatedCustomerAccount: apiString.optional(),
  relatedPerson: RelatedPerson.optional(),
  returnUrl: z.url("expected an absolute URL such as https://example.com/done").optional(),
};

/** Provider-only args: how the resource is managed, never sent to Stripe. */
export const LifecycleShape = {
  deletionPolicy: z.enum(DELETION_POLICIES).default("cancel"),
  processingTimeoutSeconds: z.number().int("expected a whole number of seconds").min(0).max(3600).default(120),
  recreateOnCanceled: z.boolean().default(true),
  adoptSessionId: z.string().regex(/^vs_[A-Za-z0-9_]+$/, "expected a VerificationSession id like vs_...").optional(),
  tagMetadata: z.boolean().default(true),
  includeReportSummary: z.boolean().default(false),
  pulumiTag: PulumiTag.optional(),
  /** Connect: the connected account the session lives in (default: stripe-identity:stripeAccount). A change replaces. */
  stripeAccount: z.string().regex(STRIPE_ACCOUNT_ID, STRIPE_ACCOUNT_RULE).optional(),
};

export const SessionArgs = z
  .strictObject({ ...SessionParamsShape, ...LifecycleShape })
  .superRefine((args, ctx) => {
    // The API: "You must provide a `type` if not passing `verification_flow`" (a flow fixes its own type).
    if (args.type === undefined && args.verificationFlow === undefined && args.adoptSessionId === undefined) {
      ctx.addIssue({ code: "custom", path: ["type"], message: "set type (document or id_number) or verificationFlow" });
    }
    if (args.type !== undefined && args.verificationFlow !== undefined) {
      ctx.addIssue({ code: "custom", path: ["type"], message: "leave type unset when verificationFlow is set (the flow decides it)" });
    }
    const keys = Object.keys(args.metadata ?? {});
    if (args.tagMetadata) {
      for (const key of keys.filter((k) => (Object.values(TAG_KEYS) as string[]).includes(k))) {
        ctx.addIssue({ code: "custom", path: ["metadata", key], message: "reserved for the resource tag (set tagMetadata: false to use it)" });
      }
    }
    const room = METADATA_MAX_KEYS - (args.tagMetadata ? Object.keys(TAG_KEYS).length : 0);
    if (keys.length > room) {
      ctx.addIssue({ code: "custom", path: ["metadata"], message: `expected at most ${room} keys (Stripe allows ${METADATA_MAX_KEYS}, the tag uses the rest)` });
    }
  });
/** What a user (or the SDK class) passes. */
export type SessionArgsInput = z.input<typeof SessionArgs>;
/** Args after defaults: what the provider works with. */
export type SessionArgs = z.output<typeof SessionArgs>;

export type SessionStatus = (typeof SESSION_STATUSES)[number];
export const RedactionStatus = z.enum(["processing", "redacted", "validated"]);
export type RedactionStatus = z.infer<typeof RedactionStatus>;

export const CHECK_STATUSES = ["verified", "unverified"] as const;
const CheckStatus = z.enum(CHECK_STATUSES).nullable();

/** The report's id and, when `includeReportSummary`, the per-check outcomes. No personal data. */
export const ReportSummary = z.strictObject({
  id: z.string(),
  checks: z
    .strictObject({ document: CheckStatus, selfie: CheckStatus, idNumber: CheckStatus, email: CheckStatus, phone: CheckStatus })
    .optional(),
});
export type ReportSummary = z.infer<typeof ReportSummary>;

export const LastError = z.strictObject({ code: z.string().nullable(), reason: z.string().nullable() });
export type LastError = z.infer<typeof LastError>;

/** What Stripe tells us about the session; stored next to the inputs. */
export const SessionComputedShape = {
  status: z.enum(SESSION_STATUSES),
  /** The API's type: `document`, `id_number`, or `verification_flow` for a flow-made session. */
  type: z.string(),
  livemode: z.boolean(),
  created: z.number().int(),
  /** Secret output: expires after 24 h; only the SDK's additionalSecretOutputs keeps it encrypted. */
  clientSecret: z.string().nullable(),
  /** Secret output: expires after 48 h. */
  url: z.string().nullable(),
  lastError: LastError.nullable(),
  lastVerificationReport: ReportSummary.nullable(),
  redactionStatus: RedactionStatus.nullable(),
  /** The connected account the session lives in; null: the platform's own account. */
  sessionAccount: z.string().nullable(),
};

/** Outputs = inputs (after defaults) + what Stripe reports. `verified_outputs` is never here. */
export const SessionOutputs = z.strictObject({
  ...SessionParamsShape,
  ...LifecycleShape,
  ...SessionComputedShape,
  // Hidden (`__` keys: never shown in a diff): the tag's source and the resource's URN for log lines.
  __pulumiTag: PulumiTag.optional(),
  __resourceUrn: z.string().optional(),
  // Which key acted last (provider/key-record.ts): a digest and the mask, never the key.
  __apiKeyDigest: z.string().optional(),
  __apiKeyMask: z.string().optional(),
});
export type SessionOutputs = z.output<typeof SessionOutputs>;

/** Field classes for the diff (docs/architecture.md, "Diff rules"). */
export const CREATE_ONLY_FIELDS = [
  "clientReferenceId",
  "relatedCustomer",
  "relatedCustomerAccount",
  "relatedPerson",
  "returnUrl",
  "verificationFlow",
] as const;
export const UPDATABLE_FIELDS = ["metadata", "options", "providedDetails", "type"] as const;
/** Steer the provider only: a change is an update that makes no API call. */
export const LIFECYCLE_FIELDS = [
  "deletionPolicy",
  "processingTimeoutSeconds",
  "recreateOnCanceled",
  "tagMetadata",
  "includeReportSummary",
  "adoptSessionId",
] as const;
/** Where the session lives (Connect): a change is a new session in the other account. */
export const PLACEMENT_FIELDS = ["stripeAccount"] as const;
/** Never compared: the tag's source values change with renames and carry no desired state. */
export const IGNORED_FIELDS = ["pulumiTag"] as const;

export type CreateOnlyField = (typeof CREATE_ONLY_FIELDS)[number];
export type UpdatableField = (typeof UPDATABLE_FIELDS)[number];
export type LifecycleField = (typeof LIFECYCLE_FIELDS)[number];
