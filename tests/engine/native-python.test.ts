/**
 * The generated Python SDK end to end: an inline program through Pulumi's Python Automation API
 * (the `pulumi` package pinned to the CLI's version, from PyPI; no Python language host needed),
 * the real CLI and the native plugin (found on PATH, as the engine finds ambient plugins), against
 * the emulator: preview with no API call, up, an update, no change after, destroy by policy.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureBuilt, ROOT } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine } from "../helpers/pulumi-cli";
import { automationEnv, reportOf } from "../native/programs";
import { has, pythonEnv, required, run, runAsync } from "../native/toolchains";

jest.setTimeout(300_000);

describeEngine("native provider: the generated Python SDK through the Automation API", (cli) => {
  if (!has("python3") && !required()) {
    test.skip("needs python3 (the Python SDK's check)", () => undefined);
    return;
  }
  let emulator: TestEmulator;
  let home: string;

  beforeAll(async () => {
    ensureBuilt();
    emulator = await startTestEmulator();
    home = fs.mkdtempSync(path.join(os.tmpdir(), "native-python-"));
  });
  afterAll(async () => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
    await emulator?.close();
  });

  test("preview, up, update, no change, destroy", async () => {
    const python = pythonEnv();
    // The committed SDK, installed from a copy (a build in place leaves files in sdk/python).
    const copy = path.join(home, "sdk-python");
    fs.cpSync(path.join(ROOT, "sdk", "python"), copy, { recursive: true });
    expect(run(python, ["-m", "pip", "install", "-q", "--no-build-isolation", "--force-reinstall", "--no-deps", copy], home).code).toBe(0);

    const key = emulator.newKey();
    const env = automationEnv(cli.binDir, home, { emulatorUrl: emulator.url, key });
    const result = await runAsync(python, [path.join(ROOT, "tests", "native", "fixtures", "python", "automation.py")], home, env);
    expect({ code: result.code, output: result.code === 0 ? "" : result.output }).toEqual({ code: 0, output: "" });
    const report = reportOf(result.stdout);
    expect(report.preview).toMatchObject({ create: 2 });
    expect(report.up).toMatchObject({ create: 2 });
    expect(report.status).toBe("requires_input");
    expect(report.update).toMatchObject({ update: 1 });
    expect(report.after).toEqual({ same: 2 });
    expect(report.destroy).toMatchObject({ delete: 2 });
    expect(report.previewCalls).toBe(0);
    const session = (await emulator.control.sessions(key)).find((s) => s.id === report.id);
    // Redaction (the deletion policy) erased its metadata; the update was counted above.
    expect(session?.status).toBe("canceled");
    expect(session?.redaction?.status).toBe("redacted");
  });
});
