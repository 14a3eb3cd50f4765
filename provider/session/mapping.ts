/**
 * The one translation between the resource's camelCase args and Stripe's snake_case params and
 * objects. Create, update and adopt all go through `sessionParams`, so a field is mapped once.
 */
import type Stripe from "stripe";
import {
  DOCUMENT_TYPES,
  SESSION_STATUSES,
  TAG_KEYS,
  UPDATABLE_FIELDS,
  type LastError,
  type Metadata,
  type RedactionStatus,
  type ReportSummary,
  type SessionArgs,
  type SessionOutputs,
  type SessionStatus,
  type UpdatableField,
} from "./schema";
import { sameValue, UNKNOWN } from "../values";

export type CreateParams = Stripe.Identity.VerificationSessionCreateParams;
export type UpdateParams = Stripe.Identity.VerificationSessionUpdateParams;
type ApiSession = Stripe.Identity.VerificationSession;

/** The Stripe params for every Stripe-bound arg that is set (no tag, no lifecycle args). */
export function sessionParams(args: Partial<SessionArgs>): CreateParams {
  const params: CreateParams = {};
  if (args.type !== undefined) params.type = args.type;
  if (args.verificationFlow !== undefined) params.verification_flow = args.verificationFlow;
  const doc = args.options?.document;
  if (doc !== undefined) {
    params.options = {
      document: dropUndefined({
        allowed_types: doc.allowedTypes,
        require_id_number: doc.requireIdNumber,
        require_live_capture: doc.requireLiveCapture,
        require_matching_selfie: doc.requireMatchingSelfie,
      }),
    };
  }
  if (args.providedDetails !== undefined) params.provided_details = dropUndefined({ ...args.providedDetails });
  if (args.metadata !== undefined) params.metadata = { ...args.metadata };
  if (args.clientReferenceId !== undefined) params.client_reference_id = args.clientReferenceId;
  if (args.relatedCustomer !== undefined) params.related_customer = args.relatedCustomer;
  if (args.relatedCustomerAccount !== undefined) params.related_customer_account = args.relatedCustomerAccount;
  if (args.relatedPerson !== undefined) params.related_person = { ...args.relatedPerson };
  if (args.returnUrl !== undefined) params.return_url = args.returnUrl;
  return params;
}

/** Create params: the args plus, unless turned off, the documented tag (docs/verification-session.md, "Metadata tag"). */
export function createParams(args: SessionArgs): CreateParams {
  const params = sessionParams(args);
  if (args.tagMetadata && args.pulumiTag) {
    params.metadata = {
      ...params.metadata,
      [TAG_KEYS.project]: args.pulumiTag.project.slice(0, 500),
      [TAG_KEYS.stack]: args.pulumiTag.stack.slice(0, 500),
      [TAG_KEYS.resource]: args.pulumiTag.resource.slice(0, 500),
    };
  }
  return params;
}

/** Updatable fields whose value differs between two arg sets (an unknown counts as changed). */
export function changedUpdatableFields(olds: Partial<SessionArgs>, news: Partial<SessionArgs>): UpdatableField[] {
  return UPDATABLE_FIELDS.filter((field) => {
    // The API reports `type` itself; an unset input type means "whatever the flow says" (docs/architecture.md, "Diff rules").
    if (field === "type" && news.type === undefined) return false;
    return !sameValue(olds[field], news[field]);
  });
}

/**
 * Changed updatable fields the update endpoint cannot express: `provided_details` has no unset, so
 * dropping its email or phone needs a new session (never a silently kept value).
 */
export function inexpressibleChanges(olds: Partial<SessionArgs>, news: Partial<SessionArgs>): UpdatableField[] {
  const before = olds.providedDetails ?? {};
  const after = news.providedDetails ?? {};
  const dropped = (Object.keys(before) as (keyof typeof before)[]).some((key) => before[key] !== undefined && after[key] === undefined);
  return dropped ? ["providedDetails"] : [];
}

/**
 * Update params for exactly the changed updatable fields. Metadata keys that disappeared are sent
 * as `""` (the API's unset), so a removed key is removed rather than silently kept.
 */
export function updateParams(olds: Partial<SessionArgs>, news: Partial<SessionArgs>): UpdateParams {
  const changed = changedUpdatableFields(olds, news);
  if (changed.length === 0) return {};
  const full = sessionParams(news);
  const params: UpdateParams = {};
  if (changed.includes("type") && full.type !== undefined) params.type = full.type;
  // `""` is the API's way to unset the document options (an absent key would leave them as they are).
  if (changed.includes("options")) params.options = full.options ?? { document: "" };
  if (changed.includes("providedDetails")) params.provided_details = full.provided_details ?? {};
  if (changed.includes("metadata")) {
    const unset: Metadata = {};
    for (const key of Object.keys(olds.metadata ?? {})) if (!(key in (news.metadata ?? {}))) unset[key] = "";
    params.metadata = { ...unset, ...(full.metadata ?? {}) };
  }
  return params;
}

