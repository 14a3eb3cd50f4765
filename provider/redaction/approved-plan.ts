/**
 * Approved plans (issue 12): `--plan-out FILE` writes the exact sessions a run would act on, with
 * the filter (relative dates resolved to instants, so the plan means the same whenever it runs),
 * action, key mode, connected account and time. `--plan FILE --yes` acts on exactly those: each is
 * re-read and checked against the plan's filter and its planned status before its write; a
 * session that changed is skipped (`changed_since_plan`, `no_longer_matches`); nothing outside
 * the plan is touched. A plan for another mode or account, or older than `--plan-max-age`, is
 * refused before any request. Plans are pretty-printed, one session a line, so two plans diff well.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { UserInputError } from "../errors";
import { resolveDateSpec } from "./dates";
import { RedactionFilter, type RedactionFilter as Filter } from "./filter";

export const PLAN_VERSION = 1;
export const DEFAULT_PLAN_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export const PlannedSession = z.strictObject({ id: z.string().regex(/^vs_\w+$/), status: z.string(), created: z.number().int(), action: z.enum(["redact", "cancel"]) });
export type PlannedSession = z.infer<typeof PlannedSession>;

export const ApprovedPlan = z.strictObject({
  version: z.literal(PLAN_VERSION),
  createdAt: z.string(),
  mode: z.enum(["test", "live"]),
  account: z.string().nullable(),
  action: z.enum(["redact", "cancel"]),
  filter: z.record(z.string(), z.unknown()),
  sessions: z.array(PlannedSession),
});
export type ApprovedPlan = z.infer<typeof ApprovedPlan>;

/** The filter with relative dates replaced by the instants they meant at `nowMs`. */
export function absoluteFilter(filter: Filter, nowMs: number): Filter {
  const out: Filter = { ...filter };
  if (filter.createdBefore !== undefined) out.createdBefore = new Date(resolveDateSpec(filter.createdBefore, nowMs)).toISOString();
  if (filter.createdAfter !== undefined) out.createdAfter = new Date(resolveDateSpec(filter.createdAfter, nowMs)).toISOString();
  return out;
}

/** Writes a plan, one session a line (a reviewer diffs two plans line by line). */
export function writePlan(path: string, plan: ApprovedPlan): void {
  const { sessions, ...head } = plan;
  const body = sessions.map((s) => `    ${JSON.stringify(s)}`).join(",\n");
  const text = `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "sessions": [\n${body}${body ? "\n" : ""}  ]\n}\n`;
  try {
    writeFileSync(path, text, { encoding: "utf8", mode: 0o600 });
  } catch (error) {
    throw new UserInputError(`--plan-out: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Reads and checks a plan against the run about to act on it; a UserInputError says why not. */
export function readPlan(path: string, expect: { mode: "test" | "live"; account: string | null; nowMs: number; maxAgeMs: number }): { plan: ApprovedPlan; filter: Filter } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const reason = error instanceof SyntaxError ? "not JSON" : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    throw new UserInputError(`--plan: cannot read ${path}: ${reason}`);
  }
  const parsed = ApprovedPlan.safeParse(raw);
  if (!parsed.success) throw new UserInputError(`--plan: ${path} is not a plan written by --plan-out (${parsed.error.issues[0].path.join(".") || "plan"}: ${parsed.error.issues[0].message})`);
  const plan = parsed.data;
  const name = (account: string | null) => account ?? "the platform's own account";
  if (plan.mode !== expect.mode) throw new UserInputError(`--plan: the plan was made with a ${plan.mode}-mode key; this key is ${expect.mode}-mode`);
  if (plan.account !== expect.account) throw new UserInputError(`--plan: the plan is for ${name(plan.account)}; this run is for ${name(expect.account)}`);
  const age = expect.nowMs - Date.parse(plan.createdAt);
  if (!(age <= expect.maxAgeMs)) {
    throw new UserInputError(`--plan: the plan is ${Math.round(age / 60_000)} minutes old, older than --plan-max-age (${Math.round(expect.maxAgeMs / 60_000)} minutes); make a new one`);
  }
  const filter = RedactionFilter.safeParse(plan.filter);
  if (!filter.success) throw new UserInputError(`--plan: the plan's filter is not valid: ${filter.error.issues[0].message}`);
  return { plan, filter: filter.data };
}
