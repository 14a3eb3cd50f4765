/**
 * The emulator's one error type. Domain code throws `RestError`; only the app turns it into a
 * response, in Stripe's shape `{"error": {...}}`, with only fields the spec's `api_errors` has.
 */
export type ErrorType = "api_error" | "idempotency_error" | "invalid_request_error";

export interface ErrorBody {
  type: ErrorType;
  message: string;
  code?: string;
  param?: string;
}

export class RestError extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "RestError";
    this.status = status;
    this.body = body;
  }

  /** The JSON text sent on the wire; fields left undefined are dropped by JSON.stringify. */
  toJson(): string {
    const { type, code, message, param } = this.body;
    return JSON.stringify({ error: { type, code, message, param } });
  }
}

export function invalidRequest(message: string, extra: { code?: string; param?: string } = {}): RestError {
  return new RestError(400, { type: "invalid_request_error", message, ...extra });
}

/** A parameter with a bad value: names it in `param`, as Stripe does. */
export function invalidParam(param: string, code: string, message: string): RestError {
  return invalidRequest(message, { code, param });
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

export function rateLimited(): RestError {
  return new RestError(429, {
    type: "invalid_request_error",
    code: "rate_limit",
    message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
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
