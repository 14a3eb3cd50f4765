import fc from "fast-check";
import { isUpdatable, planDiff } from "../../../provider/session/diff";
import { changedUpdatableFields, inexpressibleChanges, updateParams } from "../../../provider/session/mapping";
import {
  CREATE_ONLY_FIELDS,
  IGNORED_FIELDS,
  PLACEMENT_FIELDS,
  LIFECYCLE_FIELDS,
  LifecycleShape,
  SessionParamsShape,
  UPDATABLE_FIELDS,
  type SessionArgs,
} from "../../../provider/session/schema";
import { UNKNOWN } from "../../../provider/values";
import spec from "../../../spec/identity.json";

/**
 * What Stripe's spec says, not the implementation's own lists: the create and update parameters of
 * a VerificationSession (form fields, `expand` aside), as the camelCase args the resource takes.
 */
type FormOperation = { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } };
function specWireParams(path: string): string[] {
  const operation = (spec.paths as Record<string, { post?: FormOperation }>)[path].post;
  const properties = operation?.requestBody?.content?.["application/x-www-form-urlencoded"]?.schema?.properties ?? {};
  return Object.keys(properties).filter((name) => name !== "expand");
}
const specParams = (path: string): string[] => specWireParams(path).map((name) => name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())).sort();
const SPEC_CREATE = specParams("/v1/identity/verification_sessions");
const SPEC_UPDATABLE = specParams("/v1/identity/verification_sessions/{session}");
const SPEC_CREATE_ONLY = SPEC_CREATE.filter((field) => !SPEC_UPDATABLE.includes(field));

const ID = "vs_current";
const baseArgs = { type: "document", deletionPolicy: "cancel", processingTimeoutSeconds: 120, recreateOnCanceled: true, tagMetadata: true, includeReportSummary: false };
const state = (over: Record<string, unknown> = {}) => ({
  ...baseArgs,
  status: "requires_input",
  livemode: false,
  created: 1_700_000_000,
  clientSecret: "vs_secret",
  url: "https://verify.example/x",
  lastError: null,
  lastVerificationReport: null,
  redactionStatus: null,
  ...over,
});

// A changed value for every input field.
const CHANGES: Record<string, [unknown, unknown]> = {
  clientReferenceId: ["a", "b"],
  relatedCustomer: ["cus_1", "cus_2"],
  relatedCustomerAccount: ["acct_1", "acct_2"],
  relatedPerson: [{ account: "acct_1", person: "person_1" }, { account: "acct_1", person: "person_2" }],
  returnUrl: ["https://a.example", "https://b.example"],
  verificationFlow: ["vf_1", "vf_2"],
  metadata: [{ a: "1" }, { a: "2" }],
  options: [{ document: { allowedTypes: ["passport"] } }, { document: { allowedTypes: ["id_card"] } }],
  providedDetails: [{ email: "a@example.com" }, { email: "b@example.com" }],
  type: ["document", "id_number"],
  deletionPolicy: ["cancel", "redact"],
  processingTimeoutSeconds: [120, 30],
  recreateOnCanceled: [true, false],
  tagMetadata: [true, false],
  includeReportSummary: [false, true],
  adoptSessionId: [ID, undefined],
  stripeAccount: ["acct_A1", "acct_B2"],
  pulumiTag: [{ project: "p", stack: "s", resource: "r" }, { project: "p", stack: "s", resource: "renamed" }],
};

