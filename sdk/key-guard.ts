/**
 * Runs in the user's program, once, before the first resource of this package registers: the
 * key must be a secret in stack config (Pulumi copies the stack config into the inputs of the
 * default `pulumi-nodejs` provider, so a plain `apiKey` would sit in the state file in clear), and
 * a stack with no key at all is told so at preview rather than failing at `up`.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "../provider/namespace";

let checked = false;

// Exported by @pulumi/pulumi's runtime (3.248) but marked internal, so absent from its typings.
const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret(key: string): boolean };

/** The message a plain (non-secret) `apiKey` fails the program with. Never echoes the value. */
export const PLAIN_KEY_MESSAGE =
  `${CONFIG_NAMESPACE}:apiKey is set in plain text: Pulumi would write it into the state file. ` +
  `Set it as a secret: \`pulumi config set --secret ${CONFIG_NAMESPACE}:apiKey\` (it reads the key from stdin), ` +
  "or leave it unset and export STRIPE_API_KEY";

export function guardKeyConfig(env: NodeJS.ProcessEnv = process.env): void {
  if (checked) return;
  checked = true;
  const name = `${CONFIG_NAMESPACE}:apiKey`;
  // getConfig reads the raw value without Config.get's "is a secret" warning.
  const configured = pulumi.runtime.getConfig(name);
  if (configured !== undefined && configured !== "") {
    // RunError: Pulumi prints the message alone, with no stack trace.
    if (!runtime.isConfigSecret(name)) throw new pulumi.RunError(PLAIN_KEY_MESSAGE);
    return;
  }
  if (!env.STRIPE_API_KEY) {
    void pulumi.log.warn(
      `pulumi-stripe-identity: no Stripe API key: \`pulumi up\` will fail until you run \`pulumi config set --secret ${name}\` ` +
        "(it reads the key from stdin) or export STRIPE_API_KEY",
    );
  }
}
