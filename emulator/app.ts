import { IncomingMessage, ServerResponse } from "node:http";
import { apiKeyOf } from "./auth";
import { handleControl } from "./control";
import { accountInvalid, apiError, idempotencyKeyInUse, idempotencyMismatch, invalidRequest, lockTimeout, notFoundRoute, rateLimited, RestError } from "./errors";
import { readBody, send, sleep } from "./http";
import { fingerprint } from "./idempotency";
import { parseForm } from "./params";
import { admitRequest, type RateLimitedReason } from "./rate-limit";
import { matchRoute, RouteMatch } from "./routes";
import { maskKey } from "../provider/stripe/keys";
import { Account, ACCOUNT_ID, EmulatorState } from "./state";

/**
 * The request pipeline for /v1: count -> auth -> rate limits (global, endpoint, concurrency) ->
 * faults -> write lock -> idempotency key in flight -> latency -> idempotency replay -> route ->
 * one error handler. `/_emulator/*` goes to the control API, which is never rate
 * limited, faulted or delayed.
 */
export type Logger = (line: string) => void;
type Fault = "error" | "reset" | "lost" | null;
interface Outcome {
  status: number;
  body: string;
  /** Whether an Idempotency-Key may replay it: not for malformed requests (Stripe saves only those that ran). */
  storable: boolean;
}

export function createHandler(state: EmulatorState, log?: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = log ? performance.now() : 0;
    const done = log
      ? (status: number | string) => log(`${req.method} ${pathOf(req.url)} ${status} ${(performance.now() - started).toFixed(1)}ms`)
      : undefined;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? "" : url.slice(q + 1);
    const method = req.method ?? "GET";
    const task = path.startsWith("/_emulator/")
      ? handleControl(state, req, res, method, path, query)
      : handleApi(state, req, res, method, path, query);
    task.then(
      (status) => done?.(status),
      (error: unknown) => {
        log?.(`emulator bug: ${error instanceof Error ? error.stack : String(error)}`);
        const failure = apiError("An unexpected error occurred in the emulator.");
        send(res, failure.status, failure.toJson());
        done?.(500);
      },
    );
  };
}

/** Path without the query string: logs never carry query values (the control API takes apiKey=). */
function pathOf(url: string | undefined): string {
  const q = (url ?? "/").indexOf("?");
  return q < 0 ? (url ?? "/") : (url ?? "/").slice(0, q);
}

async function handleApi(
  state: EmulatorState, req: IncomingMessage, res: ServerResponse, method: string, path: string, query: string,
): Promise<number | string> {
  const match = path.startsWith("/v1/") ? matchRoute(method, path) : undefined;
  if (path.startsWith("/v1/")) state.count(match ? match.route.template : `${method} (unknown route)`);
  let fault: Fault = null;
  // What this request holds while in flight (released in `finally`): a concurrency slot, the
  // object's write lock, its idempotency key.
  const held: Array<() => void> = [];
  // Stripe echoes a request's Idempotency-Key on its response (clients match answers by it).
  const echo = echoedKey(req, method);
  try {
    const body = method === "POST" ? await readBody(req) : drain(req);
    const apiKey = apiKeyOf(req.headers.authorization);
    const stripeAccount = connectedAccountOf(state, req, apiKey);
    state.countAccount(stripeAccount);
    const account = state.account(apiKey, stripeAccount);
    const endpoint = match ? match.route.template : `${method} (unknown route)`;
    if (state.config.rateLimit) {
      const reason = admit(state, account, endpoint);
      if (reason) {
        state.stats.rateLimited++;
        throw rateLimited(reason);
      }
      account.limiter.inFlight++;
      held.push(() => account.limiter.inFlight--);
    }
    fault = rollFault(state);
    if (fault === "error") throw apiError();
    if (fault === "reset") {
      req.socket.destroy();
      return "reset";
    }
    if (method === "POST" && match !== undefined && match.id !== "") {
      // Two writes to one object at once: the second waits for the lock and gives up, as Stripe's.
      if (account.writeLocks.has(match.id)) throw lockTimeout(match.id);
      account.writeLocks.add(match.id);
      const id = match.id;
      held.push(() => account.writeLocks.delete(id));
    }
    const key = idempotencyKeyOf(req, method);
    if (key !== undefined) {
      if (account.keysInFlight.has(key)) throw idempotencyKeyInUse(key);
      account.keysInFlight.add(key);
      held.push(() => account.keysInFlight.delete(key));
    }
    const { latencyMs, jitterMs } = state.config;
    const delay = latencyMs + (jitterMs > 0 ? state.random.jitter() * jitterMs : 0);
    if (delay > 0) await sleep(delay);
    if (!match) throw notFoundRoute(method, path);
    const outcome = runIdempotent(state, req, key, account, match, method, path, method === "POST" ? body : query);
    if (fault === "lost") {
      req.socket.destroy();
      return "lost";
    }
    send(res, outcome.status, outcome.body, { ...serverDate(state), ...echo, ...(outcome.replayed ? { "Idempotent-Replayed": "true" } : {}) });
    return outcome.status;
  } catch (error) {
    if (!(error instanceof RestError)) throw error;
    send(res, error.status, error.toJson(), { ...serverDate(state), ...echo, ...error.headers });
    return error.status;
  } finally {
    for (const release of held) release();
  }
}

