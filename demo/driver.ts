/**
 * How the demo runs Pulumi: the real CLI with a local file backend when `npm run pulumi:cli` has
 * built it (or `pulumi` is on the PATH), the harness (Pulumi's dynamic-provider process, no CLI)
 * otherwise. Both run the same program
 * folder with the same config; the demo says which one ran.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatSummary } from "../harness/format";
import { Harness, HarnessError } from "../harness/index";
import type { Operation } from "../harness/types";
import { findCliDir, offlineCliEnv } from "../tools/pulumi-cli/layout";

export interface Driver {
  readonly description: string;
  run(operation: Operation): Promise<void>;
}

export interface DriverOptions {
  programDir: string;
  stack: string;
  config: Record<string, string>;
  secrets: Record<string, string>;
  /** Scratch folder for the file backend / state. */
  stateDir: string;
  print: (line: string) => void;
}

/** The Pulumi CLI `npm run pulumi:cli` built (or one on PATH), with its version. */
export function findPulumiCli(repoRoot: string): { binDir: string; version: string } | undefined {
  const binDir = findCliDir(repoRoot);
  if (!binDir) return undefined;
  const probe = spawnSync(path.join(binDir, "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
  return probe.status === 0 ? { binDir, version: probe.stdout.trim() } : undefined;
}

export async function harnessDriver(opts: DriverOptions): Promise<Driver> {
  const harness = await Harness.open({
    programDir: opts.programDir,
    stack: opts.stack,
    config: opts.config,
    secrets: opts.secrets,
    stateFile: path.join(opts.stateDir, `${opts.stack}.json`),
  });
  return {
    description: "the harness (no Pulumi CLI: `npm run pulumi:cli` builds one where Go is installed): Pulumi's own dynamic-provider process driven over gRPC",
    async run(operation) {
      try {
        const summary = await harness[operation]();
        for (const line of formatSummary(summary, false, operation === "up")) opts.print(`  ${line}`);
      } catch (error) {
        if (error instanceof HarnessError) for (const line of formatSummary(error.summary)) opts.print(`  ${line}`);
        throw error;
      }
    },
  };
}

export function cliDriver(opts: DriverOptions, cli: { binDir: string; version: string }): Driver {
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
