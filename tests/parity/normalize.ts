import Stripe from "stripe";

/**
 * Turns API answers into observations that can be compared across the emulator and Stripe test
 * mode: the HTTP status; for errors `{type, code, param}` (never the message); for objects the
 * sorted key set and the values of enum-like fields. Ids become `<vs:name>`/`<vr:name>`
 * placeholders, the run id becomes `<run>`; timestamps, secrets and URLs are never recorded as
 * values (only whether `client_secret`/`url` are set).
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ErrorObservation {
  type: string | null;
  code: string | null;
  param: string | null;
}

export interface Observation {
  step: string;
  /** The step needs the emulator's control API; on Stripe it is recorded as skipped. */
  emulatorOnly?: true;
  skipped?: "emulator-only";
  status?: number;
  /** `Idempotent-Replayed: true` was sent (recorded only on idempotency steps). */
  replayed?: boolean;
  error?: ErrorObservation;
  object?: { [key: string]: Json };
}

type ApiObject = Record<string, unknown>;

/** Names for the ids a run made, so the same session reads the same on every target. */
export class IdNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly runId: string) {}

  /** Names an id once; a later name for the same id is ignored. */
  name(id: string, name: string): void {
    if (!this.names.has(id)) this.names.set(id, name);
  }

  /** `vs_...` -> `<vs:main>`; an id the run did not name -> `<vs:?>` (so strangers show up in a diff). */
  ref(id: unknown): Json {
    if (typeof id !== "string") return id === null || id === undefined ? null : "<not-a-string>";
    const prefix = /^([a-z]+)_/.exec(id)?.[1] ?? "id";
    return `<${prefix}:${this.names.get(id) ?? "?"}>`;
  }

  /** Our own strings (client_reference_id, metadata) with the run id replaced. */
  text(value: unknown): Json {
    return typeof value === "string" ? value.split(this.runId).join("<run>") : value === undefined ? null : "<not-a-string>";
  }
}

function keysOf(value: ApiObject): string[] {
  return Object.keys(value).sort();
}

function str(value: unknown): Json {
  return typeof value === "string" || typeof value === "boolean" || value === null ? value : value === undefined ? null : "<other>";
}

function isObject(value: unknown): value is ApiObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A plain copy of a small value made only of our inputs and enums (options, metadata). */
function plain(value: unknown, names: IdNames): Json {
  if (Array.isArray(value)) return value.map((v) => plain(v, names));
  if (isObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const key of keysOf(value)) out[key] = plain(value[key], names);
    return out;
  }
  if (typeof value === "string") return names.text(value);
  return typeof value === "number" || typeof value === "boolean" || value === null ? value : null;
}

function checkStatus(value: unknown): Json {
  return isObject(value) ? str(value.status) : null;
}

export function normalizeSession(s: ApiObject, names: IdNames): { [key: string]: Json } {
  const report = s.last_verification_report;
  return {
    id: names.ref(s.id),
    keys: keysOf(s),
    object: str(s.object),
    status: str(s.status),
    type: str(s.type),
    livemode: str(s.livemode),
    redaction_status: isObject(s.redaction) ? str(s.redaction.status) : null,
    has_client_secret: typeof s.client_secret === "string" && s.client_secret !== "",
    has_url: typeof s.url === "string" && s.url !== "",
    client_reference_id: names.text(s.client_reference_id),
    metadata: plain(s.metadata, names),
    options: plain(s.options, names),
    last_error_code: isObject(s.last_error) ? str(s.last_error.code) : null,
    last_verification_report: names.ref(isObject(report) ? report.id : report),
    has_verified_outputs: isObject(s.verified_outputs),
  };
}

export function normalizeReport(r: ApiObject, names: IdNames): { [key: string]: Json } {
  return {
    id: names.ref(r.id),
    keys: keysOf(r),
    object: str(r.object),
    type: str(r.type),
    livemode: str(r.livemode),
    verification_session: names.ref(r.verification_session),
    client_reference_id: names.text(r.client_reference_id),
    document_status: checkStatus(r.document),
    id_number_status: checkStatus(r.id_number),
    selfie_status: checkStatus(r.selfie),
  };
}

/** Any API object: lists by their items, sessions and reports by their fields. */
export function normalizeObject(value: unknown, names: IdNames): { [key: string]: Json } {
  if (!isObject(value)) return { unexpected: typeof value };
  const { lastResponse: _lastResponse, ...body } = value;
  if (body.object === "list") {
    const data = Array.isArray(body.data) ? body.data : [];
    return {
      keys: keysOf(body),
      object: "list",
      url: str(body.url),
      has_more: str(body.has_more),
      data: data.map((item: unknown) => normalizeObject(item, names)),
    };
  }
  if (body.object === "identity.verification_session") return normalizeSession(body, names);
  if (body.object === "identity.verification_report") return normalizeReport(body, names);
  return { keys: keysOf(body), object: str(body.object) };
}

/**
 * A Stripe API error as an observation; undefined for anything else (connection failures,
 * timeouts, bugs), which the caller rethrows: they say nothing about the API's behaviour.
 */
export function observeError(error: unknown): { status: number; error: ErrorObservation } | undefined {
  if (!(error instanceof Stripe.errors.StripeError) || error.statusCode === undefined) return undefined;
  return {
    status: error.statusCode,
    error: { type: error.rawType ?? null, code: error.code ?? null, param: error.param ?? null },
  };
}
