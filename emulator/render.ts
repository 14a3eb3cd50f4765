import { invalidParam } from "./errors";
import { Account } from "./state";
import { ReportRecord, SessionRecord } from "./types";

/**
 * Records -> API objects, exactly the fields of the spec (null where nullable; `related_person`
 * and `verification_flow` only when set, as Stripe does). The one place expansion happens.
 */
export type ApiObject = Record<string, unknown>;

export function renderSession(s: SessionRecord, account: Account, nowMs: number, expandReport: boolean): ApiObject {
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
    provided_details: s.provided_details,
    redaction: s.redacted_at_ms === null ? null : { status: nowMs >= s.redacted_at_ms ? "redacted" : "processing" },
    related_customer: s.related_customer,
    related_customer_account: s.related_customer_account,
    status: s.status,
    type: s.type,
    url: s.url,
    verified_outputs: s.verified_outputs,
  };
  if (s.related_person) out.related_person = s.related_person;
  if (s.verification_flow !== null) out.verification_flow = s.verification_flow;
  if (expandReport && s.last_verification_report) {
    const report = account.reports.get(s.last_verification_report);
    if (report) out.last_verification_report = renderReport(report);
  }
  return out;
}

export function renderReport(r: ReportRecord): ApiObject {
  const { seq: _seq, ...rest } = r;
  return rest;
}

/**
 * Checks `expand[]` against what an object can expand. Sessions: `last_verification_report`
 * (on lists, `data.last_verification_report`). Reports expand nothing (all inline).
 */
export function wantsReportExpansion(expand: readonly string[] | undefined, prefix: "" | "data."): boolean {
  if (!expand || expand.length === 0) return false;
  let wanted = false;
  expand.forEach((path, i) => {
    if (path === `${prefix}last_verification_report`) wanted = true;
    else throw invalidParam(`expand[${i}]`, "parameter_invalid_expand", `This property cannot be expanded (${path}).`);
  });
  return wanted;
}

export function rejectExpansion(expand: readonly string[] | undefined): void {
  expand?.forEach((path, i) => {
    throw invalidParam(`expand[${i}]`, "parameter_invalid_expand", `This property cannot be expanded (${path}).`);
  });
}
