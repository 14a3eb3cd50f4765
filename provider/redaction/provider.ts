/**
 * The BulkRedaction dynamic ResourceProvider. The resource is a record of runs: create, update and
 * delete each run the sweep when `runOn` lists that phase, and store the counts of the last run.
 *
 * Preview truth: check() (a new resource) and diff() (an existing one) say in words what the next
 * run will do (action, filter, account, mode) and, with `previewCount` (default on), how many
 * sessions it would touch: a dry run, list calls only. An `everyUp` run with nothing to do is no
 * change, so `pulumi preview --expect-no-changes` passes until there is work.
 *
 * Failures are errors that name the failed sessions. A failed create or update records nothing
 * new, so the next `up` runs again and finishes the rest (done sessions are skipped); a failed
 * teardown run throws from delete, which leaves the resource in state for a later `destroy`.
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { resolveConfig, requireApiKey, type ConfigSource, type ProviderConfig } from "../config";
import { IdentityError } from "../errors";
import { pulumiLogger, type Logger } from "../log";
import { keyMode, redactSecret } from "../stripe/keys";
import { asRecord, namedFailures, sameValue } from "../values";
import { EmptyRangeError } from "./filter";
import { checkBulkArgs, DIFFED_FIELDS, hiddenOf, LATER_ARG_DEFAULTS, nameOf, parseBulkArgs, runsOn, storedArgs, urnOf, userInputs, type BulkRedactionArgs, type RunPhase } from "./inputs";
import { accountWords, countWords, describeRun, idList, NAMED_IDS, rowProgress, workFor, type RunMoment } from "./describe";
import { carryPending, MAX_PENDING_KEPT, NO_RUN, previousOutputs, type BulkRedactionOutputs } from "./outputs";
import { failureSummary, summaryLine, throttle } from "./progress";
import type { SweepReport } from "./report";
import { runBulkRedaction, type BulkRunRequest } from "./run";
import { recheckRedactions } from "./completion";
import { preparePrivateFile } from "./private-files";
import { checkKey } from "./guards";
import { createStripeClient } from "../stripe/client";
import { errorFacts } from "../stripe/errors";
import { DEFAULT_WAIT } from "./wait";
import { assertAccount, recordedAccount, runKeyRecord } from "./run-key";

export { MAX_PENDING_KEPT, type BulkRedactionOutputs };

export interface BulkRedactionProviderDeps {
  /** Default: Pulumi's log (progress lines ephemeral). */
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Tests: extra run settings (fast retries, a clock). */
  runOverrides?: Partial<BulkRunRequest>;
  /** Milliseconds between progress lines. */
  progressIntervalMs?: number;
}


export class BulkRedactionProvider implements pulumi.dynamic.ResourceProvider {
  private config: ProviderConfig | undefined;
  private readonly log: Logger;
  /** Ids read by a refresh, whose diff comes next in this process: whether the read changed state. */
  private readonly refreshed = new Map<string, boolean>();

  constructor(private readonly deps: BulkRedactionProviderDeps = {}) {
    this.log = deps.logger ?? pulumiLogger();
  }

  configure = async (req: { config: ConfigSource }): Promise<void> => {
    this.config = resolveConfig(req.config, this.deps.env);
  };

