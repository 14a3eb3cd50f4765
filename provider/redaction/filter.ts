/**
 * The bulk-redaction filter: a zod schema (docs/architecture.md, "Public contract"), the bounds rule, and `compileFilter`,
 * which turns a filter into the list queries the API can narrow by plus a predicate that re-checks
 * every field. The predicate is the last word: list params only make listing cheaper, so a bug in
 * them can shrink the work but never widen what gets redacted.
 */
import { z } from "zod";
import { UserInputError } from "../errors";
import { ceilSeconds, dateSpecProblem, resolveDateSpec } from "./dates";
import { SESSION_ID, SESSION_ID_RULE } from "./exclusions";

export const SESSION_STATUSES = ["requires_input", "processing", "verified", "canceled"] as const;
export const SessionStatus = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const SessionType = z.enum(["document", "id_number", "verification_flow"]);
export type SessionType = z.infer<typeof SessionType>;

const DateSpec = z.string().superRefine((text, ctx) => {
  const problem = dateSpecProblem(text);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const NonEmpty = z.string().min(1, "must not be empty").max(5000, "must be at most 5000 characters");

const RedactionFilterFields = z.strictObject({
  status: z.array(SessionStatus).min(1, "list at least one status, or leave status out").optional(),
  createdBefore: DateSpec.optional(),
  createdAfter: DateSpec.optional(),
  clientReferenceId: NonEmpty.optional(),
  clientReferenceIdPrefix: NonEmpty.optional(),
  relatedCustomer: NonEmpty.optional(),
  type: SessionType.optional(),
  metadata: z
    .record(z.string(), z.string().max(500, "metadata values are at most 500 characters (Stripe's limit)"))
    .superRefine((metadata, ctx) => {
      for (const key of Object.keys(metadata)) {
        if (key === "") ctx.addIssue({ code: "custom", path: [key], message: "metadata keys must not be empty" });
        else if (key.length > 40) ctx.addIssue({ code: "custom", path: [key], message: `metadata key "${key.slice(0, 50)}" is longer than 40 characters (Stripe's limit)` });
      }
    })
    .optional(),
  excludeIds: z.array(z.string().regex(SESSION_ID, SESSION_ID_RULE)).min(1, "list at least one id, or leave excludeIds out").optional(),
});

/**
 * A metadata key JavaScript objects cannot hold as data (`__proto__`): a schema drops it silently,
 * which would widen the filter to every session the other fields match. Checked on the raw input,
 * before any parse.
 */
export function reservedKeyProblem(rawFilter: unknown): { path: string; message: string } | undefined {
  if (rawFilter === null || typeof rawFilter !== "object") return undefined;
  const metadata = (rawFilter as Record<string, unknown>).metadata;
  if (metadata === null || typeof metadata !== "object") return undefined;
  if (!Object.prototype.hasOwnProperty.call(metadata, "__proto__")) return undefined;
  return { path: "metadata.__proto__", message: 'the metadata key "__proto__" cannot be matched safely (JavaScript reserves it); remove it' };
}

/**
 * Before Stripe existed: a createdAfter at or before this excludes no session, so alone it is no
 * bound (unix seconds, 2011-01-01).
 */
export const BEFORE_ANY_SESSION = 1_293_840_000;

const IDENTITY_BOUNDS = ["clientReferenceId", "clientReferenceIdPrefix", "relatedCustomer"] as const;

/** The fields that narrow a filter by time or identity; see `boundProblem`. */
export const BOUND_FIELDS = ["createdBefore", "createdAfter", "clientReferenceId", "clientReferenceIdPrefix", "relatedCustomer", "metadata"] as const;

export const UNBOUNDED_MESSAGE =
  "the filter has no bound: give at least one of createdBefore, createdAfter, clientReferenceId, " +
  "clientReferenceIdPrefix, relatedCustomer or metadata. status, type and excludeIds alone do not narrow by " +
  "time or identity (status: verified alone would redact every verified session the account ever had)";

/** Why a filter is unbounded, or `undefined` when it has a bound. */
export function boundProblem(filter: z.infer<typeof RedactionFilterFields>): string | undefined {
  const bounded = BOUND_FIELDS.some((field) =>
    field === "metadata" ? Object.keys(filter.metadata ?? {}).length > 0 : filter[field] !== undefined,
  );
  return bounded ? undefined : UNBOUNDED_MESSAGE;
}

export const RedactionFilter = RedactionFilterFields.superRefine((filter, ctx) => {
  const problem = boundProblem(filter);
  if (problem) ctx.addIssue({ code: "custom", message: problem, path: [] });
  const { createdAfter, createdBefore } = filter;
  if (createdAfter && createdBefore && !dateSpecProblem(createdAfter) && !dateSpecProblem(createdBefore)) {
    // Only comparable without a clock when both are relative or both absolute; mixed pairs are
    // checked by compileFilter once `now` is fixed.
    const relative = (text: string): boolean => /^\d+[smhdw]$/.test(text);
    if (relative(createdAfter) === relative(createdBefore) && resolveDateSpec(createdAfter, 0) >= resolveDateSpec(createdBefore, 0)) {
      ctx.addIssue({ code: "custom", path: ["createdAfter"], message: "createdAfter must be earlier than createdBefore, or nothing can match" });
    }
  }
});
export type RedactionFilter = z.infer<typeof RedactionFilter>;

/** The session fields the filter looks at; `Stripe.Identity.VerificationSession` satisfies it. */
export interface SessionFacts {
  id: string;
  status: string;
  created: number;
  type: string;
  client_reference_id: string | null;
  related_customer: string | null;
  metadata: Record<string, string> | null;
}

/** One call's worth of list params (without paging). */
export interface ListQuery {
  status?: SessionStatus;
  created?: { gte?: number; lt?: number };
  client_reference_id?: string;
  related_customer?: string;
}

export interface CompiledFilter {
  /**
   * The one list query of a run. A status is a list param only when the filter names exactly one:
   * several statuses are listed in one status-less pass and filtered here, so a session that
   * changes status during the run (Stripe moves `processing` to `requires_input` on its own) is
   * still listed once, by its fixed place in the newest-first order.
   */
  listQuery: ListQuery;
  /** The whole filter, every field, on one session. */
  matches(session: SessionFacts): boolean;
  /**
   * Whether a change to a session can move it out of the filter (status, type, metadata); a
   * session's `created`, client reference id and customer never change. When it can, the engine
   * re-reads each session right before writing it.
   */
  leavable: boolean;
  /** The resolved created range in unix seconds (`gte` inclusive, `lt` exclusive). */
  createdGte?: number;
  createdLt?: number;
}

/** Formats the first issue of a failed parse as `field.path: message` (`filter` for the whole). */
export function describeFilterIssues(error: z.ZodError, root = "filter"): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter(Boolean).join(".");
    return `${path}: ${issue.message}`;
  });
}

