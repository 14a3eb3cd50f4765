#!/usr/bin/env node
/**
 * `stripe-identity-harness <preview|up|refresh|destroy> --dir examples/platform --stack dev` (the
 * package's bin; `npx stripe-identity-harness` where the package is installed)
 *
 * The harness as a command, for trying a program without the Pulumi CLI. Config comes from
 * `--config key=value`; secret config only from the environment (`--secret-env key=ENV_NAME`) so a
 * key never sits in the shell history or the process list.
 */
import { Command, Option } from "commander";
import { formatSummary } from "./format";
import { Harness, HarnessError } from "./index";
import type { Operation, Summary } from "./types";

function pairs(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf("=");
  if (at <= 0) throw new Error(`expected key=value, got "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

const program = new Command("stripe-identity-harness")
  .description("Run a Pulumi program through Pulumi's dynamic-provider process without the Pulumi CLI")
  .addOption(new Option("--dir <folder>", "folder with Pulumi.yaml").default("."))
  .addOption(new Option("--stack <name>", "stack name").default("dev"))
  .addOption(new Option("--state <file>", "state file (default <dir>/.harness-state/<stack>.json)"))
  .addOption(new Option("--config <key=value>", "stack config (repeatable)").argParser(pairs).default({}))
  .addOption(new Option("--secret-env <key=ENV>", "secret stack config read from an environment variable (repeatable)").argParser(pairs).default({}))
  .option("--json", "print the summary as JSON")
  .option("-v, --verbose", "show unchanged resources and every log line")
  .argument("<operation>", "preview | up | refresh | destroy");

program.action(async (operation: string, opts: { dir: string; stack: string; state?: string; config: Record<string, string>; secretEnv: Record<string, string>; json?: boolean; verbose?: boolean }) => {
  if (!["preview", "up", "refresh", "destroy"].includes(operation)) program.error(`unknown operation "${operation}"`, { exitCode: 2 });
  const secrets: Record<string, string> = {};
  for (const [key, env] of Object.entries(opts.secretEnv)) {
    const value = process.env[env];
    if (value === undefined) program.error(`--secret-env ${key}=${env}: ${env} is not set`, { exitCode: 2 });
    secrets[key] = value!;
  }
  const harness = await Harness.open({ programDir: opts.dir, stack: opts.stack, stateFile: opts.state, config: opts.config, secrets });
  let summary: Summary;
  try {
    summary = await harness[operation as Operation]();
  } catch (error) {
    if (!(error instanceof HarnessError)) throw error;
    summary = error.summary;
  }
  if (opts.json) console.log(JSON.stringify(summary, null, 2));
  else for (const line of formatSummary(summary, opts.verbose)) console.log(line);
  process.exitCode = summary.ok ? 0 : 1;
});

program.parseAsync().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