describe("field classification", () => {
  it("follows the spec: updatable = the update endpoint's parameters, create-only = the rest of create's", () => {
    expect(SPEC_UPDATABLE.length).toBeGreaterThan(0);
    expect(SPEC_UPDATABLE.every((field) => SPEC_CREATE.includes(field))).toBe(true);
    expect([...UPDATABLE_FIELDS].sort()).toEqual(SPEC_UPDATABLE);
    expect([...CREATE_ONLY_FIELDS].sort()).toEqual(SPEC_CREATE_ONLY);
    // Every API parameter is an arg; the other args are the provider's own.
    expect(SPEC_CREATE.filter((field) => !(field in SessionParamsShape))).toEqual([]);
  });

  it("classifies every input field exactly once", () => {
    const classified = [...CREATE_ONLY_FIELDS, ...UPDATABLE_FIELDS, ...LIFECYCLE_FIELDS, ...PLACEMENT_FIELDS, ...IGNORED_FIELDS].sort();
    expect(classified).toEqual(Object.keys({ ...SessionParamsShape, ...LifecycleShape }).sort());
    expect(Object.keys(CHANGES).sort()).toEqual(classified);
  });

  it.each([...SPEC_CREATE_ONLY, ...PLACEMENT_FIELDS].map((f) => [f]))("%s: create-only, a change replaces", (field) => {
    const [before, after] = CHANGES[field];
    const plan = planDiff(ID, state({ [field]: before }), { ...baseArgs, [field]: after });
    expect(plan).toMatchObject({ changes: true, replaces: [field], updates: [] });
  });

  it.each(SPEC_UPDATABLE.map((f) => [f]))("%s: updatable, an update while requires_input", (field) => {
    const [before, after] = CHANGES[field];
    const plan = planDiff(ID, state({ [field]: before }), { ...baseArgs, [field]: after });
    expect(plan).toMatchObject({ changes: true, replaces: [], updates: [field] });
  });

  it.each(SPEC_UPDATABLE.flatMap((f) => [["processing", null, f], ["verified", null, f], ["canceled", null, f], ["requires_input", "redacted", f]]))(
    "%s (redaction %s): a change of %s replaces",
    (status, redactionStatus, field) => {
      const [before, after] = CHANGES[field as string];
      const plan = planDiff(ID, state({ status, redactionStatus, [field as string]: before, recreateOnCanceled: false }), {
        ...baseArgs,
        recreateOnCanceled: false,
        [field as string]: after,
      });
      expect(plan.replaces).toContain(field);
      expect(plan.updates).toEqual([]);
    },
  );

  it.each(LIFECYCLE_FIELDS.map((f) => [f]))("%s: lifecycle, an update with no API call", (field) => {
    const [before, after] = CHANGES[field];
    const olds = state({ [field]: before });
    const news = { ...baseArgs, [field]: after };
    const plan = planDiff(ID, olds, news);
    expect(plan).toMatchObject({ changes: true, replaces: [], updates: [], lifecycle: [field] });
    expect(updateParams(olds as Partial<SessionArgs>, news as Partial<SessionArgs>)).toEqual({});
  });

  it("pulumiTag (the metadata tag's source) is ignored", () => {
    const [before, after] = CHANGES.pulumiTag;
    expect(planDiff(ID, state({ pulumiTag: before }), { ...baseArgs, pulumiTag: after }).changes).toBe(false);
  });

  it("no change: no changes, and defaults equal unset lifecycle args", () => {
    expect(planDiff(ID, state(), { type: "document" })).toEqual({ changes: false, replaces: [], updates: [], lifecycle: [], drift: undefined });
  });

  it("adopting a different session replaces; dropping adoptSessionId after adopting does not", () => {
    expect(planDiff(ID, state(), { ...baseArgs, adoptSessionId: "vs_other" }).replaces).toEqual(["adoptSessionId"]);
    expect(planDiff(ID, state({ adoptSessionId: ID }), { ...baseArgs }).replaces).toEqual([]);
  });

  it("ignores the API's type when the input leaves it unset (verification_flow sessions)", () => {
    const olds = state({ type: "verification_flow", verificationFlow: "vf_1" });
    expect(planDiff(ID, olds, { verificationFlow: "vf_1" }).changes).toBe(false);
  });

  it("removing provided email or phone cannot be expressed by update: replace", () => {
    const olds = state({ providedDetails: { email: "a@example.com", phone: "+15555550100" } });
    expect(planDiff(ID, olds, { ...baseArgs, providedDetails: { email: "a@example.com" } }).replaces).toEqual(["providedDetails"]);
  });

  it("treats unknown values at preview as changes (create-only: replace; updatable: update)", () => {
    expect(planDiff(ID, state({ clientReferenceId: "a" }), { ...baseArgs, clientReferenceId: UNKNOWN }).replaces).toEqual(["clientReferenceId"]);
    expect(planDiff(ID, state({ metadata: { a: "1" } }), { ...baseArgs, metadata: { a: UNKNOWN } }).updates).toEqual(["metadata"]);
  });
});

