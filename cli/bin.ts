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
import { runVerify, VERIFY_EXIT } from "./verify";
import { resolveConfig } from "../provider/config";

const VERIFY_HELP = `Usage: stripe-identity-sweep verify FILE [--json] [--api-base URL]

Check an --evidence file's hash chain, then re-read every session it records as redacted.

Options:
  --json            print one JSON result on stdout
  --api-base <url>  API base URL (also STRIPE_API_BASE)
  -h, --help        show this help

The key comes from STRIPE_API_KEY only.
Exit status: 0 all redacted, 1 a killed run's intended redaction did not happen, 2 usage error, 4 some
redactions still processing, 5 file broken, 6 recorded as redacted but Stripe shows no redaction.
STRIPE_IDENTITY_EVIDENCE_KEY: the key of a keyed (HMAC) chain (docs/evidence.md).
`;

/** `stripe-identity-sweep verify FILE [--json] [--api-base URL]` (exit 0, 1, 2, 4 pending, 5 chain broken, 6 recorded but not redacted). */
async function verify(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const usage = (message: string): number => {
    process.stderr.write(`stripe-identity-sweep verify: ${message}\nUsage: stripe-identity-sweep verify FILE [--json] [--api-base URL]\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: "usage", message } })}\n`);
    return VERIFY_EXIT.usage;
  };
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(VERIFY_HELP);
    return VERIFY_EXIT.ok;
  }
  const rest = argv.filter((arg) => arg !== "--json");
  const baseAt = rest.indexOf("--api-base");
  const apiBaseFlag = baseAt >= 0 ? rest.splice(baseAt, 2)[1] : undefined;
  if (baseAt >= 0 && apiBaseFlag === undefined) return usage("--api-base needs a URL");
  const unknown = rest.find((arg) => arg.startsWith("-"));
  if (unknown) return usage(`unknown flag ${unknown}`);
  if (rest.length !== 1) return usage(rest.length === 0 ? "name the evidence file" : "name one evidence file");
  let config;
  try {
    config = resolveConfig(undefined, process.env);
  } catch (error) {
    return usage((error as Error).message);
  }
  if (!config.apiKey) return usage("no API key: set STRIPE_API_KEY (the key is never taken from a flag)");
  const key = process.env.STRIPE_IDENTITY_EVIDENCE_KEY || undefined;
  return runVerify({ file: rest[0], json, apiKey: config.apiKey, apiBase: apiBaseFlag ?? config.apiBase, key }, { stdout: process.stdout, stderr: process.stderr });
}

async function main(): Promise<number> {
  if (process.argv[2] === "verify") return verify(process.argv.slice(3));
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
