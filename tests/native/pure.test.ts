/** The plugin's pure parts: wire values, URNs, config, change kinds, the session's detailed diff. */
import { changedConfig, checkConfig, fromVariables } from "../../native/config";
import { concealProperties, revealProperties, SECRET_SIG, SIG_KEY } from "../../native/properties";
import { importedArgs, sessionDiff } from "../../native/resources/session";
import { changeKind, previewOutputs } from "../../native/resources/types";
import { parseUrn } from "../../native/urn";
import { UNKNOWN } from "../../provider/values";

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

test("secrets are revealed for the core and go back out as secrets, with the declared outputs", () => {
  const revealed = revealProperties({ metadata: { team: secret("a") }, type: "document", list: [secret(1)] });
  expect(revealed.values).toEqual({ metadata: { team: "a" }, type: "document", list: [1] });
  expect([...revealed.secretKeys].sort()).toEqual(["list", "metadata"]);
  expect(concealProperties({ metadata: { team: "a" }, type: "document", url: null, clientSecret: "cs", gone: undefined }, [...revealed.secretKeys, "url", "clientSecret"])).toEqual({
    metadata: secret({ team: "a" }),
    type: "document",
    url: null,
    clientSecret: secret("cs"),
  });
});

test("URNs: stack, project, the resource's own type (not its parents'), name with colons", () => {
  expect(parseUrn("urn:pulumi:dev::shop::stripe-identity:index:VerificationSession::kyc")).toEqual({ stack: "dev", project: "shop", type: "stripe-identity:index:VerificationSession", name: "kyc" });
  expect(parseUrn("urn:pulumi:s::p::my:Comp$stripe-identity:index:BulkRedaction::a::b")?.type).toBe("stripe-identity:index:BulkRedaction");
  expect(parseUrn("vs_123")).toBeUndefined();
});

test("config: typed or text values, the older variables map, changes never replace", () => {
  expect(checkConfig({ apiKey: "sk_test_emulator1", allowLivemode: true, maxNetworkRetries: 2 }, {}).config).toMatchObject({ allowLivemode: true, maxNetworkRetries: 2 });
  expect(checkConfig({}, { STRIPE_API_KEY: "sk_test_fromenv1" }).config?.apiKey).toBe("sk_test_fromenv1");
  expect(checkConfig({ allowLivemode: "maybe" }, {}).failures).toEqual([{ property: "allowLivemode", reason: expect.stringContaining("true or false") }]);
  expect(fromVariables([["stripe-identity:config:apiBase", "http://x"], ["other:config:a", "b"], ["stripe-identity:stripeAccount", "acct_1"]])).toEqual({ apiBase: "http://x", stripeAccount: "acct_1" });
  expect(changedConfig({ apiKey: "a", stripeAccount: "acct_1" }, { apiKey: "a", stripeAccount: "acct_2" })).toEqual(["stripeAccount"]);
});

test("change kinds", () => {
  expect(changeKind(undefined, 1, false)).toBe("add");
  expect(changeKind(1, undefined, true)).toBe("delete-replace");
  expect(changeKind(1, 2, true)).toBe("update-replace");
  expect(changeKind(1, 2, false)).toBe("update");
});

test("preview outputs: computed ones unknown, or kept from state on update", () => {
  expect(previewOutputs({ type: "document" }, ["status", "url"], undefined)).toEqual({ type: "document", status: UNKNOWN, url: UNKNOWN });
  expect(previewOutputs({ type: "document" }, ["status", "url"], { status: "requires_input" })).toEqual({ type: "document", status: "requires_input", url: UNKNOWN });
});

test("session detailed diff: updates, lifecycle-only changes, redaction drift", () => {
  const olds = { type: "document", metadata: { a: "1" }, status: "requires_input", redactionStatus: null };
  expect(sessionDiff("vs_1", olds, { type: "document", metadata: { a: "2" }, processingTimeoutSeconds: 5 }).detailed).toEqual({
    metadata: { kind: "update", input: true },
    processingTimeoutSeconds: { kind: "add", input: true },
  });
  const redacted = sessionDiff("vs_1", { ...olds, status: "canceled", redactionStatus: "redacted" }, { type: "document", metadata: { a: "1" } });
  expect(redacted.replaces).toEqual(["status"]);
  expect(redacted.drift).toMatch(/canceled outside Pulumi/);
  expect(sessionDiff("vs_1", { ...olds, redactionStatus: "processing" }, { type: "document", metadata: { a: "1" } }).detailed).toEqual({ redactionStatus: { kind: "update-replace", input: false } });
});

test("imported args: the API's type, metadata without the provider's tag", () => {
  const session = { id: "vs_1", type: "document", metadata: { pulumi_project: "p", pulumi_stack: "s", pulumi_resource: "r" }, client_reference_id: null, options: { document: {} } } as never;
  expect(importedArgs(session)).toEqual({ type: "document" });
});
