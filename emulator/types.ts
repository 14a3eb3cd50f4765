/**
 * Internal records. A record holds the API fields Stripe returns plus what the emulator needs
 * to compute the rest (return_url kept but never shown; redaction timing; the owning account).
 */
export type SessionStatus = "canceled" | "processing" | "requires_input" | "verified";
export type SessionType = "document" | "id_number" | "verification_flow";
export type DocumentType = "driving_license" | "id_card" | "passport";

export interface DocumentOptions {
  allowed_types?: DocumentType[];
  require_id_number?: boolean;
  require_live_capture?: boolean;
  require_matching_selfie?: boolean;
}

export interface SessionOptions {
  document?: DocumentOptions;
  id_number?: Record<string, never>;
}

export interface ProvidedDetails {
  email?: string;
  phone?: string;
}

export interface LastError {
  code: string | null;
  reason: string | null;
}

export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export interface DateParts {
  day: number | null;
  month: number | null;
  year: number | null;
}

export interface VerifiedOutputs {
  address: Address | null;
  dob: DateParts | null;
  email: string | null;
  first_name: string | null;
  id_number: string | null;
  id_number_type: "br_cpf" | "sg_nric" | "us_ssn" | null;
  last_name: string | null;
  phone: string | null;
  sex: "[redacted]" | "female" | "male" | "unknown" | null;
  unparsed_place_of_birth: string | null;
  unparsed_sex: string | null;
}

export interface SessionRecord {
  id: string;
  /** Creation sequence within the emulator: orders sessions created in the same second. */
  seq: number;
  created: number;
  livemode: boolean;
  status: SessionStatus;
  type: SessionType;
  client_reference_id: string | null;
  client_secret: string | null;
  url: string | null;
  last_error: LastError | null;
  last_verification_report: string | null;
  metadata: Record<string, string>;
  options: SessionOptions;
  provided_details: ProvidedDetails | null;
  related_customer: string | null;
  related_customer_account: string | null;
  related_person: { account: string; person: string } | null;
  verification_flow: string | null;
  verified_outputs: VerifiedOutputs | null;
  /** Accepted on create, never returned (Stripe doesn't return it either). */
  return_url: string | null;
  /** Epoch ms at which redaction.status reads "redacted"; null = not redacted. */
  redacted_at_ms: number | null;
}

export interface ReportCheck {
  status: "unverified" | "verified";
  error: { code: string | null; reason: string | null } | null;
}

export interface DocumentReport extends ReportCheck {
  address: Address | null;
  dob: DateParts | null;
  expiration_date: DateParts | null;
  files: string[] | null;
  first_name: string | null;
  issued_date: DateParts | null;
  issuing_country: string | null;
  last_name: string | null;
  number: string | null;
  sex: "[redacted]" | "female" | "male" | "unknown" | null;
  type: DocumentType | null;
  unparsed_place_of_birth: string | null;
  unparsed_sex: string | null;
}

export interface IdNumberReport extends ReportCheck {
  dob: DateParts | null;
  first_name: string | null;
  id_number: string | null;
  id_number_type: "br_cpf" | "sg_nric" | "us_ssn" | null;
  last_name: string | null;
}

export interface SelfieReport extends ReportCheck {
  document: string | null;
  selfie: string | null;
}

export interface ReportRecord {
  id: string;
  object: "identity.verification_report";
  seq: number;
  created: number;
  livemode: boolean;
  type: SessionType;
  client_reference_id: string | null;
  verification_session: string;
  verification_flow?: string;
  options: { document?: DocumentOptions; id_number?: Record<string, never> };
  document?: DocumentReport;
  id_number?: IdNumberReport;
  selfie?: SelfieReport;
}

/** A Redaction Job (Stripe preview, `privacy.redaction_job`) over identity verification sessions. */
export type JobStatus = "created" | "validating" | "ready" | "failed" | "redacting" | "succeeded" | "canceling" | "canceled";
export type ValidationBehavior = "error" | "fix";
export type ValidationErrorCode = "invalid_cascading_source" | "invalid_file_purpose" | "invalid_state" | "locked_by_other_job" | "too_many_objects";

export interface JobValidationError {
  id: string;
  seq: number;
  created: number;
  code: ValidationErrorCode;
  message: string;
  erroring_object: { id: string; object_type: "identity_verification_session" };
}

export interface JobRecord {
  id: string;
  seq: number;
  created: number;
  livemode: boolean;
  status: JobStatus;
  validation_behavior: ValidationBehavior;
  /** The sessions asked for, in the order given. */
  sessionIds: string[];
  /** After a validation: the sessions that passed (with `fix`, the ones kept). */
  valid: string[];
  /** The current validation attempt's errors, oldest first. */
  errors: JobValidationError[];
  /** When the current phase (validating, redacting, canceling) ends, epoch ms; null: no phase under way. */
  phaseEndsMs: number | null;
}
