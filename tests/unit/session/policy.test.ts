import type { ApiSession } from "../../../provider/session/api";
import { planDelete, modeMismatch, type DeleteAction, type DeletionPolicy, type Observation } from "../../../provider/session/policy";
import { observe } from "../../../provider/session/remove";

type Expected = DeleteAction["kind"];
const found = (status: "requires_input" | "processing" | "verified" | "canceled", redactionStatus: "processing" | "redacted" | null = null): Observation => ({
  found: true,
  status,
  redactionStatus,
});

/** What the provider observes of a session whose check failed: back in requires_input, with a last_error. */
const failedCheck = observe({
  id: "vs_failed",
  object: "identity.verification_session",
  status: "requires_input",
  last_error: { code: "document_expired", reason: "The document is expired." },
  redaction: null,
} as ApiSession);

// The delete policy table (docs/verification-session.md), row by row: [label, observation, cancel, redact, retain].
const TABLE: [string, Observation, Expected, Expected, Expected][] = [
  ["requires_input", found("requires_input"), "cancel", "redact", "leave"],
  ["processing", found("processing"), "wait", "wait", "leave"],
  ["verified", found("verified"), "leave", "redact", "leave"],
  ["canceled", found("canceled"), "leave", "leave", "leave"],
  ["requires_input, failed check (last_error set)", failedCheck, "cancel", "redact", "leave"],
  ["redaction processing (was requires_input)", found("canceled", "processing"), "leave", "leave", "leave"],
  ["redaction processing (was verified)", found("verified", "processing"), "leave", "leave", "leave"],
  ["redacted (canceled)", found("canceled", "redacted"), "leave", "leave", "leave"],
  ["redacted (verified)", found("verified", "redacted"), "leave", "leave", "leave"],
  ["404 in the key's own mode", { found: false }, "gone", "gone", "leave"],
];
const POLICIES: DeletionPolicy[] = ["cancel", "redact", "retain"];

describe("planDelete: the policy table", () => {
  const cases = TABLE.flatMap(([label, observation, ...expected]) =>
    POLICIES.map((policy, i) => [label, policy, observation, expected[i]] as const),
  );
  it.each(cases)("%s x %s", (_label, policy, observation, expected) => {
    const action = planDelete({ observation, policy, stateLivemode: false, keyMode: "test" });
    expect(action.kind).toBe(expected);
    // Every cell that leaves the session gives a reason for the log.
    if (action.kind === "leave" || action.kind === "gone") expect(action.reason.length).toBeGreaterThan(10);
  });

  it("warns (not just informs) where a session is left that the policy wanted gone", () => {
    const verifiedCancel = planDelete({ observation: found("verified"), policy: "cancel", stateLivemode: false, keyMode: "test" });
    const canceledRedact = planDelete({ observation: found("canceled"), policy: "redact", stateLivemode: false, keyMode: "test" });
    expect(verifiedCancel).toMatchObject({ kind: "leave", severity: "warn" });
    expect(canceledRedact).toMatchObject({ kind: "leave", severity: "warn" });
  });

  it.each(POLICIES)("mode mismatch is an error for %s, in both directions, naming both modes", (policy) => {
    for (const [stateLivemode, keyMode] of [[true, "test"], [false, "live"]] as const) {
      for (const [, observation] of TABLE) {
        const action = planDelete({ observation, policy, stateLivemode, keyMode });
        expect(action.kind).toBe("error");
        if (action.kind === "error") expect(action.reason).toMatch(stateLivemode ? /live mode.*test-mode key/ : /test mode.*live-mode key/);
      }
    }
  });

  it("cannot check the mode without one side, and does not invent a mismatch", () => {
    expect(modeMismatch(undefined, "test")).toBeUndefined();
    expect(modeMismatch(true, undefined)).toBeUndefined();
    expect(modeMismatch(true, "live")).toBeUndefined();
  });
});
