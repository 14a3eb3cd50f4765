/**
 * What the sweep CLI shows while it runs: a cli-progress bar on a terminal, plain progress lines
 * on stderr otherwise (logs, CI), nothing with --json. The total is not known up front (the run
 * streams), so the bar's total is what has been listed so far and settles when listing ends.
 */
import { SingleBar } from "cli-progress";
import { progressLine, throttle } from "../provider/redaction/progress";
import type { SweepProgress, SweepReport } from "../provider/redaction/report";

export interface Writable {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressView {
  update(progress: SweepProgress): void;
  stop(): void;
}

export function progressView(stderr: Writable, mode: "bar" | "lines" | "none", intervalMs = 1_000): ProgressView {
  if (mode === "none") return { update: () => undefined, stop: () => undefined };
  if (mode === "lines") {
    const line = throttle((p: SweepProgress) => stderr.write(`sweep: ${progressLine(p)}\n`), intervalMs);
    let last: SweepProgress | undefined;
    return {
      update: (p) => {
        last = p;
        line(p);
      },
      stop: () => {
        if (last) line(last, true);
      },
    };
  }
  const bar = new SingleBar({
    stream: stderr as NodeJS.WritableStream,
    format: "{phase} [{bar}] {value}/{total} listed | matched {matched} | done {done} | skipped {skipped} | failed {failed} | {rps} req/s",
    hideCursor: true,
    clearOnComplete: false,
    barsize: 24,
    fps: 5,
  });
  let started = false;
  return {
    update: (p) => {
      const done = p.phase === "counting" ? 0 : p.redacted + p.canceled + p.wouldAct;
      const payload = {
        phase: p.phase === "counting" ? "counting" : "sweeping",
        matched: p.matched,
        done,
        skipped: p.skipped,
        failed: p.failed,
        rps: (p.elapsedMs > 0 ? (p.requests * 1000) / p.elapsedMs : 0).toFixed(1),
      };
      const total = Math.max(1, p.listed);
      if (!started) {
        bar.start(total, 0, payload);
        started = true;
      }
      bar.setTotal(total);
      bar.update(Math.max(0, p.listed - p.pending), payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function planText(report: SweepReport, firstIds: string[], explicitDryRun: boolean): string {
  const verb = report.action === "redact" ? "redact" : "cancel";
  const reasons = Object.entries(report.skippedByReason)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
  const more = report.wouldAct - firstIds.length;
  const lines = [
    explicitDryRun ? "Dry run: nothing was changed." : `Plan (nothing was changed; run again with --yes to ${verb}):`,
    `  matched:     ${report.matched}`,
    `  would ${verb}: ${report.wouldAct}`,
    `  skipped:     ${report.skipped}${reasons ? ` (${reasons})` : ""}`,
  ];
  if (firstIds.length > 0) lines.push(`  first sessions: ${firstIds.join(", ")}${more > 0 ? ` (and ${more} more)` : ""}`);
  if (!report.complete) lines.push(`  incomplete: ${report.stoppedBecause ?? "stopped early"}`);
  return lines.join("\n") + "\n";
}

/** The --json summary (DESIGN 7b), plus the details a script may want. */
export function jsonSummary(report: SweepReport, extra: Record<string, unknown> = {}): string {
  const { matched, redacted, canceled, skipped, failed, requests, rateLimited, elapsedMs, failures } = report;
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
      action: report.action,
      dryRun: report.dryRun,
      wouldAct: report.wouldAct,
      skippedByReason: report.skippedByReason,
      complete: report.complete,
      ...(report.stoppedBecause !== undefined ? { stoppedBecause: report.stoppedBecause } : {}),
      ...extra,
    }) + "\n"
  );
}
