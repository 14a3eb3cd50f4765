/**
 * The four calls a bulk run makes, behind a small interface so the engine can be tested with a
 * fake, and the Stripe implementation of it. Every call goes out with the SDK's own retries off
 * (`maxNetworkRetries: 0`): the engine retries through its pacer, so each attempt is metered and
 * the retry budget is one number the engine owns. Requests and 429s are counted from the SDK's
 * `request`/`response` events, which fire per attempt, including the one retry the SDK still makes
 * on a reset connection.
 */
import type Stripe from "stripe";
import { errorFacts } from "../stripe/errors";
import type { ListQuery, SessionFacts } from "./filter";
import type { BulkAction, PlanFacts } from "./plan";

/** What the engine reads from a session. */
export interface SessionRecord extends SessionFacts, PlanFacts {}

export interface ListPage {
  data: SessionRecord[];
  has_more: boolean;
  /** The server's clock when it answered (its `Date` header), when it sent one. */
  serverTimeMs?: number;
}

export interface PageRequest extends ListQuery {
  limit: number;
  starting_after?: string;
}

export interface ApiCounters {
  /** Requests sent, every attempt counted. */
  requests: number;
  /** Of those, answered 429. */
  rateLimited: number;
}

export interface ActResult {
  session: SessionRecord;
  /**
   * Stripe answered from its idempotency store (`Idempotent-Replayed: true`) and no earlier attempt
   * of this client with the key may have gone through: another client's request did the work.
   */
  replayed: boolean;
  /** Stripe's `Request-Id` of the answer, for evidence. */
  requestId?: string;
}

export interface SweepApi {
  list(request: PageRequest): Promise<ListPage>;
  retrieve(id: string): Promise<SessionRecord>;
  act(action: BulkAction, id: string, idempotencyKey: string): Promise<ActResult>;
  counters(): ApiCounters;
  /** Stops counting (detaches listeners). */
  close(): void;
}

/** Keeps only what the engine uses, so a page of full session objects is not retained by reference. */
function slim(session: Stripe.Identity.VerificationSession): SessionRecord {
  return {
    id: session.id,
    status: session.status,
    created: session.created,
    type: session.type,
    client_reference_id: session.client_reference_id ?? null,
    related_customer: session.related_customer ?? null,
    metadata: session.metadata ?? null,
    redaction: session.redaction ?? null,
  };
}

type WithHeaders = { lastResponse?: { headers?: Record<string, string | undefined>; requestId?: string } };

/** The `Date` header of a response, in ms (second resolution), or undefined. */
function serverTime(result: WithHeaders): number | undefined {
  const header = result.lastResponse?.headers?.date;
  const ms = header === undefined ? NaN : Date.parse(header);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A 4xx answer: the request was refused and did nothing (a 429 rate limit or lock timeout, a 409
 * key in use, a 400). A 5xx or no answer at all may have done the work.
 */
function isRefusal(error: unknown): boolean {
  const { statusCode } = errorFacts(error);
  return statusCode !== undefined && statusCode >= 400 && statusCode < 500;
}

export function stripeSweepApi(stripe: Stripe, options: { timeoutMs?: number } = {}): SweepApi {
  const counters: ApiCounters = { requests: 0, rateLimited: 0 };
  // Per idempotency key of a write under way: attempts this client sent with it while one of our
  // `act` calls was waiting (ours and the SDK's own reconnect retry; the key is read from the
  // request, never from a response), and those our calls saw refused (a 4xx answer: nothing was
  // done). A response header cannot tell whose request it answers: a gateway may drop the echoed
  // key, and a client shared with another run sends the same redact keys.
  const attempts = new Map<string, { sent: number; refused: number; waiting: boolean }>();
  const onRequest = (event: Stripe.RequestEvent): void => {
    counters.requests++;
    const entry = event.idempotency_key ? attempts.get(event.idempotency_key) : undefined;
    if (entry?.waiting) entry.sent++;
  };
  const onResponse = (event: Stripe.ResponseEvent): void => {
    if (event.status === 429) counters.rateLimited++;
  };
  stripe.on("request", onRequest);
  stripe.on("response", onResponse);
  const requestOptions = (extra: Stripe.RequestOptions = {}): Stripe.RequestOptions => ({
    maxNetworkRetries: 0,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    ...extra,
  });
  const sessions = stripe.identity.verificationSessions;

  return {
    async list(request) {
      const page = await sessions.list(request as Stripe.Identity.VerificationSessionListParams, requestOptions());
      const serverTimeMs = serverTime(page as WithHeaders);
      return { data: page.data.map(slim), has_more: page.has_more, ...(serverTimeMs !== undefined ? { serverTimeMs } : {}) };
    },
    async retrieve(id) {
      return slim(await sessions.retrieve(id, {}, requestOptions()));
    },
    async act(action, id, idempotencyKey) {
      const options = requestOptions({ idempotencyKey });
      if (!attempts.has(idempotencyKey)) attempts.set(idempotencyKey, { sent: 0, refused: 0, waiting: false });
      const tried = attempts.get(idempotencyKey)!;
      let result: Stripe.Response<Stripe.Identity.VerificationSession>;
      tried.waiting = true;
      try {
        result = action === "redact" ? await sessions.redact(id, {}, options) : await sessions.cancel(id, {}, options);
      } catch (error) {
        // The answer to the request we sent (its last attempt, if the SDK retried a reset).
        if (isRefusal(error)) tried.refused++;
        throw error;
      } finally {
        tried.waiting = false;
      }
      attempts.delete(idempotencyKey);
      // A replay is another client's work only if no earlier attempt of ours may have gone through
      // (sent, and not answered with a refusal): otherwise it is our own lost write coming back.
      const earlierMaybeDone = tried.sent - 1 - tried.refused;
      const replayed = (result as WithHeaders).lastResponse?.headers?.["idempotent-replayed"] === "true" && earlierMaybeDone <= 0;
      const requestId = (result as WithHeaders).lastResponse?.requestId;
      return { session: slim(result), replayed, ...(requestId ? { requestId } : {}) };
    },
    counters: () => ({ ...counters }),
    close() {
      attempts.clear();
      stripe.off("request", onRequest);
      stripe.off("response", onResponse);
    },
  };
}
