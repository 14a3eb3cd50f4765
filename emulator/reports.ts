import { invalidParam, resourceMissing } from "./errors";
import { FakePerson, redact } from "./fake-data";
import { CreatedRange, Page, paginate } from "./list";
import { ListReportsParams } from "./params";
import { alnum } from "./random";
import { Account, EmulatorState } from "./state";
import { LastError, ReportCheck, ReportRecord, SessionRecord } from "./types";

/**
 * VerificationReports: made when a session's checks finish, verified or failed. The checks a
 * report holds follow the session's type and options (document, id_number, selfie).
 */
const DOCUMENT_CODES = ["document_expired", "document_type_not_supported", "document_unverified_other"];
const ID_NUMBER_CODES = ["id_number_insufficient_document_data", "id_number_mismatch", "id_number_unverified_other"];
const SELFIE_CODES = ["selfie_document_missing_photo", "selfie_face_mismatch", "selfie_manipulated", "selfie_unverified_other"];

function check(failure: LastError | null, codes: string[], fallback: string): ReportCheck {
  if (!failure) return { status: "verified", error: null };
  const code = failure.code !== null && codes.includes(failure.code) ? failure.code : fallback;
  return { status: "unverified", error: { code, reason: failure.reason } };
}

/** Creates and stores a report for `session`; `failure` null means every check passed. */
export function createReport(
  state: EmulatorState,
  account: Account,
  session: SessionRecord,
  person: FakePerson,
  failure: LastError | null,
): ReportRecord {
  const report = buildReport(state, account, session, person, failure, state.nowSeconds());
  storeReports(account, [report]);
  return report;
}

/** A fresh report id, unused in every account (a re-applied seed repeats ids; see newSessionId). */
function newReportId(state: EmulatorState): string {
  for (;;) {
    const id = `vr_${alnum(state.random.ids, 24)}`;
    // One index for every account: the cost of an id does not grow with the number of accounts.
    if (!state.reportIds.has(id)) {
      state.reportIds.add(id);
      return id;
    }
  }
}

/** Builds a report without storing it (seeding stores a whole backdated batch at once). */
export function buildReport(
  state: EmulatorState,
  account: Account,
  session: SessionRecord,
  person: FakePerson,
  failure: LastError | null,
  created: number,
): ReportRecord {
  const doc = session.options.document;
  const isIdNumber = session.type === "id_number";
  const report: ReportRecord = {
    id: newReportId(state),
    object: "identity.verification_report",
    seq: state.nextSeq(),
    created,
    livemode: account.livemode,
    type: session.type,
    client_reference_id: session.client_reference_id,
    verification_session: session.id,
    options: isIdNumber ? { id_number: {} } : { document: { ...doc } },
  };
  if (session.verification_flow !== null) report.verification_flow = session.verification_flow;
  if (!isIdNumber) {
    report.document = {
      ...check(failure, DOCUMENT_CODES, "document_unverified_other"),
      address: { ...person.address },
      dob: { ...person.dob },
      expiration_date: { day: person.dob.day, month: person.dob.month, year: 2031 },
      files: [`file_${alnum(state.random.ids, 24)}`, `file_${alnum(state.random.ids, 24)}`],
      first_name: person.first_name,
      issued_date: { day: 1, month: 1, year: 2021 },
      issuing_country: "US",
      last_name: person.last_name,
      number: null,
      sex: person.sex,
      type: doc?.allowed_types?.[0] ?? "driving_license",
      unparsed_place_of_birth: null,
      unparsed_sex: null,
    };
  }
  if (isIdNumber || doc?.require_id_number) {
    report.id_number = {
      ...check(failure, ID_NUMBER_CODES, "id_number_unverified_other"),
      dob: { ...person.dob },
      first_name: person.first_name,
      id_number: null,
      id_number_type: "us_ssn",
      last_name: person.last_name,
    };
  }
  if (doc?.require_matching_selfie) {
    report.selfie = {
      ...check(failure, SELFIE_CODES, "selfie_unverified_other"),
      document: `file_${alnum(state.random.ids, 24)}`,
      selfie: `file_${alnum(state.random.ids, 24)}`,
    };
  }
  return report;
}

export function storeReports(account: Account, reports: ReportRecord[]): void {
  account.reports.putMany(reports);
  for (const report of reports) {
    const list = account.reportsBySession.get(report.verification_session);
    if (list) list.push(report.id);
    else account.reportsBySession.set(report.verification_session, [report.id]);
  }
}

export function retrieveReport(account: Account, id: string): ReportRecord {
  const report = account.reports.get(id);
  if (!report) throw resourceMissing("verificationreport", id);
  return report;
}

export function listReports(account: Account, params: ListReportsParams): Page<ReportRecord> {
  const { client_reference_id, type, verification_session } = params;
  const filters: ((r: ReportRecord) => boolean)[] = [];
  if (client_reference_id !== undefined) filters.push((r) => r.client_reference_id === client_reference_id);
  if (type !== undefined) filters.push((r) => r.type === type);
  if (verification_session !== undefined) filters.push((r) => r.verification_session === verification_session);
  return paginate(account.reports, {
    limit: listLimit(params.limit),
    starting_after: params.starting_after,
    ending_before: params.ending_before,
    created: createdRange(params.created),
    matches: filters.length === 0 ? undefined : (r) => filters.every((f) => f(r)),
    kind: "verificationreport",
  });
}

/** Wipes the personal data in every report of a redacted session. */
export function redactReports(account: Account, sessionId: string): void {
  for (const id of account.reportsBySession.get(sessionId) ?? []) {
    const report = account.reports.get(id);
    if (report?.document) {
      const d = report.document;
      Object.assign(d, {
        address: redact.address(d.address),
        dob: redact.date(d.dob),
        expiration_date: redact.date(d.expiration_date),
        issued_date: redact.date(d.issued_date),
        first_name: redact.text(d.first_name),
        last_name: redact.text(d.last_name),
        number: redact.text(d.number),
        sex: d.sex === null ? null : "[redacted]",
        files: d.files ? [] : null,
      });
    }
    if (report?.id_number) {
      const n = report.id_number;
      Object.assign(n, { dob: redact.date(n.dob), first_name: redact.text(n.first_name), last_name: redact.text(n.last_name), id_number: redact.text(n.id_number) });
    }
  }
}

/** `limit`: 1..100, default 10 (the spec documents the range; the schema does not). */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return 10;
  if (limit < 1 || limit > 100) {
    throw invalidParam("limit", "parameter_invalid_integer", `Invalid limit: must be an integer between 1 and 100 (got ${limit}).`);
  }
  return limit;
}

/** `created` as an integer (exact second) or `{gt, gte, lt, lte}` -> one inclusive range. */
export function createdRange(created: number | { gt?: number; gte?: number; lt?: number; lte?: number } | undefined): CreatedRange | undefined {
  if (created === undefined) return undefined;
  if (typeof created === "number") return { gte: created, lte: created };
  let gte = Number.MIN_SAFE_INTEGER;
  let lte = Number.MAX_SAFE_INTEGER;
  if (created.gt !== undefined) gte = Math.max(gte, created.gt + 1);
  if (created.gte !== undefined) gte = Math.max(gte, created.gte);
  if (created.lt !== undefined) lte = Math.min(lte, created.lt - 1);
  if (created.lte !== undefined) lte = Math.min(lte, created.lte);
  return { gte, lte };
}
