/**
 * Public types of VerificationSession. They mirror provider/session/schema.ts (a type test keeps
 * them in step) without importing zod into a user's program types.
 */
import type * as pulumi from "@pulumi/pulumi";

export type DocumentType = "driving_license" | "id_card" | "passport";
export type SessionType = "document" | "id_number";
export type DeletionPolicy = "cancel" | "redact" | "retain";
export type SessionStatus = "requires_input" | "processing" | "verified" | "canceled";
export type RedactionStatus = "processing" | "redacted" | "validated";
export type CheckStatus = "verified" | "unverified";

export interface DocumentOptionsArgs {
  /** Document types the user may submit. @example ["passport", "id_card"] */
  allowedTypes?: pulumi.Input<pulumi.Input<DocumentType>[]>;
  /** Also collect an ID number and check it against the document. */
  requireIdNumber?: pulumi.Input<boolean>;
  /** Refuse uploads: the document must be captured live with the camera. */
  requireLiveCapture?: pulumi.Input<boolean>;
  /** Also take a selfie and match it to the document's photo. */
  requireMatchingSelfie?: pulumi.Input<boolean>;
}

export interface VerificationSessionArgs {
  /** `document` or `id_number`; required unless `verificationFlow` (or `adoptSessionId`) is set. Updatable. */
  type?: pulumi.Input<SessionType>;
  /** A verification flow id from the Dashboard; the flow decides the type. Create-only. */
  verificationFlow?: pulumi.Input<string>;
  /** Options of the document check. Updatable while `requires_input`. */
  options?: pulumi.Input<{ document?: pulumi.Input<DocumentOptionsArgs> }>;
  /** Email and phone to prefill and verify. Updatable (removing one replaces the session). */
  providedDetails?: pulumi.Input<{ email?: pulumi.Input<string>; phone?: pulumi.Input<string> }>;
  /** Up to 47 keys (Stripe's 50 minus the resource tag). Updatable; removed keys are unset. */
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Your own reference for the session. Create-only. @example "user_123" */
  clientReferenceId?: pulumi.Input<string>;
  /** Customer this session belongs to (`cus_...`). Create-only. */
  relatedCustomer?: pulumi.Input<string>;
  /** Account representing the customer. Create-only. */
  relatedCustomerAccount?: pulumi.Input<string>;
  /** Connect person this session verifies. Create-only. */
  relatedPerson?: pulumi.Input<{ account: pulumi.Input<string>; person: pulumi.Input<string> }>;
  /** Where the hosted flow sends the user afterwards. Create-only; the API never returns it. */
  returnUrl?: pulumi.Input<string>;

  /** What delete does (see docs/verification-session.md): `cancel` (default), `redact` or `retain`. */
  deletionPolicy?: pulumi.Input<DeletionPolicy>;
  /** How long delete waits for a `processing` session to finish, in seconds. Default 120. */
  processingTimeoutSeconds?: pulumi.Input<number>;
  /** Replace the session when it was canceled or redacted outside Pulumi. Default true. */
  recreateOnCanceled?: pulumi.Input<boolean>;
  /** Manage this existing session (`vs_...`) instead of creating one. */
  adoptSessionId?: pulumi.Input<string>;
  /** Tag created sessions with `pulumi_project`, `pulumi_stack`, `pulumi_resource` metadata. Default true. */
  tagMetadata?: pulumi.Input<boolean>;
  /** Also store per-check statuses of the last verification report (no personal data). Default false. */
  includeReportSummary?: pulumi.Input<boolean>;
  /**
   * Connect: the connected account (`acct_...`) the session lives in; every request for it carries
   * `Stripe-Account`. Default: `stripe-identity:stripeAccount` (or `STRIPE_ACCOUNT`); unset, the
   * platform's own account. Recorded in state (`sessionAccount`); a change replaces the session.
   */
  stripeAccount?: pulumi.Input<string>;
}

export interface LastError {
  code: string | null;
  reason: string | null;
}

export interface ReportSummary {
  id: string;
  checks?: {
    document: CheckStatus | null;
    selfie: CheckStatus | null;
    idNumber: CheckStatus | null;
    email: CheckStatus | null;
    phone: CheckStatus | null;
  };
}
