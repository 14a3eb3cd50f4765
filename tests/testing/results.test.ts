/**
 * testing/results.ts: engine events -> an OperationResult. Pure, so each rule is checked here on
 * events shaped as the CLI streams them (the lifecycle through the real CLI is test-stack.test.ts).
 */
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";
import { EventCollector, StackOperationError, errorLines } from "../../testing/results";

const URN = "urn:pulumi:test::p::pulumi-nodejs:dynamic/stripe-identity:VerificationSession::kyc";
const STACK = "urn:pulumi:test::p::pulumi:pulumi:Stack::p-test";
const PROVIDER = "urn:pulumi:test::p::pulumi:providers:pulumi-nodejs::default";

function meta(op: string, urn: string, extra: Partial<StepEventMetadata> = {}): StepEventMetadata {
  const type = urn.split("::")[2];
  return { op: op as OpType, urn, type, provider: "", ...extra };
}
let sequence = 0;
const event = (e: Partial<EngineEvent>): EngineEvent => ({ sequence: sequence++, timestamp: 0, ...e });
const pre = (m: StepEventMetadata) => event({ resourcePreEvent: { metadata: m } });
const done = (m: StepEventMetadata) => event({ resOutputsEvent: { metadata: m } });
const state = (id: string, outputs: Record<string, unknown>) => ({ type: "t", urn: URN, id, parent: "", outputs, inputs: {} }) as unknown as StepEventMetadata["new"];

function collect(events: EngineEvent[]): EventCollector {
  const c = new EventCollector();
  for (const e of events) c.onEvent(e);
  return c;
}

test("a create: the pre event's step gets its id and outputs from the outputs event; __provider is left out", () => {
  const c = collect([pre(meta("create", URN)), done(meta("create", URN, { new: state("vs_1", { status: "requires_input", __provider: "exports.handler = ..." }) }))]);
  const [step] = c.result("up", "", {}).steps;
  expect(step).toMatchObject({ op: "create", name: "kyc", id: "vs_1", newOutputs: { status: "requires_input" } });
  expect(step.newOutputs).not.toHaveProperty("__provider");
});

test("a refresh step keeps op refresh, takes the diff and outputs of its conclusion, and records it as outcome", () => {
  const c = collect([
    pre(meta("refresh", URN, { old: state("vs_1", { status: "requires_input" }) })),
    done(meta("update", URN, { old: state("vs_1", { status: "requires_input" }), new: state("vs_1", { status: "verified" }), diffs: ["status"], detailedDiff: { status: { diffKind: "update" as never, inputDiff: false } } })),
  ]);
  const [step] = c.result("refresh", "", {}).steps;
  expect(step).toMatchObject({ op: "refresh", outcome: "update", diffs: ["status"], detailedDiff: { status: "update" }, oldOutputs: { status: "requires_input" }, newOutputs: { status: "verified" } });
});

test("a replace is its steps, each kept with its own op; replaceKeys from the pre event", () => {
  const c = collect([
    pre(meta("create-replacement", URN, { keys: ["returnUrl"] })),
    done(meta("create-replacement", URN, { new: state("vs_2", {}) })),
    pre(meta("replace", URN, { keys: ["returnUrl"] })),
    done(meta("replace", URN)),
    pre(meta("delete-replaced", URN, { old: state("vs_1", {}) })),
    done(meta("delete-replaced", URN, { old: state("vs_1", {}) })),
  ]);
  const steps = c.result("up", "", {}).steps;
  expect(steps.map((s) => [s.op, s.id, s.replaceKeys])).toEqual([
    ["create-replacement", "vs_2", ["returnUrl"]],
    ["replace", undefined, ["returnUrl"]],
    ["delete-replaced", "vs_1", []],
  ]);
});

test("the stack and default providers are not steps; same steps are not changes; outputs split into values and secret names", () => {
  const c = collect([pre(meta("same", STACK)), pre(meta("create", PROVIDER)), pre(meta("same", URN)), event({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { same: 2 }, policyPacks: {} } })]);
  const result = c.result("up", "text", { id: { value: "vs_1", secret: false }, url: { value: "https://x", secret: true } });
  expect(result.steps.map((s) => s.name)).toEqual(["kyc"]);
  expect(result.changes).toEqual([]);
  expect(result.summary).toEqual({ same: 2 });
  expect(result.outputs).toEqual({ id: "vs_1", url: "https://x" });
  expect(result.secretOutputs).toEqual(["url"]);
  expect(result.stdout).toBe("text");
});

test("diagnostics keep severity, urn and ephemerality; the error message lists each error once", () => {
  const diag = (severity: "error" | "warning", message: string, urn = "", ephemeral = false) => event({ diagnosticEvent: { severity, message, urn, color: "never", ephemeral } });
  const c = collect([
    diag("warning", "left as it is\n", URN),
    diag("error", "check failed: type: expected one of document, id_number\n", URN),
    diag("error", "check failed: type: expected one of document, id_number\n", URN),
    diag("error", "progress 3/10", URN, true),
    diag("error", "update failed\n", STACK),
  ]);
  const result = c.result("up", "", {});
  expect(result.diagnostics[0]).toEqual({ severity: "warning", urn: URN, message: "left as it is", ephemeral: false });
  expect(errorLines(result.diagnostics)).toEqual(["check failed: type: expected one of document, id_number", "update failed"]);
  const error = new StackOperationError(result, "exit status 255");
  expect(error.message).toBe("pulumi up failed: check failed: type: expected one of document, id_number\nupdate failed");
  expect(new StackOperationError(collect([]).result("destroy", "", {}), "exit status 255").message).toBe("pulumi destroy failed: exit status 255");
});
