/**
 * What the sweep CLI shows while it runs: a cli-progress bar on a terminal, plain progress lines
 * on stderr otherwise (logs, CI), nothing with --json. The total is not known up front (the run
 * streams), so the bar's total is what has been listed so far and settles when listing ends.
 */
import { SingleBar } from "cli-progress";
import { counted, progressLine, throttle } from "../provider/redaction/progress";
import type { LeftOut } from "../provider/redaction/bound-reach";
import { handledCount, type SweepProgress, type SweepReport } from "../provider/redaction/report";

export interface Writable {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressView {
  update(progress: SweepProgress): void;
  /** Ends the live display for good (later updates are ignored) and prints `message` after it. */
  interrupt(message: string): void;
  stop(): void;
}

const BAR_CHARS = 10;

/**
 * The bar's one line, at most `columns - 1` characters (the last column would wrap): the phase, a
 * bar of sessions handled out of those found so far, then what happened to them. What matters most
 * comes first, so a narrow terminal cuts the rate, not `failed`. Plan mode says `would`, not `done`.
 */
export function barLine(p: SweepProgress, columns: number, planMode: boolean): string {
  const handled = handledCount(p);
  const phase = p.phase === "counting" ? "counting" : p.phase === "waiting" ? "waiting" : planMode ? "planning" : "sweeping";
  const total = Math.max(p.matched, handled);
  const ratio = total > 0 ? Math.min(1, handled / total) : p.listingDone ? 1 : 0;
  const filled = Math.round(ratio * BAR_CHARS);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_CHARS - filled)}]`;
  const parts =
    p.phase === "counting"
      ? [`${phase} ${bar} matched ${p.matched} of ${p.listed} listed`]
      : [
          `${phase} ${bar} ${handled}/${total}`,
          planMode ? `would ${p.wouldAct}` : `done ${p.redacted + p.canceled}`,
          `failed ${p.failed + p.unknown}`,
          `skipped ${p.skipped}`,
        ];
  const rps = p.elapsedMs > 0 ? (p.requests * 1000) / p.elapsedMs : 0;
  parts.push(`${rps.toFixed(1)} req/s`);
  let line = parts.join(" | ");
  const width = Math.max(20, columns - 1);
  // Drop trailing parts first, then cut what is left.
  while (line.length > width && parts.length > 1) line = (parts.pop(), parts.join(" | "));
  return line.slice(0, width);
}

export function progressView(stderr: Writable & { columns?: number }, mode: "bar" | "lines" | "none", planMode = false, intervalMs = 1_000): ProgressView {
  if (mode === "none") return { update: () => undefined, interrupt: (message) => void stderr.write(`${message}\n`), stop: () => undefined };
  if (mode === "lines") {
    const line = throttle((p: SweepProgress) => stderr.write(`sweep: ${progressLine(p)}\n`), intervalMs);
    let last: SweepProgress | undefined;
    return {
      update: (p) => {
        last = p;
        line(p);
      },
      interrupt: (message) => void stderr.write(`${message}\n`),
      stop: () => {
        if (last) line(last, true);
      },
    };
  }
  let latest: SweepProgress | undefined;
  const bar = new SingleBar({
    stream: stderr as NodeJS.WritableStream,
    format: () => (latest ? barLine(latest, stderr.columns ?? 80, planMode) : ""),
    hideCursor: true,
    clearOnComplete: false,
    fps: 5,
  });
  let state: "idle" | "running" | "ended" = "idle";
  const end = (): void => {
    if (state === "running") bar.stop();
    state = "ended";
  };
  return {
    update: (p) => {
      if (state === "ended") return;
      latest = p;
      if (state === "idle") {
        bar.start(1, 0);
        state = "running";
      }
      bar.update(0);
    },
    interrupt: (message) => {
      // The bar is finished off first, so it is never redrawn over the message or the summary.
      end();
      stderr.write(`${message}\n`);
    },
    stop: end,
  };
}

/** Labels of the plan's counts, padded so their values line up. */
function column(label: string, value: string): string {
  return `  ${`${label}:`.padEnd(14)}${value}`;
}

/** What a time-only bound leaves out, and what counting it cost (bound-reach.ts). */
export function leftOutText(left: LeftOut, matched: number): string {
  const n = (value: number): string => value.toLocaleString("en-US");
  if (left.capped) {
    return `The time bound leaves out more than ${n(left.sessions)} sessions the rest of the filter matches (counting stopped there, after ${counted(left.requests, "request")}).`;
  }
  const total = left.sessions + matched;
  const almostNothing = total > 0 && left.sessions * 10 < total ? " It bounds almost nothing: is that the filter you meant?" : "";
  return `The time bound leaves out ${n(left.sessions)} of the ${n(total)} sessions the rest of the filter matches (counting them took ${counted(left.requests, "request")}).${almostNothing}`;
}

export function planText(report: SweepReport, firstIds: string[], explicitDryRun: boolean): string {
  const verb = report.action === "redact" ? "redact" : "cancel";
  const reasons = Object.entries(report.skippedByReason)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
  const more = report.wouldAct - firstIds.length;
  const lines = [
    explicitDryRun ? "Dry run: nothing was changed." : `Plan (nothing was changed; run again with --yes to ${verb}):`,
    column("matched", String(report.matched)),
    column(`would ${verb}`, String(report.wouldAct)),
    column("skipped", `${report.skipped}${reasons ? ` (${reasons})` : ""}`),
  ];
  const left = report.leftOutByTimeBound;
  if (left) lines.push(`  ${leftOutText(left, report.matched)}`);
  if (firstIds.length > 0) {
    lines.push(`  first sessions${more > 0 ? ` (${firstIds.length} of ${report.wouldAct})` : ""}:`, ...firstIds.map((id) => `    ${id}`));
    if (more > 0) lines.push(`    ... and ${more} more`);
  }
  if (!report.complete) lines.push(column("incomplete", report.stoppedBecause ?? "stopped early"));
  return lines.join("\n") + "\n";
}

/** The --json summary (docs/architecture.md, "CLI contract"), plus the details a script may want. */
export function jsonSummary(report: SweepReport, extra: Record<string, unknown> = {}): string {
  const { matched, redacted, canceled, skipped, failed, unknown, requests, rateLimited, elapsedMs, failures, unknownOutcomes } = report;
  return (
    JSON.stringify({
      matched,
      redacted,
      canceled,
      skipped,
      failed,
      requests,
      rateLimited,
      elapsedMs: Math.round(elapsedMs),
      failures,
      unknown,
      unknownOutcomes,
      action: report.action,
      // A plan is no dry run (`plan: true` says what it is); the key stays for --dry-run and real runs.
      ...(extra.plan === true ? {} : { dryRun: report.dryRun }),
      wouldAct: report.wouldAct,
      skippedByReason: report.skippedByReason,
      complete: report.complete,
      ...(report.leftOutByTimeBound ? { leftOutByTimeBound: report.leftOutByTimeBound } : {}),
      ...(report.stoppedBecause !== undefined ? { stoppedBecause: report.stoppedBecause } : {}),
      ...extra,
    }) + "\n"
  );
}
