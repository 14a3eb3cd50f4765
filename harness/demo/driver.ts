/**
 * How the demo runs Pulumi: the real CLI with a local file backend when `pulumi` is on the PATH,
 * the harness (Pulumi's dynamic-provider process, no CLI) otherwise. Both run the same program
 * folder with the same config; the demo says which one ran.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatSummary } from "../format";
import { Harness, HarnessError } from "../index";
import type { Operation } from "../types";

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

export function pulumiCliVersion(): string | undefined {
  const probe = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
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
    description: "the harness (no Pulumi CLI on the PATH): Pulumi's own dynamic-provider process driven over gRPC",
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

export function cliDriver(opts: DriverOptions, version: string): Driver {
  const backend = path.join(opts.stateDir, "backend");
  fs.mkdirSync(backend, { recursive: true });
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "demo-only-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
  };
  const pulumi = (args: string[], input?: string): void => {
    const result = spawnSync("pulumi", [...args, "--non-interactive"], {
      cwd: opts.programDir,
      env,
      input,
      stdio: [input === undefined ? "ignore" : "pipe", "inherit", "inherit"],
    });
    if (result.status !== 0) throw new Error(`pulumi ${args[0]} failed (exit ${result.status})`);
  };
  let ready = false;
  const setup = (): void => {
    if (ready) return;
    pulumi(["stack", "select", "--create", opts.stack]);
    for (const [key, value] of Object.entries(opts.config)) pulumi(["config", "set", key, value]);
    // The secret goes through stdin, never the command line.
    for (const [key, value] of Object.entries(opts.secrets)) pulumi(["config", "set", "--secret", key], value);
    ready = true;
  };
  return {
    description: `the Pulumi CLI (${version}) with a local file backend in ${backend}`,
    async run(operation) {
      setup();
      if (operation === "preview") pulumi(["preview"]);
      else pulumi([operation, "--yes", "--skip-preview"]);
    },
  };
}
