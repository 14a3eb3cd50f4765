#!/usr/bin/env node
/**
 * `pulumi-resource-stripe-identity`: the resource plugin the Pulumi engine starts. It serves the
 * ResourceProvider protocol on a free local port and prints that port as its first line of
 * stdout (Pulumi's plugin handshake); the engine's address is its first argument.
 */
import { packageVersion } from "./version";
import { serve } from "./server";

async function main(): Promise<void> {
  const engineAddress = process.argv.slice(2).find((arg) => !arg.startsWith("-"));
  const { port } = await serve({ version: packageVersion(), engineAddress });
  process.stdout.write(`${port}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`pulumi-resource-stripe-identity: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
