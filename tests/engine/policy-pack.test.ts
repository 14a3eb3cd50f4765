/**
 * The CrossGuard policy pack (policy-pack/) through the real CLI: `pulumi preview --policy-pack`,
 * run by the language host's RunPlugin, against resources of this package, with the emulator as
 * Stripe. Mandatory violations fail the preview naming the resource and the rule; advisory ones
 * are shown and let it pass; config changes enforcement levels.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine, type PulumiStack } from "../helpers/pulumi-cli";
import { ROOT } from "../helpers/build";
import { linkProgramModules } from "../../tools/link-program";

jest.setTimeout(300_000);

const FIXTURE = path.join(__dirname, "fixtures", "policy");
const PACK = path.join(ROOT, "policy-pack");

describeEngine("the stripe-identity policy pack through pulumi preview", (cli) => {
  let emulator: TestEmulator;
  let stack: PulumiStack;
  let key: string;
  let root: string;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    key = emulator.newKey();
    root = fs.mkdtempSync(path.join(os.tmpdir(), "engine-policy-"));
    const program = path.join(root, "program");
    fs.cpSync(FIXTURE, program, { recursive: true });
    linkProgramModules(program);
    stack = cli.stack(program);
    // allowLivemode: the stack says it may touch live data, so the live-mode rules apply.
    await stack.init({ "stripe-identity:apiBase": emulator.url, "stripe-identity:allowLivemode": "true" }, { "stripe-identity:apiKey": key });
  });

  afterAll(async () => {
    stack?.remove();
    fs.rmSync(root, { recursive: true, force: true });
    await emulator?.close();
  });

  const preview = async (config: Record<string, string>, extra: string[] = []) => {
    await stack.setConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`engine-policy:${k}`, v])));
    return stack.op("preview", ["--policy-pack", PACK, ...extra]);
  };

  test("mandatory violations fail the preview, naming each resource and rule; the advisory one is listed too", async () => {
    const result = await preview({ reason: "", evidence: "false", protect: "false", unlimited: "true" });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/\[mandatory\]\s+live-session-retain-needs-reason\s+\(pulumi-nodejs:dynamic\/stripe-identity:VerificationSession: held\)/);
    expect(result.output).toMatch(/VerificationSession "held" is live-mode with deletionPolicy "retain"/);
    expect(result.output).toMatch(/\[mandatory\]\s+live-redaction-safeguards\s+\(pulumi-nodejs:dynamic\/stripe-identity:BulkRedactionRun: purge\)/);
    expect(result.output).toMatch(/BulkRedaction "purge" redacts live sessions without evidence/);
    expect(result.output).toMatch(/BulkRedaction "purge" redacts live sessions with no maxSessions/);
    expect(result.output).toMatch(/\[advisory\]\s+teardown-redaction-protected\s+\(pulumi-nodejs:dynamic\/stripe-identity:BulkRedactionRun: purge\)/);
    // A preview with the pack asks Stripe nothing.
    expect((await emulator.control.stats()).requests).toEqual({});
  });

  test("compliant but unprotected: only the advisory teardown rule speaks, and the preview passes", async () => {
    const result = await preview({ reason: "legal hold until 2027-01", evidence: "true", protect: "false", unlimited: "false" });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/\[advisory\]\s+teardown-redaction-protected\s+\(pulumi-nodejs:dynamic\/stripe-identity:BulkRedactionRun: purge\)/);
    expect(result.output).toMatch(/BulkRedaction "purge" redacts sessions at teardown \(runOn "destroy"\) but is not protected/);
    expect(result.output).not.toMatch(/\[mandatory\]/);
  });

  test("--policy-pack-config raises the teardown rule (quiet once protected) and renames the reason tag", async () => {
    const config = path.join(root, "policy-config.json");
    fs.writeFileSync(
      config,
      JSON.stringify({ "teardown-redaction-protected": "mandatory", "live-session-retain-needs-reason": { reasonTag: "hold-ticket" } }),
    );
    const result = await preview({ protect: "true" }, ["--policy-pack-config", config]);
    expect(result.code).toBe(1);
    // The reason is under "retain-reason", no longer the tag this stack requires.
    expect(result.output).toMatch(/\[mandatory\]\s+live-session-retain-needs-reason/);
    expect(result.output).toMatch(/Say why in metadata\["hold-ticket"\]/);
    expect(result.output).not.toMatch(/teardown-redaction-protected/);
  });
});
