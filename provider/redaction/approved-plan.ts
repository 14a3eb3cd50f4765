/**
 * Approved plans: `--plan-out FILE` writes the exact sessions a run would act on, with the filter
 * (relative dates resolved to instants), action, key mode, the account Stripe says the key acts
 * on, and time, sealed by an integrity digest (plan-integrity.ts). `--plan FILE --yes` acts on
 * exactly those, and only as approved: the plan is refused before any request when its digest
 * does not match, its lines' actions disagree with its action, an id appears twice, it was made
 * for another mode or connected account, it is older than `--plan-max-age` or dated in the
 * future; run.ts refuses it when the key acts on another account than the plan's.
 *
 * The filter's identifying values (client reference id, its prefix, metadata values) are in the
 * plan only as SHA-256 digests, as in evidence: a plan travels to approvers. Execution re-checks
 * each planned session against those digests. Plans are pretty-printed, one session a line, so two
 * plans diff well.
 */
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { UserInputError } from "../errors";
import { resolveDateSpec } from "./dates";
import { evidenceFilter, sha256 } from "./evidence";
import { BEFORE_ANY_SESSION, RedactionFilter, type RedactionFilter as Filter, type SessionFacts } from "./filter";
import { checkPlanIntegrity, sealPlan } from "./plan-integrity";
import { describeFsError, PRIVATE_MODE, preparePrivateFile, readPrivateFile } from "./private-files";

export const PLAN_VERSION = 2;
export const DEFAULT_PLAN_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Clocks disagree a little; a plan dated further ahead than this was not made by this tool now. */
export const PLAN_CLOCK_SKEW_MS = 5 * 60 * 1000;

export const PlannedSession = z.strictObject({ id: z.string().regex(/^vs_\w+$/), status: z.string(), created: z.number().int(), action: z.enum(["redact", "cancel"]) });
export type PlannedSession = z.infer<typeof PlannedSession>;

const Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/);

export const ApprovedPlan = z.strictObject({
  version: z.literal(PLAN_VERSION),
  createdAt: z.string(),
  mode: z.enum(["test", "live"]),
  /** The connected account (`Stripe-Account`), or null for the platform's own. */
  account: z.string().nullable(),
  /** The account Stripe said the key acts on; null when the key may not read it. */
  accountId: z.string().nullable(),
  action: z.enum(["redact", "cancel"]),
  /** Non-identifying filter fields, dates as instants. */
  filter: z.record(z.string(), z.unknown()),
  /** The identifying filter fields, digested. */
  digests: z.strictObject({
    clientReferenceId: Digest.optional(),
    clientReferenceIdPrefix: z.strictObject({ digest: Digest, length: z.number().int().positive() }).optional(),
    metadata: z.record(z.string(), Digest).optional(),
  }),
  sessions: z.array(PlannedSession),
  integrity: z.string(),
});
export type ApprovedPlan = z.infer<typeof ApprovedPlan>;

/** The filter with relative dates replaced by the instants they meant at `nowMs`. */
export function absoluteFilter(filter: Filter, nowMs: number): Filter {
  const out: Filter = { ...filter };
  if (filter.createdBefore !== undefined) out.createdBefore = new Date(resolveDateSpec(filter.createdBefore, nowMs)).toISOString();
  if (filter.createdAfter !== undefined) out.createdAfter = new Date(resolveDateSpec(filter.createdAfter, nowMs)).toISOString();
  return out;
}

/** Splits a filter into what a plan shows in clear and what it holds as digests. */
export function planFilter(filter: Filter, nowMs: number): Pick<ApprovedPlan, "filter" | "digests"> {
  const { clientReferenceId, clientReferenceIdPrefix, metadata, ...clear } = absoluteFilter(filter, nowMs);
  const digested = evidenceFilter({ clientReferenceId, clientReferenceIdPrefix, metadata } as Filter) as { clientReferenceId?: string; metadata?: Record<string, string> };
  const digests: ApprovedPlan["digests"] = {};
  if (clientReferenceId !== undefined) digests.clientReferenceId = digested.clientReferenceId;
  if (clientReferenceIdPrefix !== undefined) digests.clientReferenceIdPrefix = { digest: `sha256:${sha256(clientReferenceIdPrefix)}`, length: clientReferenceIdPrefix.length };
  if (metadata !== undefined) digests.metadata = digested.metadata;
  return { filter: clear, digests };
}

/** Whether a session still has the identifying values the plan's digests stand for. */
export function digestsMatch(digests: ApprovedPlan["digests"], session: SessionFacts): boolean {
  const digest = (value: string | null | undefined): string | undefined => (typeof value === "string" ? `sha256:${sha256(value)}` : undefined);
  if (digests.clientReferenceId !== undefined && digest(session.client_reference_id) !== digests.clientReferenceId) return false;
  const prefix = digests.clientReferenceIdPrefix;
  if (prefix && digest(session.client_reference_id?.slice(0, prefix.length)) !== prefix.digest) return false;
  for (const [key, value] of Object.entries(digests.metadata ?? {})) if (digest(session.metadata?.[key]) !== value) return false;
  return true;
}

