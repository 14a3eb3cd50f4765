/**
 * VerificationSession end to end: a Pulumi program -> the harness -> Pulumi's dynamic-provider
 * process -> the package loaded by name from the program's folder -> the stripe SDK -> the
 * emulator. One lifecycle, in order.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Harness, HarnessError, type Summary } from "../../harness";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { linkedWorkspace, type Workspace } from "./workspace";
import { findEngineDir } from "../helpers/pulumi-cli";

// Each scenario here also runs through the harness in tests/engine/lifecycle.test.ts, compared step
// for step with the real Pulumi CLI, where the CLI exists; here they run only where it does not (a
// machine without Go), so the harness is always exercised once.
const harnessTest = findEngineDir() ? test.skip : test;

jest.setTimeout(60_000);

let emulator: TestEmulator;
let ws: Workspace;
let programDir: string;
let key: string;

const open = (config: Record<string, string> = {}, dir = programDir, stateFile?: string): Promise<Harness> =>
  Harness.open({
    programDir: dir,
    stack: "dev",
    config: { "stripe-identity:apiBase": emulator.url, ...config },
    secrets: { "stripe-identity:apiKey": key },
    stateFile,
  });
const requests = async (): Promise<number> => Object.values((await emulator.control.stats()).requests).reduce((a, b) => a + b, 0);
const sessions = async () => new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
const ids = (s: Summary) => s.outputs.ids as Record<string, string>;
const step = (s: Summary, name: string) => s.steps.find((x) => x.name === name);
const noKeyIn = (s: Summary) => expect(JSON.stringify(s)).not.toContain(key);

beforeAll(async () => {
  emulator = await startTestEmulator();
  key = emulator.newKey();
  ws = linkedWorkspace();
  programDir = ws.add("sessions", path.join(__dirname, "fixtures", "sessions"));
});
afterAll(async () => {
  ws.remove();
  await emulator.close();
});

let first: Summary;

harnessTest("up creates every session; secrets stay out of the state file; __provider is small", async () => {
  first = await (await open()).up();
  noKeyIn(first);
  expect(first.pulumiCopies).toHaveLength(1);
  expect(first.steps.filter((s) => s.op === "create" && s.type.includes("VerificationSession"))).toHaveLength(4);
  const live = await sessions();
  for (const id of Object.values(ids(first))) expect(live.get(id)?.status).toBe("requires_input");
  expect(live.get(ids(first).onboarding)?.metadata).toMatchObject({ tier: "basic", pulumi_project: "harness-sessions", pulumi_stack: "dev" });
  expect(first.outputs.onboardingSecret).toBe("[secret]");

  const text = fs.readFileSync(first.stateFile, "utf8");
  expect(text).not.toContain(key);
  for (const s of live.values()) {
    expect(s.client_secret).toBeTruthy();
    expect(text).not.toContain(s.client_secret!);
    expect(text).not.toContain(s.url!);
  }
  const state = JSON.parse(text) as { resources: { custom: boolean; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[] };
  for (const r of state.resources.filter((x) => x.custom)) {
    expect(typeof r.outputs.__provider).toBe("string");
    expect(Buffer.byteLength(String(r.outputs.__provider))).toBeLessThan(3 * 1024);
    expect(r.outputs.clientSecret).toMatchObject({ ciphertext: expect.any(String) });
  }
});

harnessTest("no-op preview: no API calls, no changes", async () => {
  const before = await requests();
  const preview = await (await open()).preview();
  expect(preview.steps.every((s) => s.op === "same")).toBe(true);
  expect(await requests()).toBe(before);
});

harnessTest("update in place keeps the session", async () => {
  const up = await (await open({ "harness-sessions:tier": "gold" })).up();
  expect(step(up, "onboarding")).toMatchObject({ op: "update", changedKeys: ["metadata"] });
  expect(ids(up).onboarding).toBe(ids(first).onboarding);
  expect((await sessions()).get(ids(first).onboarding)?.metadata?.tier).toBe("gold");
});

let latest: Summary;

harnessTest("a create-only change replaces: new session created, the old one canceled by its policy", async () => {
  const up = (latest = await (await open({ "harness-sessions:tier": "gold", "harness-sessions:ref": "user_1b" })).up());
  expect(step(up, "onboarding")).toMatchObject({ op: "replace", replaces: ["clientReferenceId"] });
  const live = await sessions();
  expect(live.get(ids(first).onboarding)?.status).toBe("canceled");
  expect(live.get(ids(up).onboarding)).toMatchObject({ status: "requires_input", client_reference_id: "user_1b" });
});

const current = { "harness-sessions:tier": "gold", "harness-sessions:ref": "user_1b" };

harnessTest("refresh sees out-of-band status changes; the next up recreates the canceled one", async () => {
  const before = ids(latest);
  await emulator.control.transition(before.onboarding, "processing");
  await emulator.control.transition(before.onboarding, "verified");
  await emulator.stripe(key).identity.verificationSessions.cancel(before.kyc);
  const refresh = await (await open(current)).refresh();
  expect(step(refresh, "onboarding")).toMatchObject({ op: "read", changedKeys: expect.arrayContaining(["status"]) });
  expect(step(refresh, "kyc")).toMatchObject({ op: "read", changedKeys: expect.arrayContaining(["status"]) });
  const up = (latest = await (await open(current)).up());
  expect(step(up, "kyc")?.op).toBe("replace");
  expect(step(up, "onboarding")?.op).toBe("same");
  expect(up.outputs.statuses).toEqual({ onboarding: "verified", kyc: "requires_input" });
  expect(ids(up).kyc).not.toBe(before.kyc);
});

harnessTest("bad program: an invalid arg fails preview naming the field; nothing is created", async () => {
  const before = (await emulator.control.sessions(key)).length;
  const error = await (await open({ ...current, "harness-sessions:bad": "true" })).preview().catch((e: HarnessError) => e);
  expect(error).toBeInstanceOf(HarnessError);
  expect((error as HarnessError).message).toMatch(/onboarding.*options\.document\.allowedTypes\[1\]/);
  expect((await emulator.control.sessions(key)).length).toBe(before);
});

harnessTest("destroy from a copy at another path applies each deletion policy", async () => {
  const state = ids(latest);
  // Move program and state elsewhere; the original folder disappears.
  const moved = path.join(ws.root, "moved", "sessions");
  fs.mkdirSync(path.dirname(moved), { recursive: true });
  fs.cpSync(programDir, moved, { recursive: true });
  fs.rmSync(programDir, { recursive: true });
  const destroy = await (await open(current, moved)).destroy();
  noKeyIn(destroy);
  const live = await sessions();
  expect(live.get(state.onboarding)?.status).toBe("verified"); // cancel policy, verified: left as is
  expect(live.get(state.kyc)?.redaction?.status).toBe("redacted"); // redact policy
  expect(live.get(state.audit)?.status).toBe("requires_input"); // retain policy
  expect(live.get(state.pinned)?.status).toBe("requires_input"); // retainOnDelete
  expect(step(destroy, "pinned")).toMatchObject({ op: "delete", retained: true });
  expect(destroy.logs.some((l) => l.source === "provider" && l.message.includes(state.onboarding))).toBe(true);
});
