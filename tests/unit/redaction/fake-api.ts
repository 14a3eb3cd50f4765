/**
 * An in-memory SweepApi for engine unit tests: Stripe-like list semantics (newest first, cursor by
 * position or, with `cursorInFilter`, the stricter "cursor must still match the filter"), redact
 * and cancel transitions with their 400s, idempotency replay, and scripted faults.
 */
import Stripe from "stripe";
import type { ActResult, ListPage, PageRequest, SessionRecord, SweepApi } from "../../../provider/redaction/api";
import type { BulkAction } from "../../../provider/redaction/plan";

export type Fault = "rate_limit" | "server_error" | "reset" | "lost_response" | "conflict";

export interface FakeOptions {
  /** Called before each request; return a fault to inject. */
  fault?: (kind: "list" | "retrieve" | "act", id: string | undefined, attempt: number) => Fault | undefined;
  cursorInFilter?: boolean;
  /** Called after each act commits (e.g. to move other sessions). */
  afterAct?: (id: string) => void;
  /** Called after each list page is made (users and Stripe acting while the run goes on). */
  afterList?: (page: ListPage, api: FakeApi) => void;
  /** The server's clock, sent as each page's `Date` (none when unset). */
  serverTimeMs?: () => number;
}

export function session(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    status: "requires_input",
    created: 1_700_000_000,
    type: "document",
    client_reference_id: null,
    related_customer: null,
    metadata: {},
    redaction: null,
    ...overrides,
  };
}

function apiError(statusCode: number, code: string, message: string): Error {
  const type: Stripe.RawErrorType = statusCode === 429 ? "rate_limit_error" : statusCode >= 500 ? "api_error" : "invalid_request_error";
  const raw: Stripe.StripeRawError = { statusCode, code, message, type };
  if (statusCode === 429) return new Stripe.errors.StripeRateLimitError(raw);
  if (statusCode >= 500) return new Stripe.errors.StripeAPIError(raw);
  return new Stripe.errors.StripeInvalidRequestError(raw);
}

function connectionError(): Error {
  return new Stripe.errors.StripeConnectionError({ message: "socket hang up" });
}

export class FakeApi implements SweepApi {
  /** Newest first. */
  readonly sessions: SessionRecord[];
  readonly calls: Array<{ kind: string; id?: string; key?: string; starting_after?: string; status?: string }> = [];
  readonly stored = new Map<string, SessionRecord>();
  private attempts = new Map<string, number>();
  private requestCount = 0;
  private limitedCount = 0;

  constructor(
    sessions: SessionRecord[],
    private readonly options: FakeOptions = {},
  ) {
    this.sessions = [...sessions].sort((a, b) => b.created - a.created);
  }

  byId(id: string): SessionRecord | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  private inject(kind: "list" | "retrieve" | "act", id: string | undefined, tag: string): Fault | undefined {
    this.requestCount++;
    const attempt = (this.attempts.get(tag) ?? 0) + 1;
    this.attempts.set(tag, attempt);
    const fault = this.options.fault?.(kind, id, attempt);
    if (fault === "rate_limit") {
      this.limitedCount++;
      throw apiError(429, "rate_limit", "Too many requests");
    }
    if (fault === "server_error") throw apiError(500, "api_error", "Internal error");
    if (fault === "reset") throw connectionError();
    return fault;
  }

  async list(request: PageRequest): Promise<ListPage> {
    this.calls.push({ kind: "list", starting_after: request.starting_after, status: request.status });
    this.inject("list", undefined, `list:${request.status}:${request.starting_after}`);
    const inFilter = (s: SessionRecord): boolean =>
      (request.status === undefined || s.status === request.status) &&
      (request.created?.gte === undefined || s.created >= request.created.gte) &&
      (request.created?.lt === undefined || s.created < request.created.lt) &&
      (request.client_reference_id === undefined || s.client_reference_id === request.client_reference_id) &&
      (request.related_customer === undefined || s.related_customer === request.related_customer);
    let start = 0;
    if (request.starting_after !== undefined) {
      const pool = this.options.cursorInFilter ? this.sessions.filter(inFilter) : this.sessions;
      const index = pool.findIndex((s) => s.id === request.starting_after);
      if (index < 0) throw apiError(400, "resource_missing", `No such verification session: '${request.starting_after}'`);
      start = this.sessions.indexOf(pool[index]) + 1;
    }
    const found: SessionRecord[] = [];
    for (let i = start; i < this.sessions.length && found.length <= request.limit; i++) {
      if (inFilter(this.sessions[i])) found.push({ ...this.sessions[i] });
    }
    const has_more = found.length > request.limit;
    const page: ListPage = { data: found.slice(0, request.limit), has_more };
    if (this.options.serverTimeMs) page.serverTimeMs = this.options.serverTimeMs();
    this.options.afterList?.(page, this);
    return page;
  }

  async retrieve(id: string): Promise<SessionRecord> {
    this.calls.push({ kind: "retrieve", id });
    this.inject("retrieve", id, `retrieve:${id}:${this.calls.length}`);
    const found = this.byId(id);
    if (!found) throw Object.assign(apiError(404, "resource_missing", `No such verification session: '${id}'`));
    return { ...found };
  }

  async act(action: BulkAction, id: string, key: string): Promise<ActResult> {
    this.calls.push({ kind: "act", id, key });
    const fault = this.inject("act", id, `act:${key}`);
    const replay = this.stored.get(key);
    // Replayed to this client only counts as another's work on its first attempt with the key.
    if (replay) return { session: { ...replay }, replayed: this.attempts.get(`act:${key}`) === 1 };
    const found = this.byId(id);
    if (!found) throw apiError(404, "resource_missing", `No such verification session: '${id}'`);
    if (fault === "conflict") throw apiError(400, "session_invalid_state", "status moved");
    // As in Stripe: redacting a session whose redaction is done or under way answers 200, unchanged.
    if (action === "redact" && found.redaction) return this.answer(key, found, fault);
    const allowed = action === "redact" ? ["requires_input", "verified"].includes(found.status) : found.status === "requires_input";
    if (!allowed || found.redaction) throw apiError(400, "session_invalid_state", `cannot ${action} a ${found.status} session`);
    if (action === "cancel" || found.status === "requires_input") found.status = "canceled";
    if (action === "redact") found.redaction = { status: "processing" };
    this.options.afterAct?.(id);
    return this.answer(key, found, fault);
  }

  private answer(key: string, found: SessionRecord, fault: Fault | undefined): ActResult {
    this.stored.set(key, { ...found });
    if (fault === "lost_response") throw connectionError();
    return { session: { ...found }, replayed: false };
  }

  counters() {
    return { requests: this.requestCount, rateLimited: this.limitedCount };
  }

  close(): void {}
}
