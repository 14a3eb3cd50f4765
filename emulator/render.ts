import { createHash } from "node:crypto";
import { invalidParam } from "./errors";
import { Account } from "./state";
import { ReportRecord, SessionRecord } from "./types";

/**
 * Records -> API objects, exactly the fields of the spec (null where nullable; `related_person`
 * and `verification_flow` only when set, as Stripe does). The one place expansion happens.
 *
 * Personal data only on request, as in Stripe: a session's `verified_outputs` and
 * `provided_details`, and within `verified_outputs` its `dob` and `id_number`, are left out unless
 * expanded (`expand[]=verified_outputs`, `verified_outputs.dob`, ...; `data.`-prefixed on lists);
 * a report's `document.dob`, `document.number`, `document.sex`, `document.unparsed_*`,
 * `id_number.dob` and `id_number.id_number` likewise. The control API's dump shows everything.
 */
export type ApiObject = Record<string, unknown>;

/**
 * A report's expandable fields: the sensitive ones (hidden unless named) and, as the spec's
 * `x-expandableFields` lists them, `document` and `selfie`, which are inline objects anyway
 * (expanding them changes nothing and shows none of their sensitive fields).
 */
const REPORT_EXPANDABLE = [
  "document",
  "selfie",
  "document.dob",
  "document.number",
  "document.sex",
  "document.unparsed_place_of_birth",
  "document.unparsed_sex",
  "id_number.dob",
  "id_number.id_number",
] as const;
const REPORT_PREFIX = "last_verification_report.";
/**
 * A session's: its personal data (`verified_outputs`, `provided_details`, their hidden parts), the
 * report (and through it the report's own, `last_verification_report.document.dob`), and the
 * inline objects the spec's `x-expandableFields` lists (`last_error`, `options`, `redaction`,
 * `related_person`, `verified_outputs.address`): accepted as Stripe's spec and stripe-mock accept
 * them, changing nothing but what their path implies (`verified_outputs.address` shows
 * `verified_outputs` without its hidden `dob` and `id_number`).
 */
const SESSION_EXPANDABLE = [
  "last_verification_report",
  "verified_outputs",
  "verified_outputs.dob",
  "verified_outputs.id_number",
  "verified_outputs.address",
  "provided_details",
  "last_error",
  "options",
  "redaction",
  "related_person",
  ...REPORT_EXPANDABLE.map((field) => `${REPORT_PREFIX}${field}`),
] as const;

/** The expand paths asked for, without the list prefix; `"all"`: the control API's full view. */
export type Expansion = ReadonlySet<string> | "all";

function expansion(expand: readonly string[] | undefined, prefix: "" | "data.", allowed: readonly string[]): Set<string> {
  const wanted = new Set<string>();
  (expand ?? []).forEach((path, i) => {
    const field = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
    if (field === undefined || !allowed.includes(field)) throw invalidParam(`expand[${i}]`, undefined, `This property cannot be expanded (${path}).`);
    wanted.add(field);
  });
  return wanted;
}

/** Checks a session request's `expand[]` (on lists, `data.`-prefixed) and returns what it asks for. */
export function sessionExpansion(expand: readonly string[] | undefined, prefix: "" | "data." = ""): Set<string> {
  return expansion(expand, prefix, SESSION_EXPANDABLE);
}

/** Checks a report request's `expand[]` (on lists, `data.`-prefixed). */
export function reportExpansion(expand: readonly string[] | undefined, prefix: "" | "data." = ""): Set<string> {
  return expansion(expand, prefix, REPORT_EXPANDABLE);
}

const has = (expand: Expansion, field: string): boolean => expand === "all" || expand.has(field);

/**
 * `redaction`: null, `validated` (a Redaction Job that is ready holds it), `processing`, `redacted`.
 * `jobStatus` looks up the job side (redaction-jobs.ts jobRedactionStatus); render stays pure.
 */
export type JobRedactionLookup = (s: SessionRecord) => "validated" | null;

