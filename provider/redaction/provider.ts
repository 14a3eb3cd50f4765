/**
 * The BulkRedaction dynamic ResourceProvider. The resource is a record of runs: create, update and
 * delete each run the sweep when `runOn` lists that phase, and store the counts of the last run.
 * check() and diff() make no API calls; read() returns state as is (nothing to read back).
 *
 * Failures are errors that name the failed sessions. A failed create or update records nothing
 * new, so the next `up` runs again and finishes the rest (done sessions are skipped); a failed
 * teardown run throws from delete, which leaves the resource in state for a later `destroy`.
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { resolveConfig, requireApiKey, type ConfigSource, type ProviderConfig } from "../config";
import { AccountMismatchError, IdentityError } from "../errors";
import { pulumiLogger, type Logger } from "../log";
import { redactSecret } from "../stripe/keys";
import { sameValue } from "../values";
import { EmptyRangeError } from "./filter";
import { checkBulkArgs, DIFFED_FIELDS, LATER_ARG_DEFAULTS, parseBulkArgs, runsOn, userInputs, type BulkRedactionArgs, type RunPhase } from "./inputs";
import { failureSummary, progressLine, summaryLine, throttle } from "./progress";
import type { SweepReport } from "./report";
import { runBulkRedaction, type BulkRunRequest } from "./run";
import { recheckRedactions } from "./completion";
import { createStripeClient } from "../stripe/client";
import { errorFacts } from "../stripe/errors";
import { DEFAULT_WAIT } from "./wait";

export interface BulkRedactionProviderDeps {
  /** Default: Pulumi's log (progress lines ephemeral). */
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Tests: extra run settings (fast retries, a clock). */
  runOverrides?: Partial<BulkRunRequest>;
  /** Milliseconds between progress lines. */
  progressIntervalMs?: number;
}

/** What the resource stores after a run (plus its args). */
export interface BulkRedactionOutputs {
  matched: number;
  redacted: number;
  canceled: number;
  wouldAct: number;
  skipped: number;
  skippedByReason: Record<string, number>;
  failed: number;
  lastRunAt: string | null;
  lastRunPhase: RunPhase | null;
  /** Sessions the last run redacted whose redaction had not finished (at most MAX_PENDING_KEPT). */
  pendingRedaction: string[];
}

/** Keeps state bounded however large a run was; the count of the rest is in the log. */
export const MAX_PENDING_KEPT = 10_000;

const NO_RUN: BulkRedactionOutputs = {
  matched: 0,
  redacted: 0,
  canceled: 0,
  wouldAct: 0,
  skipped: 0,
  skippedByReason: {},
  failed: 0,
  lastRunAt: null,
  lastRunPhase: null,
  pendingRedaction: [],
};

function previousOutputs(state: Record<string, unknown>): BulkRedactionOutputs {
  const pick = <K extends keyof BulkRedactionOutputs>(key: K): BulkRedactionOutputs[K] =>
    (state[key] as BulkRedactionOutputs[K] | undefined) ?? NO_RUN[key];
  return {
    matched: pick("matched"),
    redacted: pick("redacted"),
    canceled: pick("canceled"),
    wouldAct: pick("wouldAct"),
    skipped: pick("skipped"),
    skippedByReason: pick("skippedByReason"),
    failed: pick("failed"),
    lastRunAt: pick("lastRunAt"),
    lastRunPhase: pick("lastRunPhase"),
    pendingRedaction: pick("pendingRedaction"),
  };
}

export class BulkRedactionProvider implements pulumi.dynamic.ResourceProvider {
  private config: ProviderConfig | undefined;
  private readonly log: Logger;

  constructor(private readonly deps: BulkRedactionProviderDeps = {}) {
    this.log = deps.logger ?? pulumiLogger();
  }

  configure = async (req: { config: ConfigSource }): Promise<void> => {
    this.config = resolveConfig(req.config, this.deps.env);
  };

