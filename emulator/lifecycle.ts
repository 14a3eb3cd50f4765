import { z } from "zod";
import { isWellFormedKey } from "../provider/stripe/keys";
import { invalidParam, invalidState, resourceMissing } from "./errors";
import { fakePerson, fakeVerifiedOutputs } from "./fake-data";
import { buildReport, createReport, storeReports } from "./reports";
import { applyMetadata, issueSecrets, newSessionId, store } from "./sessions";
import { ACCOUNT_ID, EmulatorState } from "./state";
import { LastError, ReportRecord, SessionRecord } from "./types";

/**
 * What Stripe does on its own side (the user submits, checks finish), driven by the control API:
 * transitions, and seeding sessions as if they had been made through the API and lived a while.
 */
const LAST_ERROR_CODES = [
  "abandoned", "consent_declined", "country_not_supported", "device_not_supported", "document_expired",
  "document_type_not_supported", "document_unverified_other", "email_unverified_other", "email_verification_declined",
  "id_number_insufficient_document_data", "id_number_mismatch", "id_number_unverified_other", "phone_unverified_other",
  "phone_verification_declined", "selfie_document_missing_photo", "selfie_face_mismatch", "selfie_manipulated",
  "selfie_unverified_other", "under_supported_age",
] as const;

export const TransitionRequest = z.strictObject({
  to: z.enum(["processing", "verified", "requires_input"]),
  lastError: z.strictObject({ code: z.enum(LAST_ERROR_CODES), reason: z.string().max(5000).optional() }).optional(),
});
export type TransitionRequest = z.infer<typeof TransitionRequest>;

const DEFAULT_FAILURE: LastError = { code: "document_unverified_other", reason: "The document could not be verified." };

export function transition(state: EmulatorState, id: string, req: TransitionRequest): SessionRecord {
  const account = state.sessionOwners.get(id);
  const session = account?.sessions.get(id);
  if (!account || !session) throw resourceMissing("verificationsession", id);
  if (session.redacted_at_ms !== null) throw invalidState("This VerificationSession has been redacted; it cannot change status.");
  const from = session.status;
  if (from === "requires_input" && req.to === "processing") {
    session.status = "processing";
    session.client_secret = null;
    session.url = null;
  } else if (from === "processing" && req.to === "verified") {
    const person = fakePerson(state.random.data);
    session.status = "verified";
    session.last_error = null;
    session.verified_outputs = fakeVerifiedOutputs(person, session.provided_details, needsIdNumber(session));
    session.last_verification_report = createReport(state, account, session, person, null).id;
  } else if (from === "processing" && req.to === "requires_input") {
    const failure: LastError = req.lastError
      ? { code: req.lastError.code, reason: req.lastError.reason ?? null }
      : DEFAULT_FAILURE;
    session.status = "requires_input";
    session.last_error = failure;
    session.last_verification_report = createReport(state, account, session, fakePerson(state.random.data), failure).id;
    issueSecrets(state, session);
  } else {
    throw invalidState(`Cannot transition a VerificationSession from \`${from}\` to \`${req.to}\`.`);
  }
  return session;
}

function needsIdNumber(session: SessionRecord): boolean {
  return session.type === "id_number" || session.options.document?.require_id_number === true;
}

const UNIX_SECONDS = "expected unix seconds (a whole number, e.g. 1767225600 for 2026-01-01T00:00:00Z)";
const UnixSeconds = z.number({ error: UNIX_SECONDS }).int(UNIX_SECONDS).min(0, UNIX_SECONDS).max(4_102_444_800, `${UNIX_SECONDS}, before 2100`);

export const SeedRequest = z.strictObject({
  apiKey: z.string().refine(isWellFormedKey, "expected a well-formed key such as sk_test_..."),
  /** Seed a connected account's sessions (and let the key act for it). */
  stripeAccount: z.string().regex(ACCOUNT_ID, "expected a connected account id such as acct_1A2b3C").optional(),
  count: z.number().int().min(1).max(1_000_000),
  status: z.enum(["requires_input", "processing", "verified", "canceled"]).optional(),
  created: z.strictObject({ from: UnixSeconds, to: UnixSeconds }).refine((c) => c.from <= c.to, "from must be <= to").optional(),
  metadata: z.record(z.string().max(40), z.string().min(1).max(500)).optional(),
  clientReferenceIdPrefix: z.string().max(4000).optional(),
  type: z.enum(["document", "id_number"]).optional(),
});
export type SeedRequest = z.infer<typeof SeedRequest>;

/** Seeds full sessions (and reports for verified ones), `created` spread evenly over the range. */
export function seed(state: EmulatorState, req: SeedRequest): string[] {
  if (req.stripeAccount !== undefined) state.connect(req.apiKey, req.stripeAccount);
  const account = state.account(req.apiKey, req.stripeAccount ?? null);
  const now = state.nowSeconds();
  const from = req.created?.from ?? now;
  const to = req.created?.to ?? now;
  const type = req.type ?? "document";
  const status = req.status ?? "requires_input";
  const metadata = applyMetadata({}, req.metadata);
  if (Object.keys(metadata).length > 50) throw invalidParam("metadata", undefined, "at most 50 keys");
  // Shared by the whole batch: updates and redaction replace these objects, never mutate them.
  const options = type === "document" ? { document: {} } : { id_number: {} };
  const sessions: SessionRecord[] = [];
  const reports: ReportRecord[] = [];
  for (let i = 0; i < req.count; i++) {
    const created = req.count === 1 ? from : from + Math.floor((i * (to - from)) / (req.count - 1));
    const session: SessionRecord = {
      id: newSessionId(state),
      seq: state.nextSeq(),
      created,
      livemode: account.livemode,
      status,
      type,
      client_reference_id: req.clientReferenceIdPrefix !== undefined ? `${req.clientReferenceIdPrefix}${i}` : null,
      client_secret: null,
      url: null,
      last_error: null,
      last_verification_report: null,
      metadata,
      options,
      provided_details: null,
      related_customer: null,
      related_customer_account: null,
      related_person: null,
      verification_flow: null,
      verified_outputs: null,
      return_url: null,
      redacted_at_ms: null,
    };
    if (status === "requires_input") issueSecrets(state, session);
    if (status === "verified") {
      const person = fakePerson(state.random.data);
      session.verified_outputs = fakeVerifiedOutputs(person, null, type === "id_number");
      const report = buildReport(state, account, session, person, null, created);
      session.last_verification_report = report.id;
      reports.push(report);
    }
    sessions.push(session);
  }
  store(state, account, sessions);
  storeReports(account, reports);
  return sessions.map((s) => s.id);
}
