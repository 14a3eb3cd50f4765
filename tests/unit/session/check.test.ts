import fc from "fast-check";
import { checkArgs, formatPath } from "../../../provider/session/check";
import { UNKNOWN } from "../../../provider/values";

const failuresOf = (news: unknown) => checkArgs(news).failures.map((f) => `${f.property}: ${f.reason}`);

describe("checkArgs", () => {
  it("accepts every create parameter and fills lifecycle defaults", () => {
    const news = {
      __provider: "exports.handler = ...",
      type: "document",
      options: { document: { allowedTypes: ["passport", "id_card"], requireIdNumber: true, requireLiveCapture: true, requireMatchingSelfie: true } },
      providedDetails: { email: "a@example.com", phone: "+15555550100" },
      metadata: { team: "kyc" },
      clientReferenceId: "user_1",
      relatedCustomer: "cus_1",
      relatedCustomerAccount: "acct_1",
      relatedPerson: { account: "acct_1", person: "person_1" },
      returnUrl: "https://example.com/done",
    };
    const outcome = checkArgs(news);
    expect(outcome.failures).toEqual([]);
    expect(outcome.inputs).toMatchObject({ ...news, deletionPolicy: "cancel", processingTimeoutSeconds: 120, recreateOnCanceled: true, tagMetadata: true, includeReportSummary: false });
  });

  // One case per kind of invalid arg: [label, args, expected "path: reason" (regex)].
  const BAD: [string, Record<string, unknown>, RegExp][] = [
    ["enum in an array", { type: "document", options: { document: { allowedTypes: ["passport", "selfie"] } } }, /^options\.document\.allowedTypes\[1\]: expected one of driving_license, id_card, passport, got the string "selfie"$/],
    ["enum", { type: "selfie" }, /^type: expected one of document, id_number/],
    ["wrong type", { type: "document", options: { document: { requireIdNumber: "yes" } } }, /^options\.document\.requireIdNumber: expected boolean, got the string "yes"$/],
    ["unknown field", { type: "document", colour: "blue" }, /^colour: unknown field$/],
    ["unknown nested field", { type: "document", options: { email: {} } }, /^options\.email: unknown field$/],
    ["missing nested required", { type: "document", relatedPerson: { account: "acct_1" } }, /^relatedPerson\.person: required/],
    ["neither type nor flow", { metadata: {} }, /^type: set type \(document or id_number\) or verificationFlow$/],
    ["both type and flow", { type: "document", verificationFlow: "vf_1" }, /^type: leave type unset/],
    ["metadata value type", { type: "document", metadata: { a: 1 } }, /^metadata\.a: expected string, got number 1$/],
    ["metadata value too long", { type: "document", metadata: { a: "x".repeat(501) } }, /^metadata\.a: expected a value of at most 500/],
    ["metadata key too long", { type: "document", metadata: { ["k".repeat(41)]: "v" } }, /^metadata\.k+: expected a key of at most 40/],
    ["too many metadata keys", { type: "document", metadata: Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, "v"])) }, /^metadata: expected at most 47 keys/],
    ["reserved tag key", { type: "document", metadata: { pulumi_stack: "x" } }, /^metadata\.pulumi_stack: reserved for the resource tag/],
    ["policy", { type: "document", deletionPolicy: "delete" }, /^deletionPolicy: expected one of cancel, redact, retain/],
    ["timeout not whole", { type: "document", processingTimeoutSeconds: 1.5 }, /^processingTimeoutSeconds: expected a whole number/],
    ["timeout negative", { type: "document", processingTimeoutSeconds: -1 }, /^processingTimeoutSeconds: /],
    ["timeout as text", { type: "document", processingTimeoutSeconds: "60" }, /^processingTimeoutSeconds: expected number/],
    ["boolean lifecycle", { type: "document", recreateOnCanceled: "no" }, /^recreateOnCanceled: expected boolean/],
    ["adopt id", { adoptSessionId: "cus_123" }, /^adoptSessionId: expected a VerificationSession id/],
    ["return url", { type: "document", returnUrl: "done.html" }, /^returnUrl: expected an absolute URL/],
    ["empty string", { type: "document", clientReferenceId: "" }, /^clientReferenceId: expected a non-empty string/],
    ["empty allowed types", { type: "document", options: { document: { allowedTypes: [] } } }, /^options\.document\.allowedTypes: expected at least one/],
    ["object expected", { type: "document", providedDetails: "a@example.com" }, /^providedDetails: expected object, got the string/],
  ];
  it.each(BAD)("%s", (_label, args, expected) => {
    const failures = failuresOf(args);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(expected);
  });

  it("reports every bad field, one failure each", () => {
    const failures = failuresOf({ type: "x", deletionPolicy: "y", options: { document: { allowedTypes: ["a", "passport", "b"] } } });
    expect(failures.map((f) => f.split(":")[0]).sort()).toEqual(["deletionPolicy", "options.document.allowedTypes[0]", "options.document.allowedTypes[2]", "type"]);
  });

  it("skips values unknown at preview, at any depth, and keeps the inputs as given", () => {
    const news = { type: UNKNOWN, processingTimeoutSeconds: UNKNOWN, options: UNKNOWN, metadata: { a: UNKNOWN }, relatedPerson: { account: UNKNOWN, person: "p" } };
    expect(checkArgs(news)).toEqual({ inputs: news, failures: [] });
    // ...but still reports known bad values next to them.
    expect(failuresOf({ ...news, deletionPolicy: "nope" })).toEqual([expect.stringMatching(/^deletionPolicy:/)]);
  });

  it("rejects a non-object without throwing", () => {
    expect(failuresOf(null)).toEqual([": expected an object of arguments, got null"]);
    expect(failuresOf([1])).toEqual([": expected an object of arguments, got an array"]);
  });

  it("formats paths like the SDK's property names", () => {
    expect(formatPath(["options", "document", "allowedTypes", 1])).toBe("options.document.allowedTypes[1]");
    expect(formatPath([])).toBe("");
  });
});

describe("property: check() never throws", () => {
  const valueish = fc.oneof(fc.constant(UNKNOWN), fc.anything({ withNullPrototype: true, withObjectString: true, withBigInt: true, withMap: true, withSet: true, withDate: true }));
  const field = fc.constantFrom(
    "type", "verificationFlow", "options", "providedDetails", "metadata", "clientReferenceId", "relatedCustomer",
    "relatedCustomerAccount", "relatedPerson", "returnUrl", "deletionPolicy", "processingTimeoutSeconds",
    "recreateOnCanceled", "adoptSessionId", "tagMetadata", "includeReportSummary", "pulumiTag", "__proto__", "constructor", "x",
  );
  const nested = fc.dictionary(fc.constantFrom("document", "allowedTypes", "email", "account", "person", "a"), valueish, { maxKeys: 4 });

  it("for thousands of random arg objects, returning failures with a property and a reason", () => {
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(field, fc.oneof(valueish, nested), { maxKeys: 8 }), fc.anything()), (news) => {
        const outcome = checkArgs(news);
        for (const failure of outcome.failures) {
          expect(typeof failure.property).toBe("string");
          expect(failure.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
