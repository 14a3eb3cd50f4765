// The policy pack's decisions (policy-pack/rules.js) as plain functions; tests/engine/policy-pack.test.ts
// runs them through `pulumi preview --policy-pack`.
import * as path from "node:path";

type Props = Record<string, unknown>;
interface Rules {
  SESSION_TYPES: readonly string[];
  REDACTION_TYPES: readonly string[];
  stackLivemode(config: Record<string, unknown>): boolean;
  isLive(props: Props, context: { stackLive: boolean; assumeLivemode: boolean }): boolean;
  retainNeedsReason(name: string, props: Props, context: { live: boolean; reasonTag: string }): string[];
  liveRedactionSafeguards(name: string, props: Props, context: { live: boolean; requireMaxSessions: boolean; maxSessionsLimit?: number }): string[];
  teardownProtected(name: string, props: Props, opts: { protect: boolean }): string[];
}
// The pack is plain JavaScript (it runs without a compile step wherever it is installed).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rules = require(path.join(__dirname, "..", "..", "policy-pack", "rules.js")) as Rules;

describe("which resources and stacks the rules judge", () => {
  test("this package's dynamic types and the native plugin's tokens", () => {
    expect(rules.SESSION_TYPES).toEqual(["pulumi-nodejs:dynamic/stripe-identity:VerificationSession", "stripe-identity:index:VerificationSession"]);
    expect(rules.REDACTION_TYPES).toEqual(["pulumi-nodejs:dynamic/stripe-identity:BulkRedactionRun", "stripe-identity:index:BulkRedaction"]);
  });

  test.each([
    [{}, false],
    [{ "stripe-identity:apiKey": "sk_test_emulatorabc" }, false],
    [{ "stripe-identity:apiKey": "sk_live_abc" }, true],
    [{ "stripe-identity:config:apiKey": " rk_live_abc" }, true],
    [{ "stripe-identity:allowLivemode": "true" }, true],
    [{ "stripe-identity:allowLivemode": "false", "other:apiKey": "sk_live_x" }, false],
  ])("stack config %j is live: %s", (config, live) => {
    expect(rules.stackLivemode(config)).toBe(live);
  });

  test.each([
    [{}, false, false, false],
    [{ livemode: true }, false, false, true],
    [{ allowLivemode: true }, false, false, true],
    [{}, true, false, true],
    [{}, false, true, true],
  ])("props %j, stack live %s, assumed %s: live %s", (props, stackLive, assumeLivemode, live) => {
    expect(rules.isLive(props, { stackLive, assumeLivemode })).toBe(live);
  });
});

describe("retainNeedsReason", () => {
  const context = { live: true, reasonTag: "retain-reason" };
  test.each([
    ["a test-mode session", { deletionPolicy: "retain" }, { ...context, live: false }, 0],
    ["cancel", { deletionPolicy: "cancel" }, context, 0],
    ["retain with a reason", { deletionPolicy: "retain", metadata: { "retain-reason": "legal hold" } }, context, 0],
    ["retain, no metadata", { deletionPolicy: "retain" }, context, 1],
    ["retain, blank reason", { deletionPolicy: "retain", metadata: { "retain-reason": "  " } }, context, 1],
    ["retain, reason under another tag", { deletionPolicy: "retain", metadata: { "retain-reason": "x" } }, { ...context, reasonTag: "hold" }, 1],
  ])("%s", (_title, props, ctx, count) => {
    const violations = rules.retainNeedsReason("held", props, ctx);
    expect(violations).toHaveLength(count);
    if (count) expect(violations[0]).toMatch(new RegExp(`"held".*metadata\\["${ctx.reasonTag}"\\]`));
  });
});

describe("liveRedactionSafeguards", () => {
  const safe = { action: "redact", filter: { createdBefore: "30d" }, evidence: { path: "e.jsonl" }, maxSessions: 100 };
  const context = { live: true, requireMaxSessions: true };
  test.each([
    ["a safe live redaction", safe, context, []],
    ["test mode", { action: "redact" }, { ...context, live: false }, []],
    ["cancel only", { action: "cancel" }, context, []],
    ["a dry run", { action: "redact", dryRun: true }, context, []],
    ["no evidence", { ...safe, evidence: undefined }, context, ["without evidence"]],
    ["an evidence path that is blank", { ...safe, evidence: { path: "" } }, context, ["without evidence"]],
    ["status alone", { ...safe, filter: { status: ["verified"], excludeIds: ["vs_1"] } }, context, ["unbounded filter"]],
    ["empty metadata", { ...safe, filter: { metadata: {} } }, context, ["unbounded filter"]],
    ["metadata bound", { ...safe, filter: { metadata: { cohort: "a" } } }, context, []],
    ["no maxSessions", { ...safe, maxSessions: undefined }, context, ["no maxSessions"]],
    ["no maxSessions, not required", { ...safe, maxSessions: undefined }, { ...context, requireMaxSessions: false }, []],
    ["above the stack's limit", { ...safe, maxSessions: 5000 }, { ...context, maxSessionsLimit: 1000 }, ["above this stack's limit of 1000"]],
    ["everything missing", { action: "redact" }, context, ["without evidence", "unbounded filter", "no maxSessions"]],
  ])("%s", (_title, props, ctx, expected) => {
    const violations = rules.liveRedactionSafeguards("purge", props, ctx);
    expect(violations).toHaveLength(expected.length);
    expected.forEach((text, i) => expect(violations[i]).toContain(text));
  });
});

describe("teardownProtected", () => {
  test.each([
    [{ runOn: ["create"] }, false, 0],
    [{}, false, 0],
    [{ runOn: ["destroy"], action: "redact" }, true, 0],
    [{ runOn: ["destroy"], action: "redact" }, false, 1],
    [{ runOn: ["everyUp", "destroy"], action: "cancel" }, false, 1],
  ])("%j, protect %s: %i violation(s)", (props, protect, count) => {
    const violations = rules.teardownProtected("purge", props, { protect });
    expect(violations).toHaveLength(count);
    if (count) expect(violations[0]).toMatch(/"purge" (redacts|cancels) sessions at teardown/);
  });
});
