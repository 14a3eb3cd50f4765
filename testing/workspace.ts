/**
 * Where a test stack lives and which `pulumi` runs it: a temp folder holding the file backend, a
 * PULUMI_HOME of its own and (for inline programs) the folder the engine runs plugins in, and the
 * offline environment every command gets (no account, no update check, no plugin downloads).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";

export interface StackDirs {
  root: string;
  backend: string;
  home: string;
  /** The inline program's working directory: where the engine starts the dynamic-provider plugin. */
  work: string;
}

export function makeDirs(): StackDirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "stripe-identity-stack-"));
  const dirs = { root, backend: path.join(root, "backend"), home: path.join(root, "pulumi-home"), work: path.join(root, "program") };
  for (const dir of [dirs.backend, dirs.home, dirs.work]) fs.mkdirSync(dir);
  return dirs;
}

/** The package root of a module resolved from this package (its own copy of @pulumi/pulumi, as the program loads it). */
function packageRoot(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

/**
 * The engine starts `pulumi-resource-pulumi-nodejs` in the program's working directory, and it
 * resolves `@pulumi/pulumi` and this package from there. An inline program has no folder of its
 * own, so its working directory gets links to the very copies this process loaded: the provider
 * runs the same code as the test, and `@pulumi/pulumi` stays one copy (links resolve to real paths).
 */
export function linkModules(workDir: string): void {
  const modules = path.join(workDir, "node_modules");
  fs.mkdirSync(path.join(modules, "@pulumi"), { recursive: true });
  const link = (target: string, name: string): void => fs.symlinkSync(fs.realpathSync(target), path.join(modules, name), "junction");
  link(packageRoot("@pulumi/pulumi"), path.join("@pulumi", "pulumi"));
  link(ownRoot(), "pulumi-stripe-identity");
}

/** This package's folder: the nearest package.json named pulumi-stripe-identity above this file (dist/testing or testing). */
function ownRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "pulumi-stripe-identity") return dir;
  }
  throw new Error(`pulumi-stripe-identity: no package.json above ${__dirname}`);
}

/** The CLI: the one given, else `<cliDir>/pulumi`, else `pulumi` on the PATH. */
export async function pulumiCommand(given: PulumiCommand | undefined, cliDir: string | undefined): Promise<PulumiCommand> {
  if (given) return given;
  if (cliDir) {
    // PulumiCommand looks for `<root>/bin/pulumi`; a folder holding `pulumi` is either that bin or its root.
    const root = path.basename(cliDir) === "bin" ? path.dirname(cliDir) : cliDir;
    if (!fs.existsSync(path.join(root, "bin", "pulumi"))) throw new Error(`cliDir: no pulumi in ${cliDir} (expected ${path.join(root, "bin", "pulumi")})`);
    return PulumiCommand.get({ root });
  }
  try {
    return await PulumiCommand.get();
  } catch (error) {
    throw new Error(
      `no Pulumi CLI: put \`pulumi\` on the PATH (https://www.pulumi.com/docs/install/), or pass cliDir/pulumiCommand (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
    );
  }
}

/** Environment for every command: offline, this stack's own home and backend, the CLI's folder first on PATH (its plugins live there). */
export function offlineEnv(dirs: StackDirs, cli: PulumiCommand, passphrase: string, extra: Record<string, string> = {}): Record<string, string> {
  const cliBin = path.isAbsolute(cli.command) ? path.dirname(cli.command) : undefined;
  return {
    PULUMI_HOME: dirs.home,
    PULUMI_BACKEND_URL: `file://${dirs.backend}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...(cliBin ? { PATH: [cliBin, process.env.PATH ?? ""].join(path.delimiter) } : {}),
    ...extra,
  };
}
