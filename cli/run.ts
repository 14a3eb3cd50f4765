/**
 * Runs `stripe-identity-sweep` once options are parsed: plan (no --yes), dry run, or the real
 * sweep; prints progress and the summary; maps outcomes to exit codes (docs/architecture.md, "CLI contract"):
 * 0 done, 1 some sessions failed or their outcome is unknown (or the run stopped early), 2 usage or configuration error,
 * 3 aborted by --max-sessions before any write. Messages never carry the key.
 */
import { IdentityError, UserInputError } from "../provider/errors";
import { LivemodeRefusedError, MaxSessionsExceededError } from "../provider/redaction/guards";
import { leftForLater, summaryLine } from "../provider/redaction/progress";
import type { SweepReport } from "../provider/redaction/report";
import { runBulkRedaction, type BulkRunRequest } from "../provider/redaction/run";
import { jobsOf } from "../provider/redaction/jobs/strategy";
import { DEFAULT_PLAN_MAX_AGE_MS, digestsMatch, PLAN_VERSION, planFilter, readPlan, writePlan, type PlannedSession } from "../provider/redaction/approved-plan";
import { preparePrivateFile } from "../provider/redaction/private-files";
import { checkKey } from "../provider/redaction/guards";
import { redactSecret } from "../provider/stripe/keys";
import type { SweepCliOptions } from "./args";
import { jsonSummary, planText, progressView, type Writable } from "./output";

export const EXIT = { ok: 0, failed: 1, usage: 2, guard: 3 } as const;

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  signal?: AbortSignal;
  /** Tests: extra run settings. */
  runOverrides?: Partial<BulkRunRequest>;
}

const FIRST_IDS = 10;

export async function runSweepCli(given: SweepCliOptions, io: CliIo): Promise<number> {
  const clean = (text: string): string => redactSecret(text, given.apiKey);
  let options = given;
  let planned: PlannedSession[] | undefined;
  let approved: BulkRunRequest["plan"];
  if (given.plan !== undefined) {
    try {
      const { plan, filter } = readPlan(given.plan, {
        mode: checkKey(given.apiKey, given.allowLivemode),
        account: given.stripeAccount ?? null,
        nowMs: Date.now(),
        maxAgeMs: given.planMaxAgeMs ?? DEFAULT_PLAN_MAX_AGE_MS,
        key: given.planKey,
      });
      options = { ...given, filter, action: plan.action };
      planned = plan.sessions;
      approved = { digest: plan.integrity, accountId: plan.accountId, matches: (session) => digestsMatch(plan.digests, session) };
    } catch (error) {
      return reportError(error, given, io, clean);
    }
    if (!given.yes) {
      io.stdout.write(`Plan ${given.plan}: ${planned.length} session(s) to ${options.action}; run again with --yes to act on exactly them (nothing was changed).\n`);
      return EXIT.ok;
    }
  }
  const planOnly = options.planOut !== undefined || options.dryRun || !options.yes;
  try {
    // A device or a folder is refused before any request, as is a missing folder.
    if (options.planOut !== undefined) preparePrivateFile("--plan-out", options.planOut);
  } catch (error) {
    return reportError(error, options, io, clean);
  }
  const wouldAct: PlannedSession[] = [];
  const view = progressView(io.stderr, options.json ? "none" : io.stderr.isTTY ? "bar" : "lines", planOnly);
  const onAbort = (): void => view.interrupt("stopping: finishing the requests in flight (Ctrl-C again to quit now)");
  io.signal?.addEventListener("abort", onAbort, { once: true });
  const firstIds: string[] = [];
  let report: SweepReport;
  try {
    report = await runBulkRedaction({
      apiKey: options.apiKey,
      apiBase: options.apiBase,
      stripeAccount: options.stripeAccount,
      evidencePath: options.evidence,
      ...(options.strategy ? { strategy: options.strategy } : {}),
      evidenceKey: options.evidenceKey,
      evidenceFlag: "--evidence",
      identifyAccount: options.planOut !== undefined,
      tool: "stripe-identity-sweep",
      allowLivemode: options.allowLivemode,
      filter: options.filter,
      action: options.action,
      dryRun: planOnly,
      countLeftOut: planOnly,
      maxSessions: options.maxSessions,
      requestsPerSecond: options.rps,
      endpointRequestsPerSecond: options.endpointRps,
      concurrency: options.concurrency,
      signal: io.signal,
      onProgress: (p) => view.update(p),
      onSession: (outcome) => {
        if (outcome.result === "would_act" && firstIds.length < FIRST_IDS) firstIds.push(outcome.id);
        if (outcome.result === "would_act" && options.planOut !== undefined) {
          wouldAct.push({ id: outcome.id, status: outcome.statusBefore ?? "", created: outcome.created ?? 0, action: options.action });
        }
      },
      ...(planned ? { planned } : {}),
      ...(approved ? { plan: approved } : {}),
      ...io.runOverrides,
    });
  } catch (error) {
    view.stop();
    return reportError(error, options, io, clean);
  } finally {
    io.signal?.removeEventListener("abort", onAbort);
  }
  view.stop();
  if (options.planOut !== undefined && report.complete) {
    try {
      const nowMs = report.nowMs ?? Date.now();
      writePlan(
        options.planOut,
        {
          version: PLAN_VERSION,
          createdAt: new Date(nowMs).toISOString(),
          mode: checkKey(options.apiKey, options.allowLivemode),
          account: options.stripeAccount ?? null,
          accountId: report.accountId ?? null,
          action: options.action,
          ...planFilter(options.filter, nowMs),
          sessions: wouldAct,
        },
        options.planKey,
      );
    } catch (error) {
      return reportError(error, options, io, clean);
    }
    if (!options.json) io.stderr.write(`stripe-identity-sweep: plan of ${wouldAct.length} session(s) written to ${options.planOut}; review it, then run --plan ${options.planOut} --yes\n`);
  }

  if (neverListed(report)) return reportNeverListed(report, options, io, clean);
  if (options.json) {
    io.stdout.write(clean(jsonSummary(report, { ...(planOnly ? { plan: !options.dryRun, firstIds } : {}), ...(jobsOf(report) ? { jobs: jobsOf(report) } : {}) })));
  } else if (planOnly) {
    io.stdout.write(clean(planText(report, firstIds, options.dryRun)));
  } else {
    io.stdout.write(clean(`${report.complete ? "Done" : "Stopped early"}: ${summaryLine(report)}\n`));
    // Redaction Jobs still running (Ctrl-C after run, or a job slower than the timeout): say how to follow them.
    if ((jobsOf(report)?.stillRunning.length ?? 0) > 0) io.stderr.write(clean(`stripe-identity-sweep: ${report.stoppedBecause}\n`));
    const later = leftForLater(report);
    if (later) io.stderr.write(`stripe-identity-sweep: ${later}\n`);
    for (const failure of report.failures.slice(0, 20)) io.stderr.write(clean(`failed: ${failure.id}: ${failure.message}\n`));
    if (report.failed > 20) io.stderr.write(`... and ${report.failed - 20} more failures\n`);
    for (const unknown of report.unknownOutcomes.slice(0, 20)) io.stderr.write(clean(`outcome unknown: ${unknown.id}: ${unknown.message}\n`));
    if (report.unknown > 20) io.stderr.write(`... and ${report.unknown - 20} more of unknown outcome\n`);
  }
  if (!report.complete && (report.stoppedStatusCode === 401 || report.stoppedStatusCode === 403)) {
    io.stderr.write(clean(`stripe-identity-sweep: ${report.stoppedBecause} (check STRIPE_API_KEY)\n`));
    return EXIT.usage;
  }
  if (!report.complete && !options.json && planOnly) io.stderr.write(clean(`stripe-identity-sweep: ${report.stoppedBecause}\n`));
  return report.failed > 0 || report.unknown > 0 || !report.complete ? EXIT.failed : EXIT.ok;
}

