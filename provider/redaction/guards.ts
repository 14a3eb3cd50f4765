/**
 * The refusals of a bulk run, as typed errors the CLI and the provider can tell apart: a live key
 * without consent is a configuration problem (CLI exit 2); too many matches is a guard that
 * stopped the run before any write (CLI exit 3).
 */
import { GuardRefusedError, UserInputError } from "../errors";
import { keyMode, maskKey, type KeyMode } from "../stripe/keys";

export class LivemodeRefusedError extends GuardRefusedError {
  constructor() {
    super(
      "refusing to run a bulk operation with a live-mode key: pass allowLivemode (CLI: --allow-livemode; " +
        "config: stripe-identity:allowLivemode or STRIPE_IDENTITY_ALLOW_LIVEMODE=true) to act on real people's records",
      { code: "livemode_not_allowed" },
    );
  }
}

export class MaxSessionsExceededError extends GuardRefusedError {
  constructor(
    readonly matched: number,
    readonly maxSessions: number,
  ) {
    super(
      `${matched} sessions match the filter, more than maxSessions (${maxSessions}): nothing was changed. ` +
        "Narrow the filter or raise maxSessions.",
      { code: "max_sessions_exceeded" },
    );
  }
}

/** The key's mode, refusing keys that are not Stripe secret/restricted keys and live keys without consent. */
export function checkKey(apiKey: string, allowLivemode: boolean): KeyMode {
  const mode = keyMode(apiKey);
  if (!mode) {
    throw new UserInputError(
      `the API key ${maskKey(apiKey)} is not a Stripe secret or restricted key (sk_test_, sk_live_, rk_test_ or rk_live_)`,
    );
  }
  if (mode === "live" && !allowLivemode) throw new LivemodeRefusedError();
  return mode;
}
