/**
 * The four calls a bulk run makes, behind a small interface so the engine can be tested with a
 * fake, and the Stripe implementation of it. Every call goes out with the SDK's own retries off
 * (`maxNetworkRetries: 0`): the engine retries through its pacer, so each attempt is metered and
 * the retry budget is one number the engine owns. Requests and 429s are counted from the SDK's
 * `request`/`response` events, which fire per attempt, including the one retry the SDK still makes
 * on a reset connection.
 */
import type Stripe from "stripe";
import type { ListQuery, SessionFacts } from "./filter";
import type { BulkAction, PlanFacts } from "./plan";

/** What the engine reads from a session. */
export interface SessionRecord extends SessionFacts, PlanFacts {}

export interface ListPage {
  data: SessionRecord[];
  has_more: boolean;
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

export interface SweepApi {
  list(request: PageRequest): Promise<ListPage>;
  retrieve(id: string): Promise<SessionRecord>;
  act(action: BulkAction, id: string, idempotencyKey: string): Promise<SessionRecord>;
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

export function stripeSweepApi(stripe: Stripe, options: { timeoutMs?: number } = {}): SweepApi {
  const counters: ApiCounters = { requests: 0, rateLimited: 0 };
  const onRequest = (): void => {
    counters.requests++;
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
      return { data: page.data.map(slim), has_more: page.has_more };
    },
    async retrieve(id) {
      return slim(await sessions.retrieve(id, {}, requestOptions()));
    },
    async act(action, id, idempotencyKey) {
      const options = requestOptions({ idempotencyKey });
      const result = action === "redact" ? await sessions.redact(id, {}, options) : await sessions.cancel(id, {}, options);
      return slim(result);
    },
    counters: () => ({ ...counters }),
    close() {
      stripe.off("request", onRequest);
      stripe.off("response", onResponse);
    },
  };
}
