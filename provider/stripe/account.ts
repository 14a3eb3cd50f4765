import type Stripe from "stripe";
import { errorFacts } from "./errors";

/**
 * Which Stripe account a client acts on, as Stripe says (`GET /v1/account`): the platform account a
 * key belongs to or, with `Stripe-Account`, that connected account. A key's prefix tells its mode,
 * never its account; plans, evidence and state bind to this id so that another account's key is
 * caught before it acts (a session of account A answers 404 to account B's key, which must never
 * read as "gone").
 */
export type AccountIdentity =
  | { known: true; accountId: string }
  /** A restricted key without the Accounts read permission: Stripe answers 403 (`permission_error`). */
  | { known: false; reason: string };

const cache = new WeakMap<Stripe, Promise<AccountIdentity>>();

/** One request per client; a transient failure is not cached, so the next call asks again. */
export function accountIdentity(stripe: Stripe): Promise<AccountIdentity> {
  let pending = cache.get(stripe);
  if (!pending) {
    pending = ask(stripe);
    cache.set(stripe, pending);
    pending.catch(() => cache.delete(stripe));
  }
  return pending;
}

async function ask(stripe: Stripe): Promise<AccountIdentity> {
  try {
    const account = await stripe.accounts.retrieveCurrent();
    return { known: true, accountId: account.id };
  } catch (error) {
    const facts = errorFacts(error);
    if (facts.statusCode === 403) return { known: false, reason: `the key may not read its account (${facts.message})` };
    throw error;
  }
}