/** A plan's text, one session a line (a reviewer diffs two plans line by line), sealed last. */
export function planText(plan: Omit<ApprovedPlan, "integrity">, key: string | undefined): { text: string; integrity: string } {
  const { sessions, ...head } = plan;
  const body = sessions.map((s) => `    ${JSON.stringify(s)}`).join(",\n");
  return sealPlan(`${JSON.stringify(head, null, 2).slice(0, -2)},\n  "sessions": [\n${body}${body ? "\n" : ""}  ],\n  "integrity": ""\n}\n`, key);
}

/** Writes a plan (0600, an existing file tightened); returns its integrity. */
export function writePlan(path: string, plan: Omit<ApprovedPlan, "integrity">, key: string | undefined): string {
  const { text, integrity } = planText(plan, key);
  preparePrivateFile("--plan-out", path);
  try {
    writeFileSync(path, text, { encoding: "utf8", mode: PRIVATE_MODE });
  } catch (error) {
    throw new UserInputError(`--plan-out: cannot write ${path}: ${describeFsError(error)}`);
  }
  return integrity;
}

export interface PlanExpectations {
  mode: "test" | "live";
  account: string | null;
  nowMs: number;
  maxAgeMs: number;
  /** STRIPE_IDENTITY_PLAN_KEY: plans must be signed with it. */
  key?: string;
}

/** Reads and checks a plan against the run about to act on it; a UserInputError says why not. */
export function readPlan(path: string, expect: PlanExpectations): { plan: ApprovedPlan; filter: Filter } {
  const text = readPrivateFile("--plan", path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserInputError(`--plan: ${path} is not JSON`);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== PLAN_VERSION) throw new UserInputError(`--plan: ${path} is a plan of format ${String(version)}; this version reads format ${PLAN_VERSION}: make a new plan with --plan-out`);
  const parsed = ApprovedPlan.safeParse(raw);
  if (!parsed.success) throw new UserInputError(`--plan: ${path} is not a plan written by --plan-out (${parsed.error.issues[0].path.join(".") || "plan"}: ${parsed.error.issues[0].message})`);
  checkPlanIntegrity(path, text, expect.key);
  const plan = parsed.data;
  const disagreeing = plan.sessions.find((s) => s.action !== plan.action);
  if (disagreeing) throw new UserInputError(`--plan: the plan's action is ${plan.action}, but its line for ${disagreeing.id} says ${disagreeing.action}; nothing was changed`);
  const seen = new Set<string>();
  for (const s of plan.sessions) {
    if (seen.has(s.id)) throw new UserInputError(`--plan: ${s.id} appears more than once in the plan; nothing was changed`);
    seen.add(s.id);
  }
  const name = (account: string | null) => account ?? "the platform's own account";
  if (plan.mode !== expect.mode) throw new UserInputError(`--plan: the plan was made with a ${plan.mode}-mode key; this key is ${expect.mode}-mode`);
  if (plan.account !== expect.account) throw new UserInputError(`--plan: the plan is for ${name(plan.account)}; this run is for ${name(expect.account)}`);
  const created = Date.parse(plan.createdAt);
  if (Number.isNaN(created)) throw new UserInputError(`--plan: the plan's createdAt (${plan.createdAt}) is not a time`);
  if (created > expect.nowMs + PLAN_CLOCK_SKEW_MS) throw new UserInputError(`--plan: the plan is dated ${plan.createdAt}, in the future; it was not made by --plan-out on this clock`);
  const age = expect.nowMs - created;
  if (!(age <= expect.maxAgeMs)) {
    throw new UserInputError(`--plan: the plan is ${Math.round(age / 60_000)} minutes old, older than --plan-max-age (${Math.round(expect.maxAgeMs / 60_000)} minutes); make a new one`);
  }
  // The identifying bound may be held only as a digest: the planned sessions' own times bound the
  // run's filter (the run acts on the planned sessions only; the filter is their re-check).
  // The earliest planned session's second (not the latest's: a plan made within the last second
  // would end its range after "now", which bounds nothing); the run itself ends at Stripe's now.
  const earliest = plan.sessions.reduce((min, s) => Math.min(min, s.created), Math.floor(created / 1000));
  const unbounded = plan.filter.createdBefore === undefined && plan.filter.createdAfter === undefined;
  const withBound = unbounded ? { ...plan.filter, createdAfter: new Date(Math.max(earliest, BEFORE_ANY_SESSION + 1) * 1000).toISOString() } : plan.filter;
  const filter = RedactionFilter.safeParse(withBound);
  if (!filter.success) throw new UserInputError(`--plan: the plan's filter is not valid: ${filter.error.issues[0].message}`);
  return { plan, filter: filter.data };
}