/** Validates raw input (args, flags); throws a UserInputError naming the field. */
export function parseFilter(raw: unknown, root = "filter"): RedactionFilter {
  const reserved = reservedKeyProblem(raw);
  if (reserved) throw new UserInputError(`${root}.${reserved.path}: ${reserved.message}`);
  const parsed = RedactionFilter.safeParse(raw);
  if (!parsed.success) throw new UserInputError(describeFilterIssues(parsed.error, root).join("; "));
  return parsed.data;
}

/**
 * A mixed relative/absolute range that no instant satisfies any more (`createdAfter: "7d"` with a
 * `createdBefore` date now more than 7 days back). Refused for create and update runs; at teardown
 * it means nothing is left to do.
 */
export class EmptyRangeError extends UserInputError {
  constructor(
    message: string,
    /** The field and rule alone (`filter.createdAfter: ...`), for a log line. */
    readonly reason: string = message,
  ) {
    super(message);
  }
}

export interface CompileOptions {
  /**
   * Unix seconds: sessions created after this second are outside the run (a run acts on what
   * existed when it started; the next run picks up the rest).
   */
  createdAtMost?: number;
}

/**
 * Resolves relative dates against `nowMs` (once per run) and splits the filter into list queries
 * and a predicate. Throws a UserInputError for an unbounded or empty filter.
 */
