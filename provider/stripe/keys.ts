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

/**
 * Masks a key as Stripe does in its messages: only the last four characters stay visible. A key
 * too short to hide most of it behind the prefix (8 characters or fewer after it) is masked
 * entirely, so the mask never repeats the whole value.
 */
export function maskKey(apiKey: string): string {
  const prefix = /^(sk|rk)_(test|live)_/.exec(apiKey)?.[0] ?? "";
  const rest = apiKey.slice(prefix.length);
  const visible = rest.length > 8 ? 4 : 0;
  return `${prefix}${"*".repeat(rest.length - visible)}${rest.slice(rest.length - visible)}`;
}

/** Replaces every occurrence of `secret` in `text` with its mask, so no message can carry it. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 8) return text;
  return text.split(secret).join(maskKey(secret));
}