  check = async (olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> => {
    const values = asRecord(news);
    const { inputs, failures } = checkBulkArgs(news);
    if (failures.length > 0) return { inputs: { ...userInputs(news), ...hiddenOf(values) }, failures: namedFailures(failures, userInputs(news)) };
    // A new resource (no old inputs): say what its runs will do before `up` does it.
    if (Object.keys(asRecord(olds)).length === 0) await this.announceNew(values);
    return { inputs: storedArgs(inputs, values) };
  };

  diff = async (id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> => {
    const changed = DIFFED_FIELDS.filter((field) => !sameValue(olds[field] ?? LATER_ARG_DEFAULTS[field], news[field] ?? LATER_ARG_DEFAULTS[field]));
    // Another connected account is another resource: the old one's teardown runs in its own account.
    const replaces = sameValue(olds.stripeAccount, news.stripeAccount) ? [] : ["stripeAccount"];
    // A refresh diffs right after its read: the change is what the read found (pending redactions finished).
    const readChanged = this.refreshed.get(id);
    if (readChanged !== undefined) {
      this.refreshed.delete(id);
      return { changes: readChanged || changed.length > 0, replaces, deleteBeforeReplace: false };
    }
    const everyUp = Array.isArray(news.runOn) && news.runOn.includes("everyUp");
    let changes = changed.length > 0 || replaces.length > 0;
    const args = this.argsIfKnown(news);
    if (!args) return { changes: changes || everyUp, replaces, deleteBeforeReplace: false };
    const moment: RunMoment | undefined = replaces.length > 0 ? (runsOn(args.runOn, "create") ? "create" : undefined) : changed.length > 0 ? (runsOn(args.runOn, "update") ? "update" : undefined) : everyUp ? "everyUp" : undefined;
    if (moment) {
      const work = await this.announce(args, moment, urnOf(news), recordedAccount(olds));
      // everyUp with nothing to do is no change; uncounted (previewCount false, or no answer), it is one.
      if (moment === "everyUp") changes = work === undefined || work > 0;
    }
    return { changes, replaces, deleteBeforeReplace: false };
  };

  create = async (inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> => {
    const args = parseBulkArgs(inputs);
    const id = `bulkredaction-${randomUUID()}`;
    const runAccount = this.accountFor(args);
    // Without a run now, the key and its account are still recorded: a later teardown checks them.
    const outputs = runsOn(args.runOn, "create")
      ? await this.run(args, "create", runAccount, NO_RUN, urnOf(inputs))
      : { ...NO_RUN, ...(await runKeyRecord(this.runRequest(args, runAccount), `BulkRedaction ${args.resourceName ?? ""} (create)`, {})) };
    return { id, outs: { ...storedArgs(args, inputs), ...outputs, runAccount } };
  };

  update = async (_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> => {
    const args = parseBulkArgs(news);
    const runAccount = assertAccount(olds, this.accountFor(args), "update");
    const before = previousOutputs(olds);
    const outputs = runsOn(args.runOn, "update")
      ? await this.run(args, "update", runAccount, before, urnOf(news), olds)
      : { ...before, ...(await runKeyRecord(this.runRequest(args, runAccount), `BulkRedaction ${args.resourceName ?? ""} (update)`, olds)) };
    return { outs: { ...storedArgs(args, news), ...outputs, runAccount } };
  };

  delete = async (_id: string, props: Record<string, unknown>): Promise<void> => {
    // Nothing to run at teardown: nothing to validate either, so no arg problem can block a destroy.
    if (Array.isArray(props.runOn) && !props.runOn.includes("destroy")) return;
    let args: BulkRedactionArgs;
    try {
      args = parseBulkArgs({ ...Object.fromEntries([...DIFFED_FIELDS, "resourceName"].map((field) => [field, props[field]])), ...hiddenOf(props) });
    } catch (error) {
      if (!(error instanceof EmptyRangeError)) throw error;
      // The range emptied with time (createdAfter: "7d" with a fixed createdBefore): at teardown that
      // is nothing left to do, not an error that blocks the destroy.
      this.log.info(`BulkRedaction ${nameOf(props)} (destroy): nothing to do: ${error.reason}`, false, urnOf(props));
      return;
    }
    if (!runsOn(args.runOn, "destroy")) return;
    await this.run(args, "destroy", assertAccount(props, this.accountFor(args), "destroy"), NO_RUN, urnOf(props), props);
  };

  /**
   * Nothing to read back but the redactions runs started: each pending session is re-read (paced,
   * one read each) and dropped from `pendingRedaction` once Stripe reports it `redacted`, so
   * `pulumi refresh` shows when redaction has finished.
   */
  read = async (id: string, props?: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> => {
    const state = props ?? {};
    const name = nameOf(state);
    const pending = Array.isArray(state.pendingRedaction) ? (state.pendingRedaction as string[]) : [];
    const untracked = typeof state.pendingUntracked === "number" ? state.pendingUntracked : 0;
    this.refreshed.set(id, false);
    if (pending.length === 0) return { id, props: state };
    const config = this.currentConfig();
    const apiKey = requireApiKey(config);
    const account = typeof state.runAccount === "string" ? state.runAccount : undefined;
    const stripe = createStripeClient({ apiKey, apiBase: config.apiBase, maxNetworkRetries: config.maxNetworkRetries, stripeAccount: account });
    const still: string[] = [];
    for (const check of await recheckRedactions(stripe, pending)) {
      if ("error" in check) throw new IdentityError(redactSecret(`BulkRedaction ${name} (refresh): re-reading ${check.id}: ${errorFacts(check.error).message}`, apiKey));
      // Gone (404): nothing is left to finish.
      if ("status" in check && check.status !== "redacted") still.push(check.id);
    }
    const notTracked = untracked > 0 ? `; ${untracked} more are not tracked by id (pendingUntracked): check them with the run's evidence (stripe-identity-sweep verify)` : "";
    this.log.info(`BulkRedaction ${name} (refresh): ${pending.length - still.length} of ${pending.length} pending redaction(s) finished${notTracked}`, false, urnOf(state));
    this.refreshed.set(id, still.length !== pending.length);
    return { id, props: { ...state, pendingRedaction: still } };
  };

  private currentConfig(): ProviderConfig {
    return this.config ?? resolveConfig(undefined, this.deps.env);
  }

  /** The args when every value is known and valid (preview may not know them yet). */
  private argsIfKnown(values: Record<string, unknown>): BulkRedactionArgs | undefined {
    try {
      return parseBulkArgs(values);
    } catch {
      return undefined;
    }
  }

  /** A new resource's preview: what its first run does now, and what happens at destroy. */
  private async announceNew(values: Record<string, unknown>): Promise<void> {
    const args = this.argsIfKnown(values);
    const urn = urnOf(values);
    if (!args) {
      this.log.info(`BulkRedaction ${nameOf(values)}: some args are not known until apply; the run's count is not shown`, false, urn);
      return;
    }
    if (runsOn(args.runOn, "create")) await this.announce(args, "create", urn);
    if (args.runOn.includes("destroy")) await this.announce(args, "destroy", urn);
  }

  /**
   * Says what a run will do; with previewCount, counts it with a dry run (list calls only) and
   * returns how many sessions it would write to or wait for. A warning when it would write: it is
   * irreversible. Never fails the preview.
   */
  private async announce(args: BulkRedactionArgs, moment: RunMoment, urn: string | undefined, recorded?: string | null): Promise<number | undefined> {
    const config = this.currentConfig();
    const account = this.accountFor(args);
    const mode = config.apiKey ? keyMode(config.apiKey) : undefined;
    const head = `BulkRedaction ${args.resourceName ?? ""}: ${describeRun(args, moment, account, mode)}`;
    if (recorded !== undefined && recorded !== account) {
      this.log.warn(`${head}: but its runs so far acted on ${accountWords(recorded)} (recorded in state); the update will refuse to run until that account is configured again`, urn);
      return undefined;
    }
    if (moment === "destroy" || !args.previewCount) {
      this.log.info(moment === "destroy" ? head : `${head}; not counted (previewCount: false)`, false, urn);
      return undefined;
    }
    try {
      const report = await runBulkRedaction({ ...this.runRequest(args, account), dryRun: true, ...this.deps.runOverrides });
      const work = workFor(report);
      const line = `${head}: ${countWords(args.action, report)}`;
      if (work > 0 && !args.dryRun) this.log.warn(line, urn);
      else this.log.info(line, false, urn);
      return work;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn(redactSecret(`${head}: could not count the sessions it would touch: ${message}`, config.apiKey), urn);
      return undefined;
    }
  }

  /** What every run of this resource sends the engine: key, base, account, guards, filter, pacing. */
  private runRequest(args: BulkRedactionArgs, account: string | null): BulkRunRequest {
    const config = this.currentConfig();
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

  private accountFor(args: BulkRedactionArgs): string | null {
    return args.stripeAccount ?? this.currentConfig().stripeAccount ?? null;
  }

  /** Runs the sweep for one phase; throws (naming failed ids) unless every matched session was handled. */
  private async run(args: BulkRedactionArgs, phase: RunPhase, account: string | null, before: BulkRedactionOutputs, urn: string | undefined, state: Record<string, unknown> = {}): Promise<BulkRedactionOutputs & Record<string, unknown>> {
    const apiKey = requireApiKey(this.currentConfig());
    const name = args.resourceName ?? "";
    const where = account === null ? "" : `, ${account}`;
    const label = `BulkRedaction ${name} (${phase}${where}${args.dryRun ? ", dry run" : ""})`;
    const request = this.runRequest(args, account);
    // A device or a folder as the evidence file is refused before any request, the key's included.
    if (args.evidence) preparePrivateFile("evidence.path", args.evidence.path);
    // So is a live key the run may not use (reading its account is a request too).
    try {
      checkKey(request.apiKey, request.allowLivemode ?? false);
    } catch (error) {
      throw new IdentityError(`${label}: ${error instanceof Error ? error.message : String(error)}`, { code: error instanceof IdentityError ? error.code : undefined });
    }
    const keyState = await runKeyRecord(request, label, state);
    // The row shows the name; the line still leads with it (and the count) for the log and narrow terminals.
    const progress = throttle((line: string) => this.log.info(`${name}: ${line}`, true, urn), this.deps.progressIntervalMs ?? 2_000);
    this.log.info(`${label}: ${args.action} sessions matching ${JSON.stringify(args.filter)}`, false, urn);
    const started: string[] = [];
    const finished = new Set<string>();
    const processing: string[] = [];
    let report: SweepReport;
    try {
      report = await runBulkRedaction({
        onSession: (outcome) => {
          if (outcome.result === "redacted" && outcome.redactionAfter !== "redacted") started.push(outcome.id);
          if (outcome.result === "skipped" && outcome.reason === "already_redacted") finished.add(outcome.id);
          if (outcome.result === "skipped" && outcome.reason === "processing" && processing.length < NAMED_IDS) processing.push(outcome.id);
        },
        ...request,
        dryRun: args.dryRun,
        maxSessions: args.maxSessions,
        waitForProcessing: { ...DEFAULT_WAIT, timeoutMs: args.processingTimeoutSeconds * 1000 },
        ...(args.evidence ? this.evidenceRequest(args.evidence.path) : {}),
        onProgress: (p) => progress(rowProgress(args.action, p)),
        ...this.deps.runOverrides,
      });
    } catch (error) {
      // Messages pass through redactSecret: no API error text may carry the key into the engine's log.
      const message = redactSecret(error instanceof Error ? error.message : String(error), apiKey);
      throw new IdentityError(`${label}: ${message}`, { code: error instanceof IdentityError ? error.code : undefined });
    }
    this.log.info(redactSecret(`${label}: ${summaryLine(report)}`, apiKey), false, urn);
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
        `(Stripe is checking them; they cannot be ${args.action === "redact" ? "redacted" : "canceled"} until the checks finish): ${idList(processing, stillProcessing)}. ` +
        `${summaryLine(report)}.${kept} Run ${retry} again once their checks finish (or raise processingTimeoutSeconds).`;
      throw new IdentityError(redactSecret(text, apiKey));
    }
    if (!report.complete) {
      throw new IdentityError(redactSecret(`${label}: the run stopped early (${report.stoppedBecause}); ${summaryLine(report)}. Run again to finish.`, apiKey));
    }
    const pending = carryPending({ before: before.pendingRedaction, untrackedBefore: before.pendingUntracked, started, finished });
    if (pending.dropped > 0) {
      const text = `${label}: ${pending.dropped} pending redaction(s) are not tracked by id (pendingRedaction keeps ${MAX_PENDING_KEPT.toLocaleString("en-US")}); pendingUntracked counts them (${pending.pendingUntracked}): check them with the run's evidence (stripe-identity-sweep verify)`;
      this.log.warn(text, urn);
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
      pendingRedaction: pending.pendingRedaction,
      pendingUntracked: pending.pendingUntracked,
      ...keyState,
    };
  }
}

export function createBulkRedactionProvider(deps?: BulkRedactionProviderDeps): pulumi.dynamic.ResourceProvider {
  return new BulkRedactionProvider(deps);
}