export function compileFilter(filter: RedactionFilter, nowMs: number, options: CompileOptions = {}): CompiledFilter {
  const problem = boundProblem(filter);
  if (problem) throw new UserInputError(`filter: ${problem}`);
  const createdGte = filter.createdAfter !== undefined ? ceilSeconds(resolveDateSpec(filter.createdAfter, nowMs)) : undefined;
  const createdLt = filter.createdBefore !== undefined ? ceilSeconds(resolveDateSpec(filter.createdBefore, nowMs)) : undefined;
  // A time bound that resolves to "everything until now" (createdBefore: "0d" or a future date) or
  // "everything since before Stripe" narrows nothing; without an identity bound the filter is unbounded.
  const narrowsByIdentity =
    IDENTITY_BOUNDS.some((field) => filter[field] !== undefined) || Object.keys(filter.metadata ?? {}).length > 0;
  const narrowsByTime =
    (createdLt !== undefined && createdLt < Math.floor(nowMs / 1000)) || (createdGte !== undefined && createdGte > BEFORE_ANY_SESSION);
  if (!narrowsByIdentity && !narrowsByTime) {
    throw new UserInputError(
      `filter: createdBefore/createdAfter resolve to a range that excludes no session (createdBefore must be in the past, ` +
        `createdAfter after 2011-01-01), and no other field narrows the filter; ${UNBOUNDED_MESSAGE}`,
    );
  }
  if (createdGte !== undefined && createdLt !== undefined && createdGte >= createdLt) {
    throw new EmptyRangeError(
      `filter.createdAfter: resolves to ${new Date(createdGte * 1000).toISOString()}, not earlier than createdBefore (${new Date(createdLt * 1000).toISOString()}), so nothing can match`,
    );
  }

  // The run's own start bounds the range from above too (after the bounds checks: it narrows
  // nothing a user asked for).
  const runLt = options.createdAtMost !== undefined ? options.createdAtMost + 1 : undefined;
  const listLt = createdLt !== undefined && runLt !== undefined ? Math.min(createdLt, runLt) : (createdLt ?? runLt);
  const base: ListQuery = {};
  if (createdGte !== undefined || listLt !== undefined) {
    base.created = {};
    if (createdGte !== undefined) base.created.gte = createdGte;
    if (listLt !== undefined) base.created.lt = listLt;
  }
  if (filter.clientReferenceId !== undefined) base.client_reference_id = filter.clientReferenceId;
  if (filter.relatedCustomer !== undefined) base.related_customer = filter.relatedCustomer;
  const statuses = filter.status ? SESSION_STATUSES.filter((status) => filter.status!.includes(status)) : undefined;
  const listQuery: ListQuery = statuses?.length === 1 ? { ...base, status: statuses[0] } : base;

  const statusSet = statuses ? new Set<string>(statuses) : undefined;
  const excluded = new Set(filter.excludeIds ?? []);
  const metadata = Object.entries(filter.metadata ?? {});
  const { clientReferenceId, clientReferenceIdPrefix, relatedCustomer, type } = filter;

  const matches = (session: SessionFacts): boolean => {
    if (excluded.has(session.id)) return false;
    if (statusSet && !statusSet.has(session.status)) return false;
    if (createdGte !== undefined && !(session.created >= createdGte)) return false;
    if (listLt !== undefined && !(session.created < listLt)) return false;
    if (clientReferenceId !== undefined && session.client_reference_id !== clientReferenceId) return false;
    if (clientReferenceIdPrefix !== undefined && !(session.client_reference_id ?? "").startsWith(clientReferenceIdPrefix)) return false;
    if (relatedCustomer !== undefined && session.related_customer !== relatedCustomer) return false;
    if (type !== undefined && session.type !== type) return false;
    for (const [key, value] of metadata) {
      if (!session.metadata || !Object.prototype.hasOwnProperty.call(session.metadata, key) || session.metadata[key] !== value) return false;
    }
    return true;
  };
  const leavable = statusSet !== undefined || type !== undefined || metadata.length > 0;
  return { listQuery, matches, leavable, createdGte, createdLt };
}
