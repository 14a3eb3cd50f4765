import { z } from "zod";
import { UserInputError } from "./errors";
import { CONFIG_NAMESPACE } from "./namespace";
import { isWellFormedKey, maskKey } from "./stripe/keys";

export { CONFIG_NAMESPACE };

/** A connected account id (`acct_...`), as Stripe writes them. */
export const STRIPE_ACCOUNT_ID = /^acct_[A-Za-z0-9]{1,64}$/;
export const STRIPE_ACCOUNT_RULE = "expected a connected account id such as acct_1A2b3C4d (Stripe Connect)";

const booleanText = z
  .union([z.boolean(), z.enum(["true", "false"])])
  .transform((value) => value === true || value === "true");

const integerText = z.union([z.number(), z.string().regex(/^\d+$/, "expected a whole number")]).transform(Number);

export const ProviderConfig = z.strictObject({
  apiKey: z.string().min(1).optional(),
  apiBase: z
    .string()
    .url("expected a URL such as http://127.0.0.1:12111")
    .refine((url) => /^https?:\/\//i.test(url), "expected an http or https URL such as http://127.0.0.1:12111")
    .optional(),
  allowLivemode: booleanText.default(false),
  maxNetworkRetries: integerText.pipe(z.number().int().min(0).max(10)).default(3),
  /** Connect: act on this connected account by default (the `Stripe-Account` header). */
  stripeAccount: z.string().regex(STRIPE_ACCOUNT_ID).optional(),
});
export type ProviderConfig = z.output<typeof ProviderConfig>;

/** Anything with Pulumi's `config.get(key)` shape (the dynamic provider's ConfigureRequest.config). */
export interface ConfigSource {
  get(key: string): string | undefined;
}

const ENV_FALLBACK: Record<string, string | undefined> = {
  apiKey: "STRIPE_API_KEY",
  apiBase: "STRIPE_API_BASE",
  allowLivemode: "STRIPE_IDENTITY_ALLOW_LIVEMODE",
  maxNetworkRetries: undefined,
  stripeAccount: "STRIPE_ACCOUNT",
};

/**
 * Resolves the provider's configuration: stack config first (`stripe-identity:<key>`), then the
 * environment. Pulumi hands secrets to dynamic providers already unwrapped.
 */
/** What each setting must be, in words a person can act on (not the schema's text). */
const RULE: Record<string, string> = {
  apiBase: "expected an http or https URL such as http://127.0.0.1:12111",
  allowLivemode: "expected true or false",
  maxNetworkRetries: "expected a whole number from 0 to 10",
  stripeAccount: STRIPE_ACCOUNT_RULE,
};

export function resolveConfig(source: ConfigSource | undefined, env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const raw: Record<string, string> = {};
  const origin: Record<string, string> = {};
  for (const [key, envName] of Object.entries(ENV_FALLBACK)) {
    const fromStack = source?.get(`${CONFIG_NAMESPACE}:${key}`);
    const useStack = fromStack !== undefined && fromStack !== "";
    const value = useStack ? fromStack : envName ? env[envName] : undefined;
    if (value === undefined || value === "") continue;
    raw[key] = value;
    origin[key] = useStack || !envName ? `${CONFIG_NAMESPACE}:${key}` : `the ${envName} environment variable (${CONFIG_NAMESPACE}:${key})`;
  }
  if (raw.apiKey !== undefined) {
    // A key pasted with its newline (or spaces) once retried for 18 s, then blamed the connection.
    const trimmed = raw.apiKey.trim();
    if (!isWellFormedKey(trimmed)) {
      throw new UserInputError(
        `${origin.apiKey} is not a Stripe secret or restricted key (expected sk_test_..., sk_live_..., rk_test_... or rk_live_...; got ${maskKey(trimmed)})`,
      );
    }
    raw.apiKey = trimmed;
  }
  const parsed = ProviderConfig.safeParse(raw);
  if (!parsed.success) {
    const key = String(parsed.error.issues[0].path[0]);
    // The value is echoed only where it cannot be anything but a flag value (a URL may carry credentials).
    const got = key === "apiBase" ? "" : `, got "${raw[key]}"`;
    throw new UserInputError(`${origin[key] ?? `${CONFIG_NAMESPACE}:${key}`}: ${RULE[key] ?? parsed.error.issues[0].message}${got}`);
  }
  return parsed.data;
}

/** The key, or an error that says where to put one. Never echoes a value. */
export function requireApiKey(config: ProviderConfig): string {
  if (!config.apiKey) {
    throw new UserInputError(
      `no Stripe API key: set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:apiKey sk_test_...\` or the STRIPE_API_KEY environment variable`,
    );
  }
  return config.apiKey;
}
