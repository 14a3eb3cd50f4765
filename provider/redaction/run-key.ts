/**
 * Which account a BulkRedaction's runs act on, as Stripe says (`GET /v1/account`, once per run),
 * recorded in state with the key's digest and mask (provider/key-record.ts). A run whose key
 * changed since is allowed only when Stripe says the new key acts on the same account: a teardown
 * with another account's key would redact that account's sessions and leave the right ones.
 */
import { KeyChangedError } from "../errors";
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
