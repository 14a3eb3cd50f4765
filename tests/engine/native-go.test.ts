/**
 * The generated Go SDK end to end: an inline program through Pulumi's Go Automation API
 * (github.com/pulumi/pulumi/sdk/v3 at the CLI's version; no Go language host needed), the real CLI
 * and the native plugin (found on PATH), against the emulator: preview with no API call, up, an
 * update, no change after, destroy by the cancel policy. The program is built in the CLI's cache
 * folder (a cold Go build cache costs minutes; warm, seconds).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cliLayout, pinnedPulumiVersion } from "../../tools/pulumi-cli/layout";
import { ensureBuilt, ROOT } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine } from "../helpers/pulumi-cli";
import { automationEnv, reportOf } from "../native/programs";
import { has, required, run, runAsync } from "../native/toolchains";

jest.setTimeout(600_000);

/** Builds tests/native/fixtures/go/main.go against sdk/go; returns the binary. */
function buildProgram(): string {
  const version = pinnedPulumiVersion(ROOT);
  const dir = path.join(cliLayout(version).root, "go-program");
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(ROOT, "tests", "native", "fixtures", "go", "main.go"), path.join(dir, "main.go"));
  const sdk = "github.com/pulumi-stripe-identity/pulumi-stripe-identity/sdk/go";
  fs.writeFileSync(
    path.join(dir, "go.mod"),
    ["module native-go-program", "", "go 1.25", "", "require (", `\tgithub.com/pulumi/pulumi/sdk/v3 v${version}`, `\t${sdk} v0.0.0`, ")", "", `replace ${sdk} => ${path.join(ROOT, "sdk", "go")}`, ""].join("\n"),
  );
  const env = { CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
  for (const args of [["mod", "tidy"], ["build", "-o", "native-go-program", "."]]) {
    const result = run("go", args, dir, env);
    if (result.code !== 0) throw new Error(`go ${args.join(" ")}:\n${result.output}`);
  }
  return path.join(dir, "native-go-program");
}

describeEngine("native provider: the generated Go SDK through the Automation API", (cli) => {
  if (!has("go", ["version"]) && !required()) {
    test.skip("needs Go (the Go SDK's program)", () => undefined);
    return;
  }
  let emulator: TestEmulator;
  let home: string;

  beforeAll(async () => {
    ensureBuilt();
    emulator = await startTestEmulator();
    home = fs.mkdtempSync(path.join(os.tmpdir(), "native-go-"));
  });
  afterAll(async () => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
    await emulator?.close();
  });

  test("preview, up, update, no change, destroy", async () => {
    const binary = buildProgram();
    const key = emulator.newKey();
    const env = automationEnv(cli.binDir, home, { emulatorUrl: emulator.url, key });
    const result = await runAsync(binary, [], home, env);
    expect({ code: result.code, output: result.code === 0 ? "" : result.output }).toEqual({ code: 0, output: "" });
    const report = reportOf(result.stdout);
    expect(report.previewCalls).toBe(0);
    expect(report.preview).toMatchObject({ create: 2 });
    expect(report.up).toMatchObject({ create: 2 });
    expect(report.status).toBe("requires_input");
    expect(report.update).toMatchObject({ update: 1 });
    expect(report.after).toEqual({ same: 2 });
    expect(report.destroy).toMatchObject({ delete: 2 });
    const session = (await emulator.control.sessions(key)).find((s) => s.id === report.id);
    expect(session?.status).toBe("canceled");
    expect(session?.metadata).toMatchObject({ team: "identity", pulumi_project: "native-go", pulumi_resource: "kyc" });
  });
});
