/**
 * Shared pieces of the reliability suite: a bounded pool, a violation ledger, the checks every
 * failure must pass ("a clear error"), and a scanner for secrets in artifacts.
 */
import { IdentityError } from "../../provider/errors";

/** `RELIABILITY_LONG=1` runs the long variants (more operations, more kills, more fuzz cases). */
export const LONG = process.env.RELIABILITY_LONG === "1";
/** One seed for the whole suite, overridable to replay a failure: `RELIABILITY_SEED=...`. */
export const SEED = Number(process.env.RELIABILITY_SEED ?? 20261126);

/** Runs `work` over `items` with at most `limit` in flight; results in item order. */
export async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function attempt<T>(operation: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await operation() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Collects invariant breaches with enough context to debug them; a test asserts it stays empty. */
export class Ledger {
  readonly violations: string[] = [];
  operations = 0;
  failures = 0;

  violation(message: string): void {
    this.violations.push(message);
  }

  /** Tallies an outcome; a failure must be a clear error (see `unclearError`). */
  record(outcome: Outcome<unknown>, context: string, secrets: readonly string[]): void {
    this.operations++;
    if (outcome.ok) return;
    this.failures++;
    const problem = unclearError(outcome.error, secrets);
    if (problem) this.violation(`${context}: ${problem}`);
  }
}

/**
 * Why an error does not count as a clear one, or undefined when it does: one of the package's
 * typed errors, with a message that names what failed, no stack trace in the message, and no
 * secret in message or stack.
 */
export function unclearError(error: unknown, secrets: readonly string[]): string | undefined {
  if (!(error instanceof IdentityError)) {
    return `untyped error ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  if (error.message.trim().length < 10) return `message too short: "${error.message}"`;
  if (/\n\s+at /.test(error.message)) return `stack trace in message: ${error.message}`;
  const leak = findSecret(`${error.message}\n${error.stack ?? ""}`, secrets);
  if (leak) return `error text carries a secret (${leak})`;
  return undefined;
}

/** Client secrets look like `vs_..._secret_...`; any occurrence in an artifact is a leak. */
export const CLIENT_SECRET = /_secret_[A-Za-z0-9]+/;
/** The hosted verification URL is a bearer secret too (`url`, a secret output). */
export const VERIFICATION_URL = /verify\.stripe\.com\/start\/[A-Za-z0-9_]+/;

/** The first secret found in `text` (masked for the report), or undefined. */
export function findSecret(text: string, secrets: readonly string[], clientSecrets = true): string | undefined {
  for (const secret of secrets) {
    if (secret.length >= 8 && text.includes(secret)) return `${secret.slice(0, 8)}...`;
  }
  if (clientSecrets) {
    const match = CLIENT_SECRET.exec(text);
    if (match) return `client secret ${match[0].slice(0, 10)}...`;
    const url = VERIFICATION_URL.exec(text);
    if (url) return `verification url ${url[0].slice(0, 30)}...`;
  }
  return undefined;
}

/** Summary line for the closing note; one plain line (no console.log frame) so CI logs carry the numbers. */
export function report(name: string, numbers: Record<string, number | string>): void {
  process.stderr.write(`[reliability] ${name}: ${Object.entries(numbers).map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
}
