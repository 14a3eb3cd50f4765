import { failureSummary, leftForLater, summaryLine, throttle } from "../../../provider/redaction/progress";
import type { SweepReport } from "../../../provider/redaction/report";

function report(overrides: Partial<SweepReport> = {}): SweepReport {
  return {
    listed: 10,
    matched: 10,
    redacted: 6,
    canceled: 0,
    wouldAct: 0,
    skipped: 4,
    failed: 0,
    unknown: 0,
    requests: 8,
    rateLimited: 0,
    elapsedMs: 1500,
    action: "redact",
    dryRun: false,
    skippedByReason: { canceled: 1, processing: 3 },
    failures: [],
    unknownOutcomes: [],
    complete: true,
    ...overrides,
  };
}

describe("leftForLater", () => {
  it("says how many processing sessions were left and that a rerun handles them", () => {
    expect(leftForLater(report())).toBe(
      "3 matching session(s) were processing (Stripe was still checking them) and could not be redacted; run again once their checks finish",
    );
    expect(leftForLater(report({ action: "cancel" }))).toMatch(/could not be canceled/);
  });
  it("says nothing when none were processing, or on a dry run", () => {
    expect(leftForLater(report({ skippedByReason: { canceled: 4 } }))).toBeUndefined();
    expect(leftForLater(report({ dryRun: true }))).toBeUndefined();
  });
});

describe("summaryLine and failureSummary", () => {
  it("names counts, reasons and the first failed ids", () => {
    expect(summaryLine(report())).toBe("matched 10; redacted 6; skipped 4 (canceled 1, processing 3); failed 0; 8 requests, 0 rate-limited, 1.5 s");
    const failing = report({ failed: 3, failures: [{ id: "vs_1", message: "boom" }, { id: "vs_2", message: "boom" }, { id: "vs_3", message: "boom" }] });
    expect(failureSummary(failing, 2)).toBe("3 session(s) failed: vs_1 (boom), vs_2 (boom) and 1 more");
  });
});

describe("throttle", () => {
  it("emits at most once per interval unless forced", () => {
    let now = 0;
    const seen: number[] = [];
    const emit = throttle((n: number) => seen.push(n), 100, () => now);
    emit(1);
    emit(2);
    now = 150;
    emit(3);
    emit(4, true);
    expect(seen).toEqual([1, 3, 4]);
  });
});
