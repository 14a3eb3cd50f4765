/**
 * How the demo runs Pulumi: the real CLI with a local file backend. The one `npm run pulumi:cli`
 * built (or `pulumi` on the PATH); when there is none, the demo builds it with `npm run pulumi:cli`
 * (Go 1.25+, minutes on a cold machine), saying so first. There is no other engine: what the demo
 * prints is what `pulumi` prints.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { findCliDir, offlineCliEnv } from "../tools/pulumi-cli/layout";

export type Operation = "preview" | "up" | "refresh" | "destroy";

export interface Driver {
  readonly description: string;
  run(operation: Operation): Promise<void>;
}

export interface DriverOptions {
  programDir: string;
  stack: string;
  config: Record<string, string>;
  secrets: Record<string, string>;
  /** Scratch folder for the file backend and PULUMI_HOME. */
  stateDir: string;
  print: (line: string) => void;
}

export interface PulumiCli {
  binDir: string;
  version: string;
}

function probe(binDir: string): PulumiCli | undefined {
  const result = spawnSync(path.join(binDir, "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
  return result.status === 0 ? { binDir, version: result.stdout.trim() } : undefined;
}

/** The Pulumi CLI `npm run pulumi:cli` built (or one on PATH), with its version. */
export function findPulumiCli(repoRoot: string): PulumiCli | undefined {
  const binDir = findCliDir(repoRoot);
  return binDir ? probe(binDir) : undefined;
}

/** Finds the CLI, or builds it with `npm run pulumi:cli` (its progress on stderr); throws with the remedy when that fails. */
export function findOrBuildPulumiCli(repoRoot: string, print: (line: string) => void): PulumiCli {
  const found = findPulumiCli(repoRoot);
  if (found) return found;
  print("No Pulumi CLI here (none built by `npm run pulumi:cli`, no `pulumi` on the PATH): building it now with `npm run pulumi:cli`.");
  print("That needs Go 1.25+ and takes several minutes the first time; later runs reuse the build.");
  const build = spawnSync("npm", ["run", "-s", "pulumi:cli"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const binDir = build.status === 0 ? build.stdout.trim().split("\n").pop() : undefined;
  const cli = binDir ? probe(binDir) : undefined;
  if (!cli) {
    throw new Error(
      "the demo runs the real Pulumi CLI, and `npm run pulumi:cli` could not build it (see above). " +
        "Install Go 1.25+ and rerun, or install Pulumi (https://www.pulumi.com/docs/install/) and put `pulumi` on the PATH.",
    );
  }
  return cli;
}

export function cliDriver(opts: DriverOptions, cli: PulumiCli): Driver {
  const backend = path.join(opts.stateDir, "backend");
  fs.mkdirSync(backend, { recursive: true });
  const env = offlineCliEnv({
    binDir: cli.binDir,
    home: path.join(opts.stateDir, "pulumi-home"),
    backendDir: backend,
    passphrase: process.env.PULUMI_CONFIG_PASSPHRASE ?? "demo-only-passphrase",
  });
  // Asynchronous: the embedded emulator answers from this same process while the CLI runs.
  const pulumi = (args: string[], input?: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(path.join(cli.binDir, "pulumi"), [...args, "--non-interactive"], {
        cwd: opts.programDir,
        env,
        stdio: [input === undefined ? "ignore" : "pipe", "inherit", "inherit"],
      });
      if (input !== undefined) child.stdin!.end(input);
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi ${args[0]} failed (exit ${code})`))));
    });
  let ready = false;
  const setup = async (): Promise<void> => {
    if (ready) return;
    await pulumi(["stack", "init", opts.stack]);
    for (const [key, value] of Object.entries(opts.config)) await pulumi(["config", "set", key, value]);
    // The secret goes through stdin, never the command line.
    for (const [key, value] of Object.entries(opts.secrets)) await pulumi(["config", "set", "--secret", key], value);
    ready = true;
  };
  return {
    description: `the Pulumi CLI ${cli.version} (${cli.binDir}), local file backend in ${backend}`,
    async run(operation) {
      await setup();
      if (operation === "preview") await pulumi(["preview"]);
      else await pulumi([operation, "--yes", "--skip-preview"]);
    },
  };
}
