import Stripe from "stripe";
import { z } from "zod";
import { UserInputError } from "../errors";

/** The API version this package is built and tested against (the one `stripe` 23.x pins). */
export const STRIPE_API_VERSION = "2026-10-28.endive";

export const ClientOptions = z.strictObject({
  apiKey: z.string().min(1, "an API key is required (stripe-identity:apiKey or STRIPE_API_KEY)"),
  /** e.g. `http://127.0.0.1:12111` for the emulator; unset means api.stripe.com. */
  apiBase: z.string().url().optional(),
  maxNetworkRetries: z.number().int().min(0).max(10).default(3),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Connect: every request acts on this connected account (the `Stripe-Account` header). */
  stripeAccount: z.string().min(1).optional(),
});
export type ClientOptions = z.input<typeof ClientOptions>;

interface ApiBase {
  protocol: "http" | "https";
  host: string;
  port: number;
}

export function parseApiBase(apiBase: string): ApiBase {
  const url = new URL(apiBase);
  const protocol = url.protocol.replace(":", "");
  if (protocol !== "http" && protocol !== "https") {
    throw new UserInputError(`apiBase: expected an http or https URL, got "${apiBase}"`);
  }
  const port = url.port ? Number(url.port) : protocol === "https" ? 443 : 80;
  return { protocol, host: url.hostname, port };
}

/**
 * Builds the one `Stripe` client every part of the package uses: pinned API version, bounded
 * retries (the SDK retries connection errors, 409 and 5xx with idempotency keys; not 429) and a
 * timeout, pointed at Stripe or at an emulator.
 */
export function createStripeClient(options: ClientOptions): Stripe {
  const parsed = ClientOptions.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserInputError(`${issue.path.join(".") || "options"}: ${issue.message}`);
  }
  const { apiKey, apiBase, maxNetworkRetries, timeoutMs, stripeAccount } = parsed.data;
  const config: Stripe.StripeConfig = {
    apiVersion: STRIPE_API_VERSION as Stripe.StripeConfig["apiVersion"],
    maxNetworkRetries,
    timeout: timeoutMs,
    telemetry: false,
    appInfo: { name: "pulumi-stripe-identity" },
  };
  if (apiBase) Object.assign(config, parseApiBase(apiBase));
  if (stripeAccount) config.stripeAccount = stripeAccount;
  return new Stripe(apiKey, config);
}
