import { carryPending, MAX_PENDING_KEPT, previousOutputs } from "../../../provider/redaction/outputs";
import { countWords, describeRun, rowProgress, workFor } from "../../../provider/redaction/describe";
import { BulkRedactionArgs } from "../../../provider/redaction/inputs";
import type { SweepProgress, SweepReport } from "../../../provider/redaction/report";

describe("pending redactions carry over runs until Stripe shows them finished (issue 19 item 4)", () => {
  it("keeps earlier pending ids a later run did not see finished, adds this run's, each once", () => {
    const out = carryPending({ before: ["vs_a", "vs_b"], untrackedBefore: 0, started: ["vs_c", "vs_a"], finished: new Set(["vs_b"]) });
    expect(out).toEqual({ pendingRedaction: ["vs_a", "vs_c"], pendingUntracked: 0, dropped: 0 });
  });

  it("counts what is beyond the cap instead of dropping it silently", () => {
    const started = Array.from({ length: MAX_PENDING_KEPT + 1 }, (_, i) => `vs_${i}`);
    const out = carryPending({ before: [], untrackedBefore: 2, started, finished: new Set() });
    expect(out.pendingRedaction).toHaveLength(MAX_PENDING_KEPT);
    expect(out.pendingRedaction.at(-1)).toBe(`vs_${MAX_PENDING_KEPT - 1}`);
    expect(out).toMatchObject({ dropped: 1, pendingUntracked: 3 });
  });

  it("reads the previous outputs of older state (no pendingUntracked) as zero", () => {
    expect(previousOutputs({ pendingRedaction: ["vs_x"], matched: 3 })).toMatchObject({ pendingRedaction: ["vs_x"], pendingUntracked: 0, matched: 3, lastRunAt: null });
  });
});

describe("what a BulkRedaction says (issue 18 items 1, 4)", () => {
  const args = BulkRedactionArgs.parse({ filter: { clientReferenceIdPrefix: "app-" }, action: "redact", resourceName: "teardown" });
  const report = { wouldAct: 4, matched: 6, skipped: 2, skippedByReason: { processing: 1 } } as unknown as SweepReport;

  it("says action, filter, account, mode and when, in words", () => {
    expect(describeRun(args, "create", null, "test")).toBe(`redact every session matching {"clientReferenceIdPrefix":"app-"} in the platform's own account (test mode), when this up creates it`);
    expect(describeRun({ ...args, dryRun: true }, "everyUp", "acct_1X", "live")).toMatch(/^count \(dry run: change nothing\) .* in connected account acct_1X \(live mode\), on this up \(runOn everyUp\)$/);
    expect(countWords("redact", report)).toBe("it would redact 4 session(s) now, and wait for 1 Stripe is still checking (matched 6, 2 need nothing)");
    expect(workFor(report)).toBe(5);
  });

  it("progress leads with the count and fits 120 columns with the name in front", () => {
    const p = { phase: "acting", listed: 123_456, matched: 45_678, redacted: 12_345, canceled: 0, skipped: 12, failed: 1, unknown: 0, wouldAct: 0, requests: 2_000, rateLimited: 0, elapsedMs: 80_000, rate: 25, listingDone: false, pending: 0 } as unknown as SweepProgress;
    const line = `stale-test-sessions: ${rowProgress("redact", p)}`;
    expect(line).toBe("stale-test-sessions: redacted 12,345 of 45,678 matched; listed 123,456, skipped 12, failed 1; 25.0/s");
    expect(line.length).toBeLessThanOrEqual(120);
  });
});
