/**
 * The emulator's one error type. Domain code throws `RestError`; only the app turns it into a
 * response, in Stripe's shape `{"error": {...}}`, with only fields the spec's `api_errors` has.
 */
export type ErrorType = "api_error" | "idempotency_error" | "invalid_request_error";

/**
 * The only error codes the emulator sends: codes Stripe has (the error-code union of the `stripe`
 * SDK's types) that Stripe sends for these endpoints. Where Stripe sends no code (a bad enum, a
 * too-long string, bad metadata, an unexpandable field), neither does the emulator.
 */
export type StripeErrorCode =
  | "parameter_unknown"
  | "parameter_missing"
  | "parameter_invalid_integer"
  | "parameter_invalid_empty"
  | "parameter_invalid_string_blank"
  | "parameter_invalid_string_empty"
  | "parameters_exclusive"
  | "resource_missing"
  | "rate_limit"
  | "lock_timeout"
  | "idempotency_key_in_use"
  | "account_invalid";

export interface ErrorBody {
  type: ErrorType;
  message: string;
  code?: StripeErrorCode;
  param?: string;
}

export class RestError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  /** Extra response headers (`Stripe-Rate-Limited-Reason`). */
  readonly headers: Record<string, string>;
  /** A malformed request (bad params or body): refused before it ran, so never stored for a key. */
  readonly malformed: boolean;

  constructor(status: number, body: ErrorBody, options: { headers?: Record<string, string>; malformed?: boolean } = {}) {
    super(body.message);
    this.name = "RestError";
    this.status = status;
    this.body = body;
    this.headers = options.headers ?? {};
    this.malformed = options.malformed ?? false;
  }

  /** The JSON text sent on the wire; fields left undefined are dropped by JSON.stringify. */
  toJson(): string {
    const { type, code, message, param } = this.body;
    return JSON.stringify({ error: { type, code, message, param } });
  }
}

export function invalidRequest(message: string, extra: { code?: StripeErrorCode; param?: string; malformed?: boolean } = {}): RestError {
  const { malformed, ...fields } = extra;
  return new RestError(400, { type: "invalid_request_error", message, ...fields }, { malformed });
}

/** A parameter with a bad value: names it in `param`, as Stripe does; a code only where Stripe has one. */
export function invalidParam(param: string, code: StripeErrorCode | undefined, message: string): RestError {
  return invalidRequest(message, { ...(code !== undefined ? { code } : {}), param, malformed: true });
}

export function unknownParam(param: string): RestError {
  return invalidParam(param, "parameter_unknown", `Received unknown parameter: ${param}`);
}

export function resourceMissing(kind: string, id: string, param = "id", status = 404): RestError {
  return new RestError(status, {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${kind}: '${id}'`,
  });
}

/** An operation the object's current status does not allow. Stripe names the status, no `param`. */
export function invalidState(message: string): RestError {
  return invalidRequest(message);
}

export function unauthorized(message: string): RestError {
  return new RestError(401, { type: "invalid_request_error", message });
}

export function rateLimited(reason: string): RestError {
  return new RestError(
    429,
    {
      type: "invalid_request_error",
      code: "rate_limit",
      message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
    },
    { headers: { "Stripe-Rate-Limited-Reason": reason } },
  );
}

/** A second write to an object while one is under way: Stripe's lock timeout, with no reason header. */
export function lockTimeout(id: string): RestError {
  return new RestError(429, {
    type: "invalid_request_error",
    code: "lock_timeout",
    message: `This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. (object: ${id})`,
  });
}

/** A request whose Idempotency-Key is still being processed by an earlier request. */
export function idempotencyKeyInUse(key: string): RestError {
  return new RestError(409, {
    type: "invalid_request_error",
    code: "idempotency_key_in_use",
    message: `There is currently another in-progress request using this Idempotent Key (probably because you sent the same request twice). Try again later: ${key.slice(0, 255)}`,
  });
}

export function apiError(message = "An unknown error occurred (injected fault)."): RestError {
  return new RestError(500, { type: "api_error", message });
}

export function idempotencyMismatch(key: string): RestError {
  return new RestError(400, {
    type: "idempotency_error",
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

export function notFoundRoute(method: string, path: string): RestError {
  return new RestError(404, {
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

/**
 * A `Stripe-Account` the key may not act for (not connected to this platform, or not an account
 * id at all): Stripe's 403, naming the account and the key masked.
 */
export function accountInvalid(maskedKey: string, stripeAccount: string): RestError {
  return new RestError(403, {
    type: "invalid_request_error",
    code: "account_invalid",
    message: `The provided key '${maskedKey}' does not have access to account '${stripeAccount.slice(0, 80)}' (or that account does not exist). Application access may have been revoked.`,
  });
}
