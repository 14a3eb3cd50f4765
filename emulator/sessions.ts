import { invalidParam, invalidRequest, invalidState, resourceMissing } from "./errors";
import { redactOutputs } from "./fake-data";
import { Page, paginate } from "./list";
import { CreateSessionParams, ListSessionsParams, MetadataParam, SessionOptionsParam, UpdateSessionParams } from "./params";
import { alnum } from "./random";
import { createdRange, listLimit, redactReports } from "./reports";
import { Account, EmulatorState } from "./state";
import { SessionOptions, SessionRecord, SessionStatus, SessionType } from "./types";

/**
 * VerificationSession domain functions `(state, account, params)`. They throw RestError and
 * never touch HTTP. Status rules follow the spec (see NOTES.md "Status lifecycle").
 */
const R = "[redacted]";

export function getSession(account: Account, id: string): SessionRecord {
  const session = account.sessions.get(id);
  if (!session) throw resourceMissing("verificationsession", id);
  return session;
}

/** Fresh client_secret and url: issued on create and on each return to requires_input. */
export function issueSecrets(state: EmulatorState, session: SessionRecord): void {
  session.client_secret = `${session.id}_secret_${alnum(state.random.ids, 24)}`;
  const mode = session.livemode ? "live" : "test";
  session.url = `https://verify.stripe.com/start/${mode}_${alnum(state.random.ids, 48)}`;
}

/**
 * A fresh id. A `seed` applied again mid-run restarts the id stream, so an id can come round
 * again: draw until it is unused (ids are global: the control API finds sessions by id alone).
 */
export function newSessionId(state: EmulatorState): string {
  for (;;) {
    const id = `vs_${alnum(state.random.ids, 24)}`;
    if (!state.sessionOwners.has(id)) return id;
  }
}

/** Applies metadata params to existing metadata: "" unsets a key; null (metadata="") unsets all. */
export function applyMetadata(current: Record<string, string>, patch: MetadataParam | null | undefined): Record<string, string> {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key.length > 40) {
      throw invalidParam(`metadata[${key.slice(0, 40)}...]`, undefined, "Metadata keys can have up to 40 characters.");
    }
    if (value.length > 500) {
      throw invalidParam(`metadata[${key}]`, undefined, "Metadata values can have up to 500 characters.");
    }
    if (value === "") delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > 50) {
    throw invalidParam("metadata", undefined, "You can have up to 50 metadata keys.");
  }
  return next;
}

function buildOptions(type: SessionType, current: SessionOptions, patch: SessionOptionsParam | undefined): SessionOptions {
  const next: SessionOptions = {};
  let document = current.document;
  if (patch && patch.document !== undefined) document = patch.document === null ? undefined : { ...patch.document };
  if (type === "document") next.document = document ?? {};
  else if (document) next.document = document;
  if (type === "id_number") next.id_number = {};
  return next;
}

export function createSession(state: EmulatorState, account: Account, p: CreateSessionParams): SessionRecord {
  if (p.type === undefined && p.verification_flow === undefined) {
    throw invalidParam("type", "parameter_missing", "You must provide a `type` if not passing `verification_flow`.");
  }
  if (p.type !== undefined && p.verification_flow !== undefined) {
    throw invalidParam("verification_flow", "parameters_exclusive", "You cannot pass both `type` and `verification_flow`.");
  }
  const type: SessionType = p.type ?? "verification_flow";
  const session: SessionRecord = {
    id: newSessionId(state),
    seq: state.nextSeq(),
    created: state.nowSeconds(),
    livemode: account.livemode,
    status: "requires_input",
    type,
    client_reference_id: p.client_reference_id ?? null,
    client_secret: null,
    url: null,
    last_error: null,
    last_verification_report: null,
    metadata: applyMetadata({}, p.metadata),
    options: type === "verification_flow" ? {} : buildOptions(type, {}, p.options),
    provided_details: p.provided_details ? { ...p.provided_details } : null,
    related_customer: p.related_customer ?? null,
    related_customer_account: p.related_customer_account ?? null,
    related_person: p.related_person ? { ...p.related_person } : null,
    verification_flow: p.verification_flow ?? null,
    verified_outputs: null,
    return_url: p.return_url ?? null,
    redacted_at_ms: null,
  };
  issueSecrets(state, session);
  store(state, account, [session]);
  return session;
}

