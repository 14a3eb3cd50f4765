/**
 * One base for every error this package raises on purpose. `statusCode`, `code` and `requestId`
 * carry through what Stripe said when an API call is the cause.
 */
export class IdentityError extends Error {
  readonly statusCode?: number;
  readonly code?: string;
  readonly requestId?: string;

  constructor(message: string, details: { statusCode?: number; code?: string; requestId?: string } = {}) {
    super(message);
    this.name = new.target.name;
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.requestId = details.requestId;
    // Deliberate errors explain themselves: their message is for a person. Pulumi's dynamic provider
    // prints `${error}: ${error.stack}` for a failed operation, so frames would reach the user as a
    // stack trace. STRIPE_IDENTITY_DEBUG=1 keeps them for debugging.
    if (process.env.STRIPE_IDENTITY_DEBUG !== "1") this.stack = "";
  }
}

/** Bad input from a user (args, flags, config): the message names the field or flag. */
export class UserInputError extends IdentityError {}

/** The key's mode (test/live) disagrees with the mode recorded for the object. */
export class ModeMismatchError extends IdentityError {}

/** The connected account a session lives in (recorded in state) is not the one configured now. */
export class AccountMismatchError extends IdentityError {}

/** A session stayed `processing` longer than the caller was willing to wait. */
export class ProcessingTimeoutError extends IdentityError {}

/** A bulk operation refused to run (live key not allowed, too many matches). */
export class GuardRefusedError extends IdentityError {}

/** The key changed since a resource was recorded, and the new one cannot see it: another account. */
export class KeyChangedError extends IdentityError {}
