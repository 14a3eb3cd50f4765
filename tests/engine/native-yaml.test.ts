/**
 * The native provider end to end: examples/yaml-platform through the real Pulumi CLI and Pulumi's
 * YAML language host, against the emulator. One combined lifecycle (each CLI run costs seconds):
 * preview with no API call, up, drift seen by refresh, an update in place, a replace, `pulumi
 * import` adopting a session (the next preview shows no change), and destroy under each deletion
 * policy with a BulkRedaction teardown.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { yamlHostPath } from "../../tools/pulumi-cli/yaml-host";
import { ensureBuilt, ROOT } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine, type PulumiStack } from "../helpers/pulumi-cli";
import { copyProgram, PLUGIN_DIR } from "../native/programs";
import { required } from "../native/toolchains";

jest.setTimeout(300_000);

/** The example, copied out of the repo, with its plugin path made absolute for the copy. */
function copyExample(): string {
  const dir = copyProgram(path.join(ROOT, "examples", "yaml-platform"), "native-yaml-");
  const file = path.join(dir, "Pulumi.yaml");
  const source = fs.readFileSync(file, "utf8");
  if (!source.includes("path: ../../native/plugin")) throw new Error("examples/yaml-platform/Pulumi.yaml: expected `path: ../../native/plugin`");
  fs.writeFileSync(file, source.replace("path: ../../native/plugin", `path: ${PLUGIN_DIR}`));
  return dir;
}

describeEngine("native provider: examples/yaml-platform through the Pulumi CLI", (cli) => {
  if (!fs.existsSync(yamlHostPath(cli.binDir))) {
    // One line saying why; CI builds the host with `npm run pulumi:cli`, and fails without it.
    const message = "needs pulumi-language-yaml beside pulumi (npm run pulumi:cli builds it)";
    if (required())
      test(message, () => {
        throw new Error(message);
      });
    else test.skip(message, () => undefined);
    return;
  }
  let emulator: TestEmulator;
  let stack: PulumiStack;
  let programDir: string;

  beforeAll(async () => {
    ensureBuilt();
    emulator = await startTestEmulator();
    programDir = copyExample();
    stack = cli.stack(programDir);
  });
  afterAll(async () => {
    stack?.remove();
    if (programDir) fs.rmSync(programDir, { recursive: true, force: true });
    await emulator?.close();
  });

  const requests = async () => Object.values((await emulator.control.stats()).requests).reduce((a, b) => a + b, 0);
  const output = async (name: string) => (await stack.ok(["stack", "output", name, "--stack", stack.stackName])).stdout.trim();

  test("preview, up, refresh drift, update, replace, import, destroy under each policy", async () => {
    const key = emulator.newKey();
    const stripe = emulator.stripe(key);
    const signups = await emulator.control.seed({ apiKey: key, count: 2, clientReferenceIdPrefix: "signup-old-" });
    const legacy = await stripe.identity.verificationSessions.create({ type: "id_number", client_reference_id: "user_9", metadata: { owner: "legacy" } });
    await stack.init({ "stripe-identity:apiBase": emulator.url }, { "stripe-identity:apiKey": key });

    const before = await requests();
    const preview = await stack.op("preview");
    expect(preview.code).toBe(0);
    expect(preview.output).toContain("5 to create");
    expect(await requests()).toBe(before);

    const up = await stack.op("up");
    expect(up.code).toBe(0);
    const kyc = await output("kycId");
    const audited = await output("auditedId");
    const archived = await output("archivedId");
    const created = await stripe.identity.verificationSessions.retrieve(kyc);
    expect(created.metadata).toMatchObject({ pulumi_project: "yaml-platform", pulumi_stack: "dev", pulumi_resource: "kyc" });
    // The schema's secrets are secrets in state; the key is nowhere in it.
    const stateText = fs.readFileSync(stack.stateFile(), "utf8");
    expect(stateText).not.toContain(key);
    expect(stateText).not.toContain(created.client_secret as string);
    const kycState = stack.resources().find((r) => r.urn.endsWith("::kyc"));
    expect(JSON.stringify(kycState?.outputs?.clientSecret)).toContain("ciphertext");

    // Drift: canceled outside Pulumi; refresh sees it, the next up replaces it.
    await stripe.identity.verificationSessions.cancel(kyc);
    const refresh = await stack.op("refresh", ["--diff"]);
    expect(refresh.code).toBe(0);
    expect(refresh.output).toMatch(/status: "requires_input" => "canceled"/);
    expect(refresh.output).toContain("the session was canceled outside Pulumi");

    // An update in place (metadata) and the drift replace in one up.
    await stack.setConfig({ team: "identity" });
    const update = await stack.op("up");
    expect(update.code).toBe(0);
    expect(update.output).toMatch(/audited updated .*\[diff: ~metadata\]/);
    expect(await output("auditedId")).toBe(audited);
    expect((await stripe.identity.verificationSessions.retrieve(audited)).metadata).toMatchObject({ team: "identity" });
    const recreated = await output("kycId");
    expect(recreated).not.toBe(kyc);

    // A create-only change replaces; the old session gets its deletion policy (cancel).
    await stack.setConfig({ reference: "signup-kyc-2" });
    const replace = await stack.op("up", ["--diff"]);
    expect(replace.code).toBe(0);
    expect(replace.output).toMatch(/clientReferenceId: "signup-kyc-1" => "signup-kyc-2"/);
    const third = await output("kycId");
    expect(third).not.toBe(recreated);
    expect((await stripe.identity.verificationSessions.retrieve(recreated)).status).toBe("canceled");

    // Import: adopt an existing session; the code it prints, added to the program, changes nothing.
    const imported = await stack.ok(["import", "stripe-identity:index:VerificationSession", "legacy", legacy.id, "--yes", "--non-interactive", "--stack", stack.stackName]);
    expect(imported.output).toContain("1 imported");
    const code = /\nresources:\n([\s\S]*?)(?:\n\n|$)/.exec(imported.output)?.[1];
    expect(code).toContain("clientReferenceId: user_9");
    fs.appendFileSync(path.join(programDir, "Pulumi.yaml"), `${code}\n`);
    const calm = await stack.op("preview", ["--expect-no-changes"]);
    expect(calm.code).toBe(0);
    await stack.ok(["state", "unprotect", "--all", "--yes", "--stack", stack.stackName]);

    const destroy = await stack.op("destroy");
    expect(destroy.code).toBe(0);
    expect(destroy.output).toMatch(/BulkRedaction teardown \(destroy\)/);
    const after = new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
    expect(after.get(third)?.status).toBe("canceled");
    expect(after.get(audited)?.redaction?.status).toBe("redacted");
    expect(after.get(archived)?.status).toBe("requires_input");
    expect(after.get(archived)?.redaction ?? null).toBeNull();
    expect(after.get(legacy.id)?.status).toBe("canceled");
    for (const id of signups.ids) expect(after.get(id)?.redaction?.status).toBe("redacted");
    expect(stack.resources().filter((r) => r.custom && r.type.startsWith("stripe-identity:"))).toEqual([]);
  });
});
