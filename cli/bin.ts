#!/usr/bin/env node
/**
 * `stripe-identity-sweep`: bulk redaction from a shell, cron job or CI (docs/bulk-redaction.md).
 * Ctrl-C once stops gracefully (requests in flight finish, the report is exact, a rerun finishes
 * the rest); twice quits at once.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { redactSecret } from "../provider/stripe/keys";
import { parseArgs } from "./args";
import { EXIT, runSweepCli } from "./run";

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2), {
    env: process.env,
    readFile: (path) => (existsSync(path) && statSync(path).isFile() ? readFileSync(path, "utf8") : undefined),
  });
  if (parsed.kind === "help") {
    process.stdout.write(parsed.text);
    return EXIT.ok;
  }
  if (parsed.kind === "usage") {
    process.stderr.write(`stripe-identity-sweep: ${parsed.message}\nRun stripe-identity-sweep --help for the flags.\n`);
    // With --json every exit path answers in JSON on stdout, usage and configuration errors included.
    if (process.argv.slice(2).includes("--json")) process.stdout.write(`${JSON.stringify({ error: { code: "usage", message: parsed.message } })}\n`);
    return EXIT.usage;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    // The CLI prints "stopping: ..." itself, after ending its progress bar.
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return runSweepCli(parsed.options, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Not expected (runSweepCli maps errors to exit codes); still no stack trace for users.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`stripe-identity-sweep: ${redactSecret(message, process.env.STRIPE_API_KEY)}\n`);
    process.exitCode = EXIT.failed;
  },
);