function redactionOf(s: SessionRecord, nowMs: number, jobStatus: JobRedactionLookup | undefined): { status: string } | null {
  if (s.redacted_at_ms !== null) return { status: nowMs >= s.redacted_at_ms ? "redacted" : "processing" };
  const held = jobStatus?.(s) ?? null;
  return held === null ? null : { status: held };
}

export function renderSession(s: SessionRecord, account: Account, nowMs: number, expand: Expansion, jobStatus?: JobRedactionLookup): ApiObject {
  const out: ApiObject = {
    id: s.id,
    object: "identity.verification_session",
    client_reference_id: s.client_reference_id,
    client_secret: s.client_secret,
    created: s.created,
    last_error: s.last_error,
    last_verification_report: s.last_verification_report,
    livemode: s.livemode,
    metadata: s.metadata,
    options: s.options,
    redaction: redactionOf(s, nowMs, jobStatus),
    related_customer: s.related_customer,
    related_customer_account: s.related_customer_account,
    status: s.status,
    type: s.type,
    url: s.url,
  };
  if (has(expand, "provided_details")) out.provided_details = s.provided_details;
  const dob = has(expand, "verified_outputs.dob");
  const idNumber = has(expand, "verified_outputs.id_number");
  if (has(expand, "verified_outputs") || has(expand, "verified_outputs.address") || dob || idNumber) {
    if (s.verified_outputs === null) {
      out.verified_outputs = null;
    } else {
      const { dob: dobValue, id_number: idValue, ...rest } = s.verified_outputs;
      out.verified_outputs = { ...rest, ...(dob ? { dob: dobValue } : {}), ...(idNumber ? { id_number: idValue } : {}) };
    }
  }
  if (s.related_person) out.related_person = s.related_person;
  if (s.verification_flow !== null) out.verification_flow = s.verification_flow;
  if (expand !== "all" && s.last_verification_report) {
    const inReport = [...expand].filter((path) => path.startsWith(REPORT_PREFIX)).map((path) => path.slice(REPORT_PREFIX.length));
    const report = has(expand, "last_verification_report") || inReport.length > 0 ? account.reports.get(s.last_verification_report) : undefined;
    if (report) out.last_verification_report = renderReport(report, new Set(inReport));
  }
  return out;
}

function without(part: object | null | undefined, hidden: Record<string, string>, expand: Expansion, prefix: string): object | null | undefined {
  if (!part) return part;
  const shown: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(part)) {
    if (hidden[field] === undefined || has(expand, `${prefix}.${field}`)) shown[field] = value;
  }
  return shown;
}

const HIDDEN_DOCUMENT = { dob: "dob", number: "number", sex: "sex", unparsed_place_of_birth: "unparsed_place_of_birth", unparsed_sex: "unparsed_sex" };
const HIDDEN_ID_NUMBER = { dob: "dob", id_number: "id_number" };

export function renderReport(r: ReportRecord, expand: Expansion): ApiObject {
  const { seq: _seq, ...rest } = r;
  const out: ApiObject = { ...rest };
  if ("document" in rest) out.document = without(rest.document, HIDDEN_DOCUMENT, expand, "document");
  if ("id_number" in rest) out.id_number = without(rest.id_number, HIDDEN_ID_NUMBER, expand, "id_number");
  return out;
}

/**
 * `GET /v1/account`: which account a request acts on. A connected account (`Stripe-Account`) is
 * itself; the platform's id derives from the key without its `sk_test_`/`rk_live_` prefix, so, as on
 * Stripe, the test, live and restricted keys of one account name the same account.
 */
export function renderAccount(account: Account): ApiObject {
  const id = account.stripeAccount ?? platformAccountId(account.key);
  return { id, object: "account", type: account.stripeAccount ? "custom" : "standard", country: "US", default_currency: "usd" };
}

export function platformAccountId(key: string): string {
  const body = key.replace(/^(sk|rk)_(test|live)_/, "");
  return `acct_${createHash("sha256").update(body).digest("hex").slice(0, 16)}`;
}
