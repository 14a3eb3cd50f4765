/**
 * Issue 18 through the real Pulumi CLI: nothing irreversible happens in an `up` that its preview did
 * not name (a replace that redacts the old session, an everyUp cleanup, a renamed teardown), what
 * `refresh --diff` shows is the drift that happened, internal fields never appear in a diff, and an
 * everyUp run with nothing to do passes `preview --expect-no-changes`. One stack, one lifecycle.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine } from "../helpers/pulumi-cli";
import { workspace, type Workspace } from "../harness/workspace";
import { linkProgramModules } from "../../tools/link-program";

jest.setTimeout(400_000);

const FIXTURE = path.join(__dirname, "fixtures", "preview-truth");
const DAY = 24 * 3600;
const now = () => Math.floor(Date.now() / 1000);
const NO_TRACE = /\n\s+at .*\.(js|ts):\d+/;

/** STRIPE_IDENTITY_ENGINE_TRANSCRIPT=FILE: append what each CLI run printed (for docs and reviews). */
function transcript<T extends { output: string }>(title: string, result: T): T {
  const file = process.env.STRIPE_IDENTITY_ENGINE_TRANSCRIPT;
  if (file) fs.appendFileSync(file, `\n===== ${title} =====\n${result.output}`);
  return result;
}

