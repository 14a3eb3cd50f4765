/** The Redaction Jobs strategy's pure decisions, case by case. */
import type { SessionRecord } from "../../../provider/redaction/api";
import { JOB_STATUSES } from "../../../provider/redaction/jobs/client";
import { createdRange, dropReason, jobPhase, mustNotRun, nextPollMs, splitChunk, tooManyObjects } from "../../../provider/redaction/jobs/decide";

test.each([
  ["created", "pending"], ["validating", "pending"], ["ready", "ready"], ["failed", "failed"], ["redacting", "redacting"],
  ["succeeded", "succeeded"], ["canceling", "canceled"], ["canceled", "canceled"], ["paused", "unknown"], ["", "unknown"],
])("job status %s -> %s", (status, phase) => expect(jobPhase(status)).toBe(phase));

test("every status Stripe documents has a known phase", () => {
  for (const status of JOB_STATUSES) expect(jobPhase(status)).not.toBe("unknown");
});

test("validation codes: another job's hold is its own reason; every other refusal is Stripe's validation", () => {
  expect(dropReason({ code: "locked_by_other_job" })).toBe("locked_by_other_job");
  for (const code of ["invalid_state", "invalid_cascading_source", "invalid_file_purpose", "something_new"]) expect(dropReason({ code })).toBe("refused_by_job_validation");
  expect(tooManyObjects([{ code: "invalid_state" }, { code: "too_many_objects" }])).toBe(true);
  expect(tooManyObjects([{ code: "invalid_state" }])).toBe(false);
});

test("a chunk splits in two halves (the first the larger); one session cannot be split", () => {
  expect(splitChunk([1, 2, 3, 4, 5])).toEqual([[1, 2, 3], [4, 5]]);
  expect(splitChunk([1, 2])).toEqual([[1], [2]]);
  expect(splitChunk([1])).toBeUndefined();
  expect(splitChunk([])).toBeUndefined();
});

test("created range and poll intervals", () => {
  expect(createdRange([{ id: "a", status: "verified", created: 20 }, { id: "b", status: "verified", created: 10 }])).toEqual({ gte: 10, lt: 21 });
  expect(nextPollMs(undefined, 1000, 10_000)).toBe(1000);
  expect(nextPollMs(1000, 1000, 10_000)).toBe(1500);
  expect(nextPollMs(9000, 1000, 10_000)).toBe(10_000);
});

describe("mustNotRun: the re-check before run", () => {
  const listed = (id: string, status: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({
    id, status, created: 1, type: "document", client_reference_id: null, related_customer: null, metadata: { batch: "b1" }, redaction: null, ...extra,
  });
  const matches = (s: SessionRecord): boolean => s.metadata?.batch === "b1";
  const candidates = ["a", "b", "c", "d", "e", "f"].map((id) => ({ id, status: "verified", created: 1 }));

  test("each way a validated session can stop being runnable", () => {
    const seen = new Map([
      ["a", listed("a", "verified", { redaction: { status: "validated" } })], // held by this job: fine
      // b: not listed any more (status changed out of the list query, or gone)
      ["c", listed("c", "verified", { metadata: { batch: "moved" } })],
      ["d", listed("d", "canceled")],
      ["e", listed("e", "verified", { redaction: { status: "processing" } })],
      ["f", listed("f", "verified", { redaction: { status: "redacted" } })],
    ]);
    expect(Object.fromEntries(mustNotRun(candidates, seen, matches))).toEqual({
      b: "no_longer_matches",
      c: "no_longer_matches",
      d: "no_longer_matches",
      e: "redaction_in_progress",
      f: "already_redacted",
    });
  });

  test("executing a plan, a status change is changed_since_plan", () => {
    const seen = new Map([["a", listed("a", "requires_input")]]);
    expect(Object.fromEntries(mustNotRun(candidates.slice(0, 1), seen, matches, "changed_since_plan"))).toEqual({ a: "changed_since_plan" });
  });
});