/** Adds sessions to the account and to the id -> owner index used by the control API. */
export function store(state: EmulatorState, account: Account, sessions: SessionRecord[]): void {
  account.sessions.putMany(sessions);
  for (const s of sessions) state.sessionOwners.set(s.id, account);
}

function refuseIfRedacted(session: SessionRecord, action: string): void {
  if (session.redacted_at_ms !== null) {
    throw invalidState(`This VerificationSession has been redacted and can no longer be ${action}.`);
  }
}

function statusError(action: string, allowed: string, status: SessionStatus): never {
  throw invalidState(
    `You can only ${action} a VerificationSession with a status of ${allowed}. This VerificationSession has a status of \`${status}\`.`,
  );
}

export function updateSession(state: EmulatorState, account: Account, id: string, p: UpdateSessionParams): SessionRecord {
  const session = getSession(account, id);
  refuseIfRedacted(session, "updated");
  if (session.status !== "requires_input") statusError("update", "`requires_input`", session.status);
  if (p.type !== undefined && session.type === "verification_flow") {
    throw invalidParam("type", undefined, "You cannot change the `type` of a VerificationSession created from a `verification_flow`.");
  }
  const metadata = applyMetadata(session.metadata, p.metadata);
  const type = p.type ?? session.type;
  // A type change drops the old type's options: the session then has the options a create of the
  // new type would give it (never `document` next to `id_number`).
  const current = type === session.type ? session.options : {};
  if (type !== "verification_flow") session.options = buildOptions(type, current, p.options);
  session.type = type;
  session.metadata = metadata;
  if (p.provided_details) session.provided_details = { ...session.provided_details, ...p.provided_details };
  return session;
}

export function cancelSession(account: Account, id: string): SessionRecord {
  const session = getSession(account, id);
  refuseIfRedacted(session, "canceled");
  if (session.status !== "requires_input") statusError("cancel", "`requires_input`", session.status);
  session.status = "canceled";
  session.client_secret = null;
  session.url = null;
  return session;
}

/**
 * Redacts personal data. From requires_input it also cancels; from verified it keeps the status.
 * Already redacted (or redaction processing): returned unchanged, as a repeated call is harmless.
 */
export function redactSession(state: EmulatorState, account: Account, id: string): SessionRecord {
  const session = getSession(account, id);
  if (session.redacted_at_ms !== null) return session;
  if (session.status !== "requires_input" && session.status !== "verified") {
    statusError("redact", "`requires_input` or `verified`", session.status);
  }
  eraseSession(account, session, state.clock() + state.config.redactionDelayMs);
  return session;
}

/**
 * What a redaction does to a session, however it was asked for (the redact endpoint, a Redaction
 * Job): an open session is canceled, personal data and metadata are erased, and `redaction.status`
 * reads `processing` until `redactedAtMs`, then `redacted`.
 */
export function eraseSession(account: Account, session: SessionRecord, redactedAtMs: number): void {
  if (session.status === "requires_input") session.status = "canceled";
  session.client_secret = null;
  session.url = null;
  session.metadata = {};
  if (session.verified_outputs) session.verified_outputs = redactOutputs(session.verified_outputs);
  if (session.provided_details) {
    const d = session.provided_details;
    session.provided_details = { ...(d.email !== undefined && { email: R }), ...(d.phone !== undefined && { phone: R }) };
  }
  if (session.last_error?.reason) session.last_error = { ...session.last_error, reason: R };
  session.redacted_at_ms = redactedAtMs;
  redactReports(account, session.id);
}

export function listSessions(account: Account, p: ListSessionsParams): Page<SessionRecord> {
  const filters: ((s: SessionRecord) => boolean)[] = [];
  if (p.status !== undefined) filters.push((s) => s.status === p.status);
  if (p.client_reference_id !== undefined) filters.push((s) => s.client_reference_id === p.client_reference_id);
  if (p.related_customer !== undefined) filters.push((s) => s.related_customer === p.related_customer);
  if (p.related_customer_account !== undefined) {
    filters.push((s) => s.related_customer_account === p.related_customer_account);
  }
  const matches =
    filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : (s: SessionRecord) => filters.every((f) => f(s));
  return paginate(account.sessions, {
    limit: listLimit(p.limit),
    starting_after: p.starting_after,
    ending_before: p.ending_before,
    created: createdRange(p.created),
    matches,
    kind: "verificationsession",
  });
}

export function requireNonEmptyId(id: string, param: string): void {
  if (id === "" || id.length > 5000) throw invalidRequest(`Invalid ${param}: ${id.slice(0, 40)}`, { param });
}
