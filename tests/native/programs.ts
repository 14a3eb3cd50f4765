/**
 * What the native provider's engine tests share: a fixture program copied out of the repo with
 * its placeholders filled in (the plugin's folder, the generated Node SDK), and the environment an
 * Automation API program (Python, Go) runs in: the offline CLI first on PATH, then the plugin.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { offlineCliEnv } from "../../tools/pulumi-cli/layout";
import { ROOT } from "../helpers/build";

export const PLUGIN_DIR = path.join(ROOT, "native", "plugin");
export const NODE_SDK = path.join(ROOT, "sdk", "nodejs");

/** Copies `source` (a folder of text files) to a temp folder, replacing PLUGIN_DIR and SDK_DIR. */
export function copyProgram(source: string, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const file of fs.readdirSync(source)) {
    const text = fs.readFileSync(path.join(source, file), "utf8").replace("PLUGIN_DIR", PLUGIN_DIR).replace("SDK_DIR", NODE_SDK);
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

export const fixture = (name: string): string => path.join(ROOT, "tests", "native", "fixtures", name);

/** The environment of an Automation API program: its own PULUMI_HOME and file backend under `home`. */
export function automationEnv(binDir: string, home: string, settings: { emulatorUrl: string; key: string }): NodeJS.ProcessEnv {
  const backend = path.join(home, "backend");
  fs.mkdirSync(backend, { recursive: true });
  return {
    ...offlineCliEnv({ binDir, home: path.join(home, "pulumi-home"), backendDir: backend, passphrase: "native-automation" }),
    // The engine finds the plugin as an ambient plugin on PATH (Automation API projects set no plugin paths here).
    PATH: [binDir, PLUGIN_DIR, process.env.PATH].join(path.delimiter),
    STRIPE_EMULATOR_URL: settings.emulatorUrl,
    STRIPE_TEST_KEY: settings.key,
  };
}

/** The last stdout line of an Automation API program: its JSON report. */
export function reportOf(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split("\n").pop() as string) as Record<string, unknown>;
}
