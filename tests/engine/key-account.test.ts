/**
 * Issue 18 item 3 through the real Pulumi CLI: the key never reaches the state file (config set
 * both ways, or the environment), a plain config key is refused at preview, a missing key warns at
 * preview, and a changed key never silently acts on the old account: refresh and destroy say which
 * key acts, a key of another account is refused naming both (masked), and the documented remedies
 * (`pulumi up` first, `--run-program`) work.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine, PulumiStack } from "../helpers/pulumi-cli";
import { workspace, type Workspace } from "../harness/workspace";
import { linkProgramModules } from "../../tools/link-program";
import { maskKey } from "../../provider/stripe/keys";

jest.setTimeout(400_000);

const FIXTURE = path.join(__dirname, "fixtures", "key-account");
const NO_TRACE = /\n\s+at .*\.(js|ts):\d+/;

/** STRIPE_IDENTITY_ENGINE_TRANSCRIPT=FILE: append what each CLI run printed (for docs and reviews). */
function transcript<T extends { output: string }>(title: string, result: T): T {
  const file = process.env.STRIPE_IDENTITY_ENGINE_TRANSCRIPT;
  if (file) fs.appendFileSync(file, `\n===== ${title} =====\n${result.output}`);
  return result;
}

/** A stack whose CLI runs see STRIPE_API_KEY (the shared helper removes it on purpose). */
class EnvKeyStack extends PulumiStack {
  apiKey: string | undefined;
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env = super.env(extra);
    if (this.apiKey) env.STRIPE_API_KEY = this.apiKey;
    return env;
  }
}

describeEngine("the key and the account through the Pulumi CLI", (cli) => {
  let emulator: TestEmulator;
  let ws: Workspace;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    ws = workspace("engine-key-account-");
  });
  afterAll(async () => {
    ws?.remove();
    await emulator?.close();
  });

  function program(name: string): string {
    const dir = path.join(ws.root, name);
    fs.cpSync(FIXTURE, dir, { recursive: true });
    linkProgramModules(dir);
    return dir;
  }
  const fail = (what: string, output: string) => new Error(`${what}\n--- output ---\n${output.slice(-5000)}`);

  test("config key: plain refused at preview, secret never in state; a changed key is named, refused on another account, and the remedies work", async () => {
    const stack = cli.stack(program("config"));
    const key = emulator.newKey();
    await stack.init({ "stripe-identity:apiBase": emulator.url, "stripe-identity:apiKey": key });
    const plain = transcript("plain", await stack.op("up"));
    expect(plain.code).not.toBe(0);
    expect(plain.output).toMatch(/stripe-identity:apiKey is set in plain text: Pulumi would write it into the state file\. Set it as a secret: `pulumi config set --secret stripe-identity:apiKey`/);
    expect(plain.output).not.toMatch(NO_TRACE);
    expect(plain.output).not.toContain(key);
    expect(await emulator.control.sessions(key)).toEqual([]);
    if (fs.existsSync(path.join(stack.backendDir, ".pulumi"))) expect(fs.readFileSync(stack.stateFile(), "utf8")).not.toContain(key);

    await stack.setConfig({}, { "stripe-identity:apiKey": key });
    const up = transcript("up", await stack.op("up"));
    if (up.code !== 0) throw fail("up with a secret key failed", up.output);
    expect(fs.readFileSync(stack.stateFile(), "utf8")).not.toContain(key);
    const [session] = await emulator.control.sessions(key);
    expect(session.status).toBe("requires_input");

    // The key changes to another account's key.
    const other = emulator.newKey();
    await stack.setConfig({}, { "stripe-identity:apiKey": other });
    const preview = transcript("preview", await stack.op("preview"));
    expect(preview.code).toBe(0);
    expect(preview.output).toContain(`the key changed since ${session.id} was recorded (${maskKey(key)} -> ${maskKey(other)})`);
    // refresh runs no program: it acts with the last up's key, and says which.
    const stale = transcript("stale", await stack.op("refresh"));
    expect(stale.code).toBe(0);
    expect(stale.output).toContain(`acting with the key ${maskKey(key)}, from the stack config as of the last \`pulumi up\``);
    // After an up (the documented step), refresh uses the new key, which cannot see the session: refused, not "gone".
    const adopt = transcript("adopt", await stack.op("up"));
    if (adopt.code !== 0) throw fail("up with the new key failed", adopt.output);
    expect(fs.readFileSync(stack.stateFile(), "utf8")).not.toContain(other);
    const refused = transcript("refused", await stack.op("refresh"));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(`it was recorded with the key ${maskKey(key)}, and the configured key ${maskKey(other)} cannot see it`);
    expect(refused.output).not.toMatch(NO_TRACE);
    expect(refused.output).not.toMatch(/IdentityError|KeyChangedError/);
    expect(stack.resources().some((r) => r.id === session.id)).toBe(true);
    const noDestroy = transcript("noDestroy", await stack.op("destroy"));
    expect(noDestroy.code).not.toBe(0);
    expect((await emulator.control.sessions(key))[0].status).toBe("requires_input");

    // Remedy: the right key back, and destroy --run-program acts with the current config at once.
    await stack.setConfig({}, { "stripe-identity:apiKey": key });
    const destroy = transcript("destroy", await stack.op("destroy", ["--run-program"]));
    if (destroy.code !== 0) throw fail("destroy --run-program failed", destroy.output);
    expect((await emulator.control.sessions(key))[0].status).toBe("canceled");
    stack.remove();
  });

  test("environment key: a missing key warns at preview; STRIPE_API_KEY never reaches state", async () => {
    const dir = program("env");
    const probe = cli.stack(dir);
    const stack = new EnvKeyStack(probe.binDir, dir, "dev", probe.home);
    await stack.init({ "stripe-identity:apiBase": emulator.url });
    const preview = transcript("preview", await stack.op("preview"));
    expect(preview.code).toBe(0);
    expect(preview.output).toMatch(/no Stripe API key: `pulumi up` will fail until you run `pulumi config set --secret stripe-identity:apiKey`/);
    stack.apiKey = emulator.newKey();
    const up = transcript("up", await stack.op("up"));
    if (up.code !== 0) throw fail("up with STRIPE_API_KEY failed", up.output);
    expect(fs.readFileSync(stack.stateFile(), "utf8")).not.toContain(stack.apiKey);
    expect(await emulator.control.sessions(stack.apiKey)).toHaveLength(1);
    const destroy = transcript("destroy", await stack.op("destroy"));
    expect(destroy.code).toBe(0);
    stack.remove();
  });
});