/** The session as arg values (for adopt: compare what the user asked for with what exists). */
export function sessionAsArgs(session: ApiSession): Partial<SessionArgs> {
  const doc = session.options?.document;
  return dropUndefined({
    verificationFlow: session.verification_flow,
    options: doc
      ? {
          document: dropUndefined({
            allowedTypes: doc.allowed_types?.filter(isDocumentType),
            requireIdNumber: doc.require_id_number,
            requireLiveCapture: doc.require_live_capture,
            requireMatchingSelfie: doc.require_matching_selfie,
          }),
        }
      : undefined,
    providedDetails: session.provided_details ? dropUndefined({ ...session.provided_details }) : undefined,
    metadata: session.metadata,
    clientReferenceId: session.client_reference_id ?? undefined,
    relatedCustomer: session.related_customer ?? undefined,
    relatedCustomerAccount: session.related_customer_account ?? undefined,
    relatedPerson: session.related_person ? { account: session.related_person.account, person: session.related_person.person } : undefined,
  });
}

/** Per-check outcomes of an expanded report; statuses only, never names, numbers or files. */
export function reportSummary(report: ApiSession["last_verification_report"], withChecks: boolean): ReportSummary | null {
  if (report === null || report === undefined) return null;
  if (typeof report === "string") return { id: report };
  if (!withChecks) return { id: report.id };
  const status = (check: { status?: string } | undefined | null) =>
    check?.status === "verified" || check?.status === "unverified" ? check.status : null;
  return {
    id: report.id,
    checks: {
      document: status(report.document),
      selfie: status(report.selfie),
      idNumber: status(report.id_number),
      email: status(report.email),
      phone: status(report.phone),
    },
  };
}

/**
 * State after a create/read/update: the args as the user gave them (with defaults), then what
 * Stripe reports. `return_url` is never returned by the API, so it comes from the args; verified
 * outputs (personal data) are not copied.
 */
export function toOutputs(session: ApiSession, args: SessionArgs, sessionAccount: string | null): SessionOutputs {
  const lastError: LastError | null = session.last_error
    ? { code: session.last_error.code ?? null, reason: session.last_error.reason ?? null }
    : null;
  const redaction = session.redaction?.status;
  return {
    ...argsForState(args),
    status: knownStatus(session.status),
    type: session.type,
    livemode: session.livemode,
    created: session.created,
    clientSecret: session.client_secret ?? null,
    url: session.url ?? null,
    lastError,
    lastVerificationReport: reportSummary(session.last_verification_report, args.includeReportSummary),
    redactionStatus: redaction === "processing" || redaction === "redacted" || redaction === "validated" ? (redaction as RedactionStatus) : null,
    sessionAccount,
  };
}

/** Args as state stores them: the tag under its hidden key (never shown in a diff), as the SDK sends it. */
export function argsForState(args: SessionArgs): SessionArgs {
  const { pulumiTag, ...rest } = args;
  return (pulumiTag ? { ...rest, __pulumiTag: pulumiTag } : rest) as SessionArgs;
}

/** The args part of a state object (drops computed fields and Pulumi's own `__` keys). */
export function argsOfState(state: Record<string, unknown>): Record<string, unknown> {
  const computed = new Set(["status", "livemode", "created", "clientSecret", "url", "lastError", "lastVerificationReport", "redactionStatus", "sessionAccount"]);
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    if (key.startsWith("__") || computed.has(key) || value === undefined) continue;
    args[key] = value;
  }
  if (state.__pulumiTag !== undefined) args.pulumiTag = state.__pulumiTag;
  // The state's `type` is the API's; it is an arg only if it is one the API accepts.
  if (args.type !== "document" && args.type !== "id_number" && args.type !== UNKNOWN) delete args.type;
  return args;
}

function knownStatus(status: string): SessionStatus {
  // `status` ends in `| OtherString` in the SDK; an unknown future status is treated as in flight.
  return (SESSION_STATUSES as readonly string[]).includes(status) ? (status as SessionStatus) : "processing";
}

function isDocumentType(value: string): value is (typeof DOCUMENT_TYPES)[number] {
  return (DOCUMENT_TYPES as readonly string[]).includes(value);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
