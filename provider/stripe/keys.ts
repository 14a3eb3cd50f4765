/**
 * Facts derived from an API key's prefix. Stripe keys look like
 * `sk_test_...`, `sk_live_...`, `rk_test_...`, `rk_live_...`.
 */
export type KeyMode = "test" | "live";

const KEY_PATTERN = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;

export function isWellFormedKey(apiKey: string): boolean {
  return KEY_PATTERN.test(apiKey);
}

/** The mode a key acts in; `undefined` when the prefix is not a Stripe secret/restricted key. */
export function keyMode(apiKey: string): KeyMode | undefined {
  const match = /^(?:sk|rk)_(test|live)_/.exec(apiKey);
  return match ? (match[1] as KeyMode) : undefined;
}

/** Masks a key as Stripe does in its messages: only the last four characters stay visible. */
export function maskKey(apiKey: string): string {
  if (apiKey.length <= 4) return "*".repeat(apiKey.length);
  const prefix = /^(sk|rk)_(test|live)_/.exec(apiKey)?.[0] ?? "";
  const hidden = Math.max(apiKey.length - prefix.length - 4, 0);
  return `${prefix}${"*".repeat(hidden)}${apiKey.slice(-4)}`;
}

/** Replaces every occurrence of `secret` in `text` with its mask, so no message can carry it. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 8) return text;
  return text.split(secret).join(maskKey(secret));
}
