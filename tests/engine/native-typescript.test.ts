/**
 * The generated Node SDK (sdk/nodejs) through the real CLI and the native plugin: a TypeScript
 * program with the default provider, an explicit provider addressing a connected account (whose
 * key reaches the plugin through a secret provider input), the `import` resource option, and a
 * BulkRedaction teardown.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureBuilt, ROOT } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine, type PulumiStack } from "../helpers/pulumi-cli";
import { copyProgram, fixture } from "../native/programs";

jest.setTimeout(300_000);
/** The fixture's TypeScript is not what is tested here: skip Pulumi's type-check (seconds per run). */
const FAST = { PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
const CONNECTED = "acct_1NativeTs";

function copyTsProgram(): string {
  const dir = copyProgram(fixture("ts-program"), "native-ts-");
  // The repo's own @pulumi/pulumi, one copy for the program and the SDK (both resolve to its real path).
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

describeEngine("native provider: the generated Node SDK through the Pulumi CLI", (cli) => {
  let emulator: TestEmulator;
  let stack: PulumiStack;
  let programDir: string;

  beforeAll(async () => {
    ensureBuilt();
    emulator = await startTestEmulator({ connectedAccounts: [CONNECTED] });
    programDir = copyTsProgram();
    stack = cli.stack(programDir);
  });
  afterAll(async () => {
    stack?.remove();
    if (programDir) fs.rmSync(programDir, { recursive: true, force: true });
    await emulator?.close();
  });

  const output = async (name: string) => (await stack.ok(["stack", "output", name, "--stack", stack.stackName])).stdout.trim();

  test("up with an explicit provider for a connected account, import by resource option, destroy", async () => {
    const key = emulator.newKey();
    const stripe = emulator.stripe(key);
    const existing = await stripe.identity.verificationSessions.create({ type: "id_number", client_reference_id: "user_7" });
    const signup = await emulator.control.seed({ apiKey: key, count: 1, clientReferenceIdPrefix: "signup-" });
    await stack.init(
      { "stripe-identity:apiBase": emulator.url, apiBase: emulator.url, connectedAccount: CONNECTED, adopt: existing.id },
      { "stripe-identity:apiKey": key, connectedKey: key },
    );

    const up = await stack.op("up", [], FAST);
    expect(up.code).toBe(0);
    expect(up.output).toMatch(/adopted +imported/);
    const partner = await output("partnerId");
    const kyc = await output("kycId");
    expect(await output("partnerAccount")).toBe(CONNECTED);
    expect((await emulator.control.sessions(key, CONNECTED)).map((s) => s.id)).toEqual([partner]);
    expect(await output("adoptedStatus")).toBe("requires_input");
    // The explicit provider's key is a secret input: never in state in clear.
    expect(fs.readFileSync(stack.stateFile(), "utf8")).not.toContain(key);

    const again = await stack.op("preview", ["--expect-no-changes"], FAST);
    expect(again.code).toBe(0);

    const destroy = await stack.op("destroy", [], FAST);
    expect(destroy.code).toBe(0);
    const platform = new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
    expect(platform.get(kyc)?.redaction?.status).toBe("redacted");
    expect(platform.get(existing.id)?.status).toBe("canceled");
    expect(platform.get(signup.ids[0])?.redaction?.status).toBe("redacted");
    expect((await emulator.control.sessions(key, CONNECTED))[0].status).toBe("canceled");
  });
});
