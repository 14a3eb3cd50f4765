/**
 * Which account a BulkRedaction's runs act on, as Stripe says (`GET /v1/account`, once per run),
 * recorded in state with the key's digest and mask (provider/key-record.ts). A run whose key
 * changed since is allowed only when Stripe says the new key acts on the same account: a teardown
 * with another account's key would redact that account's sessions and leave the right ones.
 */
import { AccountMismatchError, KeyChangedError } from "../errors";
import { accountWords } from "./describe";
import { nameOf, type RunPhase } from "./inputs";
import { keyChange, keyRecord } from "../key-record";
import { accountIdentity } from "../stripe/account";
import { createStripeClient } from "../stripe/client";

export const KEY_ACCOUNT = "__keyAccount";

export interface RunKey {
  apiKey: string;
  apiBase?: string;
  stripeAccount?: string;
}

/** Hidden state for a run made with this key: digest, mask and the account Stripe named. */
export async function runKeyRecord(key: RunKey, label: string, state: Record<string, unknown>): Promise<Record<string, string>> {
  const identity = await accountIdentity(createStripeClient({ apiKey: key.apiKey, apiBase: key.apiBase, stripeAccount: key.stripeAccount, maxNetworkRetries: 2 }));
  const account = identity.known ? identity.accountId : "unknown";
  const change = keyChange(state, key.apiKey);
  const recorded = typeof state[KEY_ACCOUNT] === "string" ? state[KEY_ACCOUNT] : undefined;
  if (change && recorded !== undefined && (recorded !== account || account === "unknown")) {
    throw new KeyChangedError(
      `${label}: its runs acted on account ${recorded} with the key ${change.was}; the configured key ${change.now} acts on ${account === "unknown" ? "an account Stripe does not name to it" : `account ${account}`}. ` +
        "Nothing was run and the resource stays in state. Configure a key of the recorded account (stripe-identity:apiKey or STRIPE_API_KEY), then retry",
    );
  }
  return { ...keyRecord(key.apiKey), [KEY_ACCOUNT]: account };
}

/** The connected account recorded in state; undefined for state from before accounts were recorded. */
export function recordedAccount(state: Record<string, unknown>): string | null | undefined {
  if (state.runAccount === undefined) return undefined;
  return typeof state.runAccount === "string" ? state.runAccount : null;
}

/**
 * The runs of one resource act on one account (recorded as `runAccount`). A teardown in another
 * account, because the config changed since, would redact the wrong sessions and leave the right
 * ones: an error naming both. State from before accounts were recorded has none to compare.
 */
export function assertAccount(state: Record<string, unknown>, configured: string | null, phase: RunPhase): string | null {
  const recorded = recordedAccount(state);
  if (recorded === undefined) return configured;
  if (recorded !== configured) {
    throw new AccountMismatchError(
      `BulkRedaction ${nameOf(state)} (${phase}): its runs act on ${accountWords(recorded)} (recorded in state), but ${accountWords(configured)} is configured ` +
        "(the stripeAccount arg, else stripe-identity:stripeAccount or STRIPE_ACCOUNT); configure it back; nothing was run and the resource stays in state",
    );
  }
  return recorded;
}