/** The `Stripe-Account` of a request: null without one; a 403 when the key may not act for it. */
function connectedAccountOf(state: EmulatorState, req: IncomingMessage, apiKey: string): string | null {
  const header = req.headers["stripe-account"];
  if (header === undefined) return null;
  const value = Array.isArray(header) ? header.join(",") : header;
  if (!ACCOUNT_ID.test(value) || !state.mayActFor(apiKey, value)) throw accountInvalid(maskKey(apiKey), value);
  return value;
}

function echoedKey(req: IncomingMessage, method: string): Record<string, string> {
  const header = req.headers["idempotency-key"];
  return method === "POST" && typeof header === "string" && header !== "" && header.length <= 255 ? { "Idempotency-Key": header } : {};
}

function idempotencyKeyOf(req: IncomingMessage, method: string): string | undefined {
  const header = req.headers["idempotency-key"];
  if (method !== "POST" || typeof header !== "string" || header === "") return undefined;
  if (header.length > 255) throw invalidRequest("The Idempotency-Key header can be at most 255 characters long.");
  return header;
}

/**
 * Every response says when it was made, as Stripe's do (clients take "now" from it): from the
 * emulator's clock, so a test that moves that clock moves the header too.
 */
function serverDate(state: EmulatorState): Record<string, string> {
  return { Date: new Date(state.clock()).toUTCString() };
}

/** GET bodies are ignored; consume them so the connection stays usable. */
function drain(req: IncomingMessage): string {
  req.resume();
  return "";
}

function admit(state: EmulatorState, account: Account, endpoint: string): RateLimitedReason | undefined {
  const limits = state.config.rateLimit;
  if (!limits) return undefined;
  const rate = account.livemode ? limits.live : limits.test;
  return admitRequest(account.limiter, { rate, perEndpoint: limits.perEndpoint, concurrency: limits.concurrency }, endpoint, state.clock());
}

/** One die per request, so the three rates add up as exclusive outcomes. */
function rollFault(state: EmulatorState): Fault {
  const { errorRate, resetRate, lostResponseRate } = state.config.faults;
  if (errorRate + resetRate + lostResponseRate === 0) return null;
  const roll = state.random.faults();
  let fault: Fault = null;
  if (roll < errorRate) fault = "error";
  else if (roll < errorRate + resetRate) fault = "reset";
  else if (roll < errorRate + resetRate + lostResponseRate) fault = "lost";
  if (fault) state.stats.faults++;
  return fault;
}

function runIdempotent(
  state: EmulatorState, req: IncomingMessage, key: string | undefined, account: Account, match: RouteMatch, method: string, path: string, text: string,
): Outcome & { replayed: boolean } {
  if (key === undefined) return { ...run(state, account, match, req, text), replayed: false };
  const print = fingerprint(method, path, text);
  const stored = account.idempotency.get(key, state.clock());
  if (stored) {
    if (stored.fingerprint !== print) throw idempotencyMismatch(key);
    return { status: stored.status, body: stored.body, storable: true, replayed: true };
  }
  const outcome = run(state, account, match, req, text);
  if (outcome.storable) account.idempotency.save(key, { fingerprint: print, status: outcome.status, body: outcome.body }, state.clock());
  return { ...outcome, replayed: false };
}

function run(state: EmulatorState, account: Account, match: RouteMatch, req: IncomingMessage, text: string): Outcome {
  try {
    if (text !== "" && req.method === "POST" && !isForm(req.headers["content-type"])) {
      throw invalidRequest("Invalid request: the body must be application/x-www-form-urlencoded.", { malformed: true });
    }
    const params = parseForm(text);
    return { status: 200, body: JSON.stringify(match.route.handle({ state, account, id: match.id, params })), storable: true };
  } catch (error) {
    if (!(error instanceof RestError)) throw error;
    return { status: error.status, body: error.toJson(), storable: !error.malformed };
  }
}

function isForm(contentType: string | undefined): boolean {
  return contentType === undefined || contentType.startsWith("application/x-www-form-urlencoded");
}
