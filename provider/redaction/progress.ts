/**
 * Human-readable progress and summary lines for a bulk run, shared by the Pulumi log and the CLI,
 * and a throttle so a run over 100,000 sessions writes a line every few seconds, not per session.
 */
import type { SweepProgress, SweepReport } from "./report";

const number = (n: number): string => n.toLocaleString("en-US");

/** "1 request", "2 requests", "1,000 requests". */
export function counted(n: number, noun: string): string {
  return `${number(n)} ${noun}${n === 1 ? "" : "s"}`;
}

export function progressLine(p: SweepProgress): string {
  const rate = p.elapsedMs > 0 ? (p.requests * 1000) / p.elapsedMs : 0;
  const waiting = p.phase === "waiting" ? `waiting for ${number(p.pending)} session(s) Stripe is still checking: ` : "";
  const head = waiting + (p.phase === "counting" ? `counting matches: listed ${number(p.listed)}, matched ${number(p.matched)}` : `listed ${number(p.listed)}, matched ${number(p.matched)}`);
  const unknown = p.unknown > 0 ? `, outcome unknown ${number(p.unknown)}` : "";
  const writes = p.phase === "counting" ? "" : `, redacted ${number(p.redacted)}, canceled ${number(p.canceled)}, skipped ${number(p.skipped)}, failed ${number(p.failed)}${unknown}`;
  const dry = p.wouldAct > 0 && p.phase !== "counting" ? `, would act on ${number(p.wouldAct)}` : "";
  const limited = p.rateLimited > 0 ? `, ${number(p.rateLimited)} rate-limited` : "";
  return `${head}${writes}${dry}; ${counted(p.requests, "request")} (${rate.toFixed(1)}/s, pacing at ${p.rate.toFixed(1)}/s${limited})`;
}

export function summaryLine(report: SweepReport): string {
  const reasons = Object.entries(report.skippedByReason)
    .map(([reason, count]) => `${reason} ${number(count ?? 0)}`)
    .join(", ");
  const acted = report.dryRun
    ? `dry run: would ${report.action} ${number(report.wouldAct)}`
    : report.action === "redact"
      ? `redacted ${number(report.redacted)}`
      : `canceled ${number(report.canceled)}`;
  const parts = [
    `matched ${number(report.matched)}`,
    acted,
    `skipped ${number(report.skipped)}${reasons ? ` (${reasons})` : ""}`,
    `failed ${number(report.failed)}`,
    ...(report.unknown > 0 ? [`outcome unknown ${number(report.unknown)}`] : []),
    `${counted(report.requests, "request")}, ${number(report.rateLimited)} rate-limited, ${(report.elapsedMs / 1000).toFixed(1)} s`,
  ];
  const stopped = report.complete ? "" : `; stopped early: ${report.stoppedBecause ?? "unknown reason"}`;
  return parts.join("; ") + stopped;
}

/**
 * Sessions Stripe was still checking (`processing`) can be neither redacted nor canceled, so the run
 * left them; for a privacy policy that is data still held, so it is said out loud, not only counted.
 */
export function leftForLater(report: SweepReport): string | undefined {
  const processing = report.skippedByReason.processing ?? 0;
  if (processing === 0 || report.dryRun) return undefined;
  return `${number(processing)} matching session(s) were processing (Stripe was still checking them) and could not be ${report.action === "redact" ? "redacted" : "canceled"}; run again once their checks finish`;
}

/** Names the failed sessions and those of unknown outcome (the first few of each) for an error message. */
export function failureSummary(report: SweepReport, shown = 10): string {
  const name = (list: SweepReport["failures"], count: number, what: string): string | undefined => {
    if (count === 0) return undefined;
    const listed = list.slice(0, shown).map((f) => `${f.id} (${f.message})`);
    const more = count - listed.length;
    return `${count} session(s) ${what}: ${listed.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
  };
  return [name(report.failures, report.failed, "failed"), name(report.unknownOutcomes, report.unknown, "of unknown outcome (the write got no answer, and nor did a read to check it)")]
    .filter((part) => part !== undefined)
    .join("; ");
}

/** Calls `emit` at most every `intervalMs` (plus whenever `force` is set). */
export function throttle<T>(emit: (value: T) => void, intervalMs: number, clock: () => number = Date.now): (value: T, force?: boolean) => void {
  let last = -Infinity;
  return (value, force = false) => {
    const now = clock();
    if (!force && now - last < intervalMs) return;
    last = now;
    emit(value);
  };
}