  check = async (_olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> => {
    const { inputs, failures } = checkBulkArgs(news);
    return failures.length > 0 ? { inputs: userInputs(news), failures } : { inputs };
  };

  diff = async (_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> => {
    const changed = DIFFED_FIELDS.filter((field) => !sameValue(olds[field] ?? LATER_ARG_DEFAULTS[field], news[field] ?? LATER_ARG_DEFAULTS[field]));
    // everyUp: every `up` is an update, so every up runs the sweep (and preview says so).
    const everyUp = Array.isArray(news.runOn) && news.runOn.includes("everyUp");
    if (news.previewCount === true) await this.previewCount(news);
    // Another connected account is another resource: the old one's teardown runs in its own account.
    const replaces = sameValue(olds.stripeAccount, news.stripeAccount) ? [] : ["stripeAccount"];
    return { changes: changed.length > 0 || everyUp, replaces, deleteBeforeReplace: false };
  };

  create = async (inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> => {
    const args = parseBulkArgs(inputs);
    const id = `bulkredaction-${randomUUID()}`;
    const runAccount = this.accountFor(args);
    const outputs = runsOn(args.runOn, "create") ? await this.run(args, "create", runAccount) : NO_RUN;
    return { id, outs: { ...args, ...outputs, runAccount } };
  };

  update = async (_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> => {
    const args = parseBulkArgs(news);
    const runAccount = this.assertAccount(olds, this.accountFor(args), "update");
    const outputs = runsOn(args.runOn, "update") ? await this.run(args, "update", runAccount) : previousOutputs(olds);
    return { outs: { ...args, ...outputs, runAccount } };
  };

  delete = async (_id: string, props: Record<string, unknown>): Promise<void> => {
    // Nothing to run at teardown: nothing to validate either, so no arg problem can block a destroy.
    if (Array.isArray(props.runOn) && !props.runOn.includes("destroy")) return;
    let args: BulkRedactionArgs;
    try {
      args = parseBulkArgs(Object.fromEntries([...DIFFED_FIELDS, "resourceName"].map((field) => [field, props[field]])));
    } catch (error) {
      if (!(error instanceof EmptyRangeError)) throw error;
      // The range emptied with time (createdAfter: "7d" with a fixed createdBefore): at teardown that
      // is nothing left to do, not an error that blocks the destroy.
      this.log.info(`BulkRedaction ${String(props.resourceName ?? "")} (destroy): nothing to do: ${error.reason}`);
      return;
    }
    if (!runsOn(args.runOn, "destroy")) return;
    await this.run(args, "destroy", this.assertAccount(props, this.accountFor(args), "destroy"));
  };

  /** What every run of this resource sends the engine: key, base, account, guards, filter, pacing. */
  private runRequest(args: BulkRedactionArgs, account: string | null): BulkRunRequest {
    const config = this.config ?? resolveConfig(undefined, this.deps.env);
    return {
      apiKey: requireApiKey(config),
      apiBase: config.apiBase,
      ...(account !== null ? { stripeAccount: account } : {}),
      allowLivemode: args.allowLivemode || config.allowLivemode,
      filter: args.filter,
      action: args.action,
      requestsPerSecond: args.requestsPerSecond,
      endpointRequestsPerSecond: args.endpointRequestsPerSecond,
      ...(args.strategy === "redactionJobs" ? { strategy: "jobs" as const } : {}),
    };
  }

  /**
   * The evidence file: its HMAC key from the environment (STRIPE_IDENTITY_EVIDENCE_KEY, never in
   * state), and waiting for another resource of this program that writes the same file.
   */
  private evidenceRequest(path: string): Partial<BulkRunRequest> {
    const key = (this.deps.env ?? process.env).STRIPE_IDENTITY_EVIDENCE_KEY || undefined;
    return { evidencePath: path, evidenceFlag: "evidence.path", evidenceWaitMs: 10 * 60_000, tool: "pulumi-stripe-identity BulkRedaction", ...(key ? { evidenceKey: key } : {}) };
  }

  /** previewCount: a dry run's count as a log line; never fails the preview (a warning instead). */
  private async previewCount(news: Record<string, unknown>): Promise<void> {
    let args: BulkRedactionArgs;
    try {
      args = parseBulkArgs(news);
    } catch {
      return; // unknown values at preview, or args check() already reported
    }
    const label = `BulkRedaction ${args.resourceName ?? ""} (preview)`;
    try {
      const account = this.accountFor(args);
      const report = await runBulkRedaction({ ...this.runRequest(args, account), dryRun: true, ...this.deps.runOverrides });
      const where = account === null ? "" : ` in ${account}`;
      this.log.info(`${label}: the next run would ${args.action} ${report.wouldAct} session(s)${where} (matched ${report.matched}, skipped ${report.skipped})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn(redactSecret(`${label}: could not count the sessions the next run would touch: ${message}`, this.config?.apiKey));
    }
  }

  private accountFor(args: BulkRedactionArgs): string | null {
    return args.stripeAccount ?? (this.config ?? resolveConfig(undefined, this.deps.env)).stripeAccount ?? null;
  }

  /**
   * The runs of one resource act on one account (recorded as `runAccount`). A teardown in another
   * account, because the config changed since, would redact the wrong sessions and leave the right
   * ones: an error naming both. State from before accounts were recorded has none to compare.
   */
  private assertAccount(state: Record<string, unknown>, configured: string | null, phase: RunPhase): string | null {
    if (state.runAccount === undefined) return configured;
    const recorded = typeof state.runAccount === "string" ? state.runAccount : null;
    if (recorded !== configured) {
      const name = (account: string | null) => (account === null ? "the platform's own account" : `connected account ${account}`);
      throw new AccountMismatchError(
        `BulkRedaction ${String(state.resourceName ?? "")} (${phase}): its runs act on ${name(recorded)} (recorded in state), but ${name(configured)} is configured ` +
          "(the stripeAccount arg, else stripe-identity:stripeAccount or STRIPE_ACCOUNT); configure it back; nothing was run and the resource stays in state",
      );
    }
    return recorded;
  }

  /**
   * Nothing to read back but the redactions the last run started: each pending session is re-read
   * (paced, one read each) and dropped from `pendingRedaction` once Stripe reports it `redacted`,
   * so `pulumi refresh` shows when redaction has finished.
   */
  read = async (id: string, props?: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> => {
    const state = props ?? {};
    const pending = Array.isArray(state.pendingRedaction) ? (state.pendingRedaction as string[]) : [];
    if (pending.length === 0) return { id, props: state };
    const config = this.config ?? resolveConfig(undefined, this.deps.env);
    const apiKey = requireApiKey(config);
    const account = typeof state.runAccount === "string" ? state.runAccount : undefined;
    const stripe = createStripeClient({ apiKey, apiBase: config.apiBase, maxNetworkRetries: config.maxNetworkRetries, stripeAccount: account });
    const still: string[] = [];
    for (const check of await recheckRedactions(stripe, pending)) {
      if ("error" in check) throw new IdentityError(redactSecret(`BulkRedaction ${String(state.resourceName ?? "")} (refresh): re-reading ${check.id}: ${errorFacts(check.error).message}`, apiKey));
      // Gone (404): nothing is left to finish.
      if ("status" in check && check.status !== "redacted") still.push(check.id);
    }
    this.log.info(`BulkRedaction ${String(state.resourceName ?? "")} (refresh): ${pending.length - still.length} of ${pending.length} pending redaction(s) finished`);
    return { id, props: { ...state, pendingRedaction: still } };
  };

  /** Runs the sweep for one phase; throws (naming failed ids) unless every matched session was handled. */
  private async run(args: BulkRedactionArgs, phase: RunPhase, account: string | null): Promise<BulkRedactionOutputs> {
    const config = this.config ?? resolveConfig(undefined, this.deps.env);
    const apiKey = requireApiKey(config);
    const where = account === null ? "" : `, ${account}`;
    const label = `BulkRedaction ${args.resourceName ?? ""} (${phase}${where}${args.dryRun ? ", dry run" : ""})`.replace("  ", " ");
    const progress = throttle((line: string) => this.log.info(`${label}: ${line}`, true), this.deps.progressIntervalMs ?? 2_000);
    this.log.info(`${label}: ${args.action} sessions matching ${JSON.stringify(args.filter)}`);
    const pending: string[] = [];
    let report: SweepReport;
    try {
      report = await runBulkRedaction({
        onSession: (outcome) => {
          if (outcome.result === "redacted" && outcome.redactionAfter !== "redacted" && pending.length < MAX_PENDING_KEPT) pending.push(outcome.id);
        },
        ...this.runRequest(args, account),
        dryRun: args.dryRun,
        maxSessions: args.maxSessions,
        waitForProcessing: { ...DEFAULT_WAIT, timeoutMs: args.processingTimeoutSeconds * 1000 },
        ...(args.evidence ? this.evidenceRequest(args.evidence.path) : {}),
        onProgress: (p) => progress(progressLine(p)),
        ...this.deps.runOverrides,
      });
    } catch (error) {
      // Messages pass through redactSecret: no API error text may carry the key into the engine's log.
      const message = redactSecret(error instanceof Error ? error.message : String(error), apiKey);
      throw new IdentityError(`${label}: ${message}`, { code: error instanceof IdentityError ? error.code : undefined });
    }
    this.log.info(redactSecret(`${label}: ${summaryLine(report)}`, apiKey));
    const retry = phase === "destroy" ? "pulumi destroy" : "pulumi up";
    const kept = phase === "destroy" ? " The resource stays in state." : "";
    if (report.failed > 0 || report.unknown > 0) {
      const text = `${label}: ${failureSummary(report)}. ${summaryLine(report)}.${kept} Run ${retry} again to retry them: done sessions are skipped.`;
      throw new IdentityError(redactSecret(text, apiKey));
    }
    const stillProcessing = report.dryRun ? 0 : (report.skippedByReason.processing ?? 0);
    if (stillProcessing > 0) {
      // Personal data left behind is a failed run, not a warning: a teardown must not succeed with it.
      const text =
        `${label}: ${stillProcessing} matching session(s) were still processing after ${args.processingTimeoutSeconds} s ` +
        `(Stripe is checking them; they cannot be ${args.action === "redact" ? "redacted" : "canceled"} until the checks finish). ` +
        `${summaryLine(report)}.${kept} Run ${retry} again once their checks finish (or raise processingTimeoutSeconds).`;
      throw new IdentityError(redactSecret(text, apiKey));
    }
    if (!report.complete) {
      throw new IdentityError(redactSecret(`${label}: the run stopped early (${report.stoppedBecause}); ${summaryLine(report)}. Run again to finish.`, apiKey));
    }
    return {
      matched: report.matched,
      redacted: report.redacted,
      canceled: report.canceled,
      wouldAct: report.wouldAct,
      skipped: report.skipped,
      skippedByReason: report.skippedByReason as Record<string, number>,
      failed: report.failed,
      lastRunAt: new Date().toISOString(),
      lastRunPhase: phase,
      pendingRedaction: pending,
    };
  }
}

export function createBulkRedactionProvider(deps?: BulkRedactionProviderDeps): pulumi.dynamic.ResourceProvider {
  return new BulkRedactionProvider(deps);
}