describeEngine("preview truth through the Pulumi CLI", (cli) => {
  let emulator: TestEmulator;
  let ws: Workspace;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    ws = workspace("engine-preview-truth-");
  });
  afterAll(async () => {
    ws?.remove();
    await emulator?.close();
  });

  test("preview names every irreversible action; refresh shows drift; a teardown runs only at destroy", async () => {
    const programDir = path.join(ws.root, "program");
    fs.cpSync(FIXTURE, programDir, { recursive: true });
    linkProgramModules(programDir);
    const key = emulator.newKey();
    const sessions = async () => new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
    const qa = await emulator.control.seed({ apiKey: key, count: 3, status: "requires_input", created: { from: now() - 9 * DAY, to: now() - 2 * DAY }, clientReferenceIdPrefix: "qa-" });
    const app = await emulator.control.seed({ apiKey: key, count: 2, created: { from: now() - 2 * DAY, to: now() }, clientReferenceIdPrefix: "app-" });
    const stack = cli.stack(programDir);
    await stack.init({ "stripe-identity:apiBase": emulator.url }, { "stripe-identity:apiKey": key });
    const fail = (what: string, output: string) => `${what}\n--- output ---\n${output.slice(-5000)}`;

    // 1. A first up's preview says what each run will do, in words, with the count.
    const preview = transcript("preview", await stack.op("preview"));
    if (preview.code !== 0) throw new Error(fail("preview failed", preview.output));
    expect(preview.output).toMatch(/BulkRedaction cleanup: cancel every session matching \{"status":\["requires_input"\],"clientReferenceIdPrefix":"qa-"\} in the platform's own account \(test mode\), when this up creates it: it would cancel 3 session\(s\) now/);
    expect(preview.output).toMatch(/BulkRedaction teardown: redact every session matching \{"clientReferenceIdPrefix":"app-"\}.*at `pulumi destroy`/);
    for (const id of qa.ids) expect((await sessions()).get(id)?.status).toBe("requires_input");

    const up = transcript("up", await stack.op("up"));
    expect({ code: up.code, output: up.code === 0 ? "" : up.output }).toEqual({ code: 0, output: "" });
    for (const id of qa.ids) expect((await sessions()).get(id)?.status).toBe("canceled");
    // Progress and summary lead with the resource's name.
    expect(up.output).toMatch(/BulkRedaction cleanup \(create\): matched 3; canceled 3/);
    const kycId = stack.resources().find((r) => r.type.endsWith("VerificationSession"))!.id!;
    const teardownRun = stack.resources().find((r) => r.type.endsWith("BulkRedactionRun") && r.urn.endsWith("::teardown"))!;
    expect(teardownRun.protect).toBe(true);

    // 2. everyUp with nothing to do is no change: the standard CI drift check passes.
    const quiet = transcript("quiet", await stack.op("preview", ["--expect-no-changes"]));
    expect(quiet.code).toBe(0);

    // 3. Drift out of band: refresh --diff shows the status change; internal fields never appear.
    await emulator.control.transition(kycId, "processing");
    await emulator.control.transition(kycId, "verified");
    const refresh = transcript("refresh", await stack.op("refresh", ["--diff"]));
    expect(refresh.code).toBe(0);
    expect(refresh.output).toMatch(/status\s*:\s*"requires_input" => "verified"/);
    expect(refresh.output).not.toMatch(/pulumiTag|resourceName|__resourceUrn/);

    // A bad arg deep in the filter: preview names the field and the value, not `{<nil>}`, once, no trace.
    await stack.setConfig({ "engine-preview-truth:badDate": "soon" });
    const bad = transcript("bad", await stack.op("preview"));
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/filter\.createdBefore \(got "soon"\): /);
    expect(bad.output).not.toMatch(/<nil>|IdentityError|UserInputError/);
    expect(bad.output).not.toMatch(NO_TRACE);
    await stack.ok(["config", "rm", "engine-preview-truth:badDate", "--stack", stack.stackName]);

    // 4. A replace of a redact-policy session names the old session at preview; up logs both ids.
    // One more stale qa- session: the everyUp run has work again, and preview says so.
    await emulator.control.seed({ apiKey: key, count: 1, status: "requires_input", created: { from: now() - 3 * DAY, to: now() - 3 * DAY }, clientReferenceIdPrefix: "qa-" });
    await stack.setConfig({ "engine-preview-truth:returnUrl": "https://example.com/b" });
    const replacePreview = transcript("replacePreview", await stack.op("preview", ["--diff"]));
    expect(replacePreview.code).toBe(0);
    expect(replacePreview.output).toMatch(new RegExp(`VerificationSession kyc: this replace \\(returnUrl changed\\) will redact the old session ${kycId}`));
    expect(replacePreview.output).toMatch(/BulkRedaction cleanup: cancel every session .* on this up \(runOn everyUp\): it would cancel 1 session\(s\) now/);
    expect(replacePreview.output).not.toMatch(/pulumiTag|resourceName|__resourceUrn/);
    expect((await sessions()).get(kycId)?.redaction).toBeFalsy();
    const replaceUp = transcript("replaceUp", await stack.op("up"));
    expect(replaceUp.code).toBe(0);
    const newId = stack.resources().find((r) => r.type.endsWith("VerificationSession"))!.id!;
    expect(newId).not.toBe(kycId);
    expect(replaceUp.output).toMatch(new RegExp(`created ${newId} to replace ${kycId}`));
    expect(replaceUp.output).toMatch(new RegExp(`VerificationSession ${kycId}: redacted \\(deletionPolicy redact\\) \\(kyc replaced it with ${newId}\\)`));
    expect((await sessions()).get(kycId)?.redaction).toBeTruthy();

    // 5. Renaming the teardown policy (no alias) fails at preview; nothing is redacted.
    await stack.setConfig({ "engine-preview-truth:teardownName": "teardown-app" });
    const renamed = transcript("renamed", await stack.op("up"));
    expect(renamed.code).not.toBe(0);
    expect(renamed.output).toMatch(/teardown[\s\S]*cannot be deleted\s+because it is protected/);
    expect(renamed.output).not.toMatch(NO_TRACE);
    const live = await sessions();
    for (const id of app.ids) expect(live.get(id)?.redaction).toBeFalsy();

    // 6. destroy refuses while protected, touching nothing; the documented steps run the teardown.
    await stack.ok(["config", "rm", "engine-preview-truth:teardownName", "--stack", stack.stackName]);
    const refused = transcript("refused", await stack.op("destroy"));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/pulumi state unprotect/);
    for (const id of app.ids) expect((await sessions()).get(id)?.redaction).toBeFalsy();
    await stack.ok(["state", "unprotect", teardownRun.urn, "--stack", stack.stackName, "--yes"]);
    const destroy = transcript("destroy", await stack.op("destroy"));
    if (destroy.code !== 0) throw new Error(fail("destroy failed", destroy.output));
    const after = await sessions();
    for (const id of app.ids) expect(after.get(id)?.redaction).toBeTruthy();
    expect(destroy.output).toMatch(/BulkRedaction teardown \(destroy\): matched \d+; redacted/);
    stack.remove();
  });
});
