/**
 * The provider's configuration as the engine sends it (CheckConfig, DiffConfig, Configure): the
 * same keys, env fallbacks and rules as the dynamic face (provider/config.ts), read from the
 * provider resource's inputs instead of the stack's config bag.
 */
import { CONFIG_NAMESPACE, resolveConfig, type ConfigSource, type ProviderConfig } from "../provider/config";
import { sameValue } from "../provider/values";
import type { PlainObject } from "./properties";

export const CONFIG_KEYS = ["apiKey", "apiBase", "allowLivemode", "maxNetworkRetries", "stripeAccount"] as const;

/** Config values arrive typed (YAML, explicit providers) or as text (stack config): the core reads text. */
function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A `config.get("stripe-identity:<key>")` view of the provider's inputs. */
export function configSource(values: PlainObject): ConfigSource {
  return {
    get: (key) => (key.startsWith(`${CONFIG_NAMESPACE}:`) ? asText(values[key.slice(CONFIG_NAMESPACE.length + 1)]) : undefined),
  };
}

/** The older wire form: a map of `stripe-identity:config:<key>` to text. */
export function fromVariables(variables: Iterable<[string, string]>): PlainObject {
  const values: PlainObject = {};
  for (const [key, value] of variables) {
    const match = /^([^:]+):(?:config:)?(.+)$/.exec(key);
    if (match && match[1] === CONFIG_NAMESPACE) values[match[2]] = value;
  }
  return values;
}

export interface ConfigFailure {
  property: string;
  reason: string;
}

/** The resolved config, or the failure naming the setting (never echoing a key). */
export function checkConfig(values: PlainObject, env: NodeJS.ProcessEnv): { config?: ProviderConfig; failures: ConfigFailure[] } {
  try {
    return { config: resolveConfig(configSource(values), env), failures: [] };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const named = new RegExp(`${CONFIG_NAMESPACE}:(\\w+)`).exec(message)?.[1];
    const property = named && (CONFIG_KEYS as readonly string[]).includes(named) ? named : "";
    return { failures: [{ property, reason: message }] };
  }
}

/**
 * Config keys whose value changed. None forces a replacement: a provider replaced would replace
 * (cancel or redact) every session it manages. A changed key or account is instead refused by the
 * core when it acts on a session recorded in another mode or account.
 */
export function changedConfig(olds: PlainObject, news: PlainObject): string[] {
  return CONFIG_KEYS.filter((key) => !sameValue(olds[key], news[key]));
}
