/**
 * Moving a stack from the dynamic resource to the native one without touching the session
 * (docs/native-provider.md): the dynamic resource marked retainOnDelete (here from its first up,
 * to spare one CLI run; an option change makes no API call), then replaced in the program by the
 * native resource with the `import` option. Stripe sees reads only; the session
 * keeps its id and status; the next preview shows no change.
 */
import * as fs from "node:fs";
import { linkProgramModules } from "../../tools/link-program";
import { ensureBuilt } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine, type PulumiStack } from "../helpers/pulumi-cli";
import { copyProgram, fixture } from "../native/programs";

jest.setTimeout(300_000);
/** The fixture's TypeScript is not what is tested here: skip Pulumi's type-check (seconds per run). */
const FAST = { PULUMI_NODEJS_TRANSPILE_ONLY: "true" };

function copyMigrateProgram(): string {
  const dir = copyProgram(fixture("migrate"), "native-migrate-");
  linkProgramModules(dir);
  return dir;
}

describeEngine("native provider: moving a session from the dynamic resource", (cli) => {
  let emulator: TestEmulator;
  let stack: PulumiStack;
  let programDir: string;

  beforeAll(async () => {
    ensureBuilt();
    emulator = await startTestEmulator();
    programDir = copyMigrateProgram();
    stack = cli.stack(programDir);
  });
  afterAll(async () => {
    stack?.remove();
    if (programDir) fs.rmSync(programDir, { recursive: true, force: true });
    await emulator?.close();
  });

  const writes = async () =>
    Object.entries((await emulator.control.stats()).requests)
      .filter(([route]) => !route.startsWith("GET "))
      .reduce((sum, [, n]) => sum + n, 0);

  test("retainOnDelete, then import into the native resource: reads only, same session", async () => {
    const key = emulator.newKey();
    await stack.init({ "stripe-identity:apiBase": emulator.url, stage: "dynamic" }, { "stripe-identity:apiKey": key });
    expect((await stack.op("up", [], FAST)).code).toBe(0);
    const id = (await stack.ok(["stack", "output", "sessionId", "--stack", stack.stackName])).stdout.trim();
    expect(id).toMatch(/^vs_/);
    const writesBefore = await writes();

    await stack.setConfig({ stage: "native", sessionId: id });
    const moved = await stack.op("up", [], FAST);
    expect(moved.code).toBe(0);
    expect(moved.output).toMatch(/kyc-native +imported/);
    expect(moved.output).toMatch(/kyc +deleted/);
    expect(moved.output).not.toMatch(/kyc-native +updat/);

    expect(await writes()).toBe(writesBefore);
    const sessions = await emulator.control.sessions(key);
    expect(sessions.map((s) => [s.id, s.status])).toEqual([[id, "requires_input"]]);
    const types = stack.resources().filter((r) => r.custom && r.id === id).map((r) => r.type);
    expect(types).toEqual(["stripe-identity:index:VerificationSession"]);
    expect((await stack.op("preview", ["--expect-no-changes"], FAST)).code).toBe(0);
  });
});
