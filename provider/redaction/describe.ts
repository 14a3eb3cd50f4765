/**
 * The words a BulkRedaction resource shows in Pulumi: what a run will do, said at preview (action,
 * filter, account, mode, and how many sessions), and progress that reads on a resource's row at 80
 * to 120 columns (the count first, the rest after). Pure.
 */
import type { SweepProgress, SweepReport } from "./report";
import type { BulkRedactionArgs } from "./inputs";

const number = (n: number): string => n.toLocaleString("en-US");

export type RunMoment = "create" | "update" | "everyUp" | "destroy";

const WHEN: Record<RunMoment, string> = {
  create: "when this up creates it",
  update: "on this up (its args changed)",
  everyUp: "on this up (runOn everyUp)",
  destroy: "at `pulumi destroy` (the run is protected: see docs/bulk-redaction.md)",
};

export function accountWords(account: string | null): string {
  return account === null ? "the platform's own account" : `connected account ${account}`;
}

/** `cancel every session matching {...} in the platform's own account (test mode), when this up creates it` */
export function describeRun(args: BulkRedactionArgs, moment: RunMoment, account: string | null, mode: string | undefined): string {
  const what = args.dryRun ? `count (dry run: change nothing) the sessions a ${args.action} would touch` : `${args.action} every session`;
  const modeText = mode ? ` (${mode} mode)` : "";
  return `${what} matching ${JSON.stringify(args.filter)} in ${accountWords(account)}${modeText}, ${WHEN[moment]}`;
}

/** The count part of a preview line, from a dry run. */
export function countWords(action: string, report: SweepReport): string {
  const processing = report.skippedByReason.processing ?? 0;
  const waiting = processing > 0 ? `, and wait for ${number(processing)} Stripe is still checking` : "";
  return `it would ${action} ${number(report.wouldAct)} session(s) now${waiting} (matched ${number(report.matched)}, ${number(report.skipped)} need nothing)`;
}

/** Sessions a run would write to or wait for: zero means the run has nothing to do. */
export function workFor(report: SweepReport): number {
  return report.wouldAct + (report.skippedByReason.processing ?? 0);
}

/** Progress for the resource's row: `redacted 1,200 of 3,400 matched; listed 9,000, skipped 2, failed 0; 24.9/s`. */
export function rowProgress(action: string, p: SweepProgress): string {
  const done = action === "redact" ? `redacted ${number(p.redacted)}` : `canceled ${number(p.canceled)}`;
  const counting = p.phase === "counting" ? "counting: " : p.phase === "waiting" ? `waiting for ${number(p.pending)} processing; ` : "";
  const rate = p.elapsedMs > 0 ? (p.requests * 1000) / p.elapsedMs : 0;
  const failed = p.failed + p.unknown;
  return `${counting}${done} of ${number(p.matched)} matched; listed ${number(p.listed)}, skipped ${number(p.skipped)}, failed ${number(failed)}; ${rate.toFixed(1)}/s`;
}

/** Processing sessions named in a timeout error; the rest are counted. */
export const NAMED_IDS = 20;

/** `vs_1, vs_2 and 38 more`: at most NAMED_IDS ids, then the count of the rest. */
export function idList(ids: readonly string[], total: number): string {
  const more = total - Math.min(ids.length, NAMED_IDS);
  return ids.slice(0, NAMED_IDS).join(", ") + (more > 0 ? ` and ${more} more` : "");
}
