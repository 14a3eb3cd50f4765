import { z } from "zod";
import { UserInputError } from "./errors";
import { CONFIG_NAMESPACE } from "./namespace";

export { CONFIG_NAMESPACE };

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
};

/**
 * Resolves the provider's configuration: stack config first (`stripe-identity:<key>`), then the
 * environment. Pulumi hands secrets to dynamic providers already unwrapped.
 */
export function resolveConfig(source: ConfigSource | undefined, env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const raw: Record<string, string> = {};
  for (const [key, envName] of Object.entries(ENV_FALLBACK)) {
    const fromStack = source?.get(`${CONFIG_NAMESPACE}:${key}`);
    const value = fromStack !== undefined && fromStack !== "" ? fromStack : envName ? env[envName] : undefined;
    if (value !== undefined && value !== "") raw[key] = value;
  }
  const parsed = ProviderConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserInputError(`${CONFIG_NAMESPACE}:${issue.path.join(".")}: ${issue.message}`);
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