/** The run stopped before its first list page came back (nothing listening, a rejected key): nothing to report but why. */
function neverListed(report: SweepReport): boolean {
  return !report.complete && report.listed === 0 && report.matched === 0 && (report.stoppedBecause ?? "").startsWith("listing failed");
}

/** Like any other failure: one line on stderr, `{"error": ...}` with --json; no plan, no counts. */
function reportNeverListed(report: SweepReport, options: SweepCliOptions, io: CliIo, clean: (text: string) => string): number {
  const rejected = report.stoppedStatusCode === 401 || report.stoppedStatusCode === 403;
  const message = clean(`${report.stoppedBecause}${rejected ? " (check STRIPE_API_KEY)" : ""}`);
  io.stderr.write(`stripe-identity-sweep: ${message}\n`);
  if (options.json) io.stdout.write(JSON.stringify({ error: { code: rejected ? "authentication" : "listing_failed", message } }) + "\n");
  return rejected ? EXIT.usage : EXIT.failed;
}

function reportError(error: unknown, options: SweepCliOptions, io: CliIo, clean: (text: string) => string): number {
  const message = clean(error instanceof Error ? error.message : String(error));
  const code =
    error instanceof MaxSessionsExceededError
      ? EXIT.guard
      : error instanceof UserInputError || error instanceof LivemodeRefusedError
        ? EXIT.usage
        : EXIT.failed;
  io.stderr.write(`stripe-identity-sweep: ${message}\n`);
  if (options.json) {
    const body: Record<string, unknown> = { error: { code: error instanceof IdentityError ? (error.code ?? error.name) : "error", message } };
    if (error instanceof MaxSessionsExceededError) Object.assign(body, { matched: error.matched, maxSessions: error.maxSessions });
    io.stdout.write(JSON.stringify(body) + "\n");
  }
  return code;
}