describe("status drift", () => {
  const DRIFT: [string, Record<string, unknown>, string[] | null][] = [
    ["canceled outside Pulumi", { status: "canceled" }, ["status"]],
    ["redacted outside Pulumi (processing)", { status: "canceled", redactionStatus: "processing" }, ["status"]],
    ["redacted after verification", { status: "verified", redactionStatus: "redacted" }, ["redactionStatus"]],
    ["verified outside Pulumi", { status: "verified" }, null],
    ["processing", { status: "processing" }, null],
    ["failed (requires_input with lastError)", { status: "requires_input", lastError: { code: "document_expired", reason: "expired" } }, null],
  ];
  it.each(DRIFT)("%s", (_label, over, replaces) => {
    const withRecreate = planDiff(ID, state(over), { ...baseArgs });
    const without = planDiff(ID, state({ ...over, recreateOnCanceled: false }), { ...baseArgs, recreateOnCanceled: false });
    if (replaces) {
      expect(withRecreate).toMatchObject({ changes: true, replaces });
      expect(withRecreate.drift).toMatch(/outside Pulumi/);
    } else {
      expect(withRecreate.changes).toBe(false);
    }
    expect(without.changes).toBe(false);
  });
});

describe("property: diff never proposes an in-place update the API would reject", () => {
  const status = fc.constantFrom("requires_input", "processing", "verified", "canceled");
  const redaction = fc.constantFrom(null, "processing", "redacted");
  const meta = fc.dictionary(fc.constantFrom("a", "b", "c"), fc.constantFrom("1", "2", ""), { maxKeys: 3 });
  const doc = fc.record({ allowedTypes: fc.subarray(["driving_license", "id_card", "passport"], { minLength: 1 }), requireLiveCapture: fc.boolean() }, { requiredKeys: [] });
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const args = fc.record({
    type: maybe(fc.constantFrom("document", "id_number")),
    metadata: maybe(meta),
    options: maybe(fc.record({ document: maybe(doc) })),
    providedDetails: maybe(fc.record({ email: maybe(fc.constantFrom("a@example.com", "b@example.com")), phone: maybe(fc.constantFrom("+15555550100")) })),
    clientReferenceId: maybe(fc.constantFrom("r1", "r2")),
    returnUrl: maybe(fc.constantFrom("https://a.example")),
    deletionPolicy: maybe(fc.constantFrom("cancel", "redact", "retain")),
    recreateOnCanceled: maybe(fc.boolean()),
    processingTimeoutSeconds: maybe(fc.constantFrom(0, 60, 120)),
  });

  it("updates only when requires_input and not redacted, and sends only changed updatable fields", () => {
    fc.assert(
      fc.property(args, args, status, redaction, (oldArgs, newArgs, st, red) => {
        const olds = state({ ...oldArgs, status: st, redactionStatus: red });
        const plan = planDiff(ID, olds, newArgs);
        const params = updateParams(olds as Partial<SessionArgs>, newArgs as Partial<SessionArgs>);
        const isInPlace = plan.changes && plan.replaces.length === 0;
        if (isInPlace && Object.keys(params).length > 0) {
          // The API accepts updates only here, and only the update endpoint's parameters.
          expect(isUpdatable(olds)).toBe(true);
          expect(Object.keys(params).every((k) => specWireParams("/v1/identity/verification_sessions/{session}").includes(k))).toBe(true);
          expect(inexpressibleChanges(olds as Partial<SessionArgs>, newArgs as Partial<SessionArgs>)).toEqual([]);
          expect(plan.updates.sort()).toEqual(changedUpdatableFields(olds as Partial<SessionArgs>, newArgs as Partial<SessionArgs>).sort());
        }
        // A create-only change is never an update.
        for (const field of SPEC_CREATE_ONLY) {
          const a = (oldArgs as Record<string, unknown>)[field];
          const b = (newArgs as Record<string, unknown>)[field];
          if (a !== b) expect(plan.replaces).toContain(field);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
