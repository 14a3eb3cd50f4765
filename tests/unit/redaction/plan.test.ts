import { planSession, emptySkipCounts, SKIP_REASONS, type BulkAction, type Decision } from "../../../provider/redaction/plan";

const act: Decision = { kind: "act" };
const skip = (reason: string): Decision => ({ kind: "skip", reason } as Decision);

describe("planSession: every status x redaction x action", () => {
  const table: Array<[string, string | null, BulkAction, Decision]> = [
    // status, redaction.status, action, decision
    ["requires_input", null, "redact", act],
    ["requires_input", null, "cancel", act],
    ["verified", null, "redact", act],
    ["verified", null, "cancel", skip("verified")],
    ["canceled", null, "redact", skip("canceled")],
    ["canceled", null, "cancel", skip("canceled")],
    ["processing", null, "redact", skip("processing")],
    ["processing", null, "cancel", skip("processing")],
    ["some_new_status", null, "redact", skip("unknown_status")],
    ["some_new_status", null, "cancel", skip("unknown_status")],
  ];
  for (const status of ["requires_input", "verified", "canceled", "processing"]) {
    for (const action of ["redact", "cancel"] as const) {
      table.push([status, "redacted", action, skip("already_redacted")]);
      table.push([status, "processing", action, skip("redaction_in_progress")]);
      table.push([status, "validated", action, skip("redaction_in_progress")]);
    }
  }
  it.each(table)("%s, redaction %s, %s -> %j", (status, redaction, action, expected) => {
    expect(planSession(action, { status, redaction: redaction === null ? null : { status: redaction } })).toEqual(expected);
  });
  it("treats a missing redaction field like null", () => {
    expect(planSession("redact", { status: "verified" })).toEqual(act);
  });
});

describe("emptySkipCounts", () => {
  it("has every reason at zero", () => {
    const counts = emptySkipCounts();
    expect(Object.keys(counts).sort()).toEqual([...SKIP_REASONS].sort());
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });
});
