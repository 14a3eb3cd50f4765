/**
 * The VerificationSession dynamic ResourceProvider: thin I/O around the pure parts (check.ts,
 * diff.ts, policy.ts, mapping.ts). Loaded by name inside Pulumi's dynamic-provider process via
 * provider/entry.ts; the key comes from configure() (stack config) or the environment.
 */
import type * as pulumi from "@pulumi/pulumi";
import { resolveConfig, requireApiKey, type ConfigSource, type ProviderConfig } from "../config";
import { AccountMismatchError, ModeMismatchError } from "../errors";
import { keyChange, recordedConfigNote } from "../key-record";
import { realSleep, type BackoffPolicy, type Sleep } from "../stripe/backoff";
import { createStripeClient } from "../stripe/client";
import { isResourceMissing } from "../stripe/errors";
import { keyMode, type KeyMode } from "../stripe/keys";
import { apiFailure, sessionApi, type SessionApi } from "./api";
import { adoptSession } from "./adopt";
import { checkArgs, userArgs } from "./check";
import { accountName, keyChangedError, parseArgs, resourceNameOf, StateComputed, stateArgs, urnOf, withUrn } from "./state";
import { planDiff } from "./diff";
import { asRecord, namedFailures, sameValue } from "../values";
import { createIdempotencyKey } from "./create-key";
import { argsForState, argsOfState, createParams, toOutputs, updateParams } from "./mapping";
import { modeMismatch, replaceEffect } from "./policy";
import { DEFAULT_POLL_POLICY, deleteSession, observationOfState, policyOf } from "./remove";
import { pulumiLogger, type Logger } from "../log";
import { SessionComputedShape, type SessionArgs, type SessionOutputs } from "./schema";

export interface SessionProviderDeps {
  /** Where "left it as it is" decisions go; default: Pulumi's log (shown by the engine). */
  logger?: Logger;
  sleep?: Sleep;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  pollPolicy?: BackoffPolicy;
  /** Tests and benches: use this API instead of a Stripe client built from the config. */
  api?: (config: ProviderConfig, apiKey: string) => SessionApi;
}

interface Client {
  api: SessionApi;
  apiKey: string;
  mode: KeyMode | undefined;
}

export class SessionProvider implements pulumi.dynamic.ResourceProvider {
  private config: ProviderConfig | undefined;
  /** One client per connected account ("" for the platform's own). */
  private clients = new Map<string, Client>();
  private readonly log: Logger;
  /** Ids read by a refresh, whose diff comes next in this process: whether the read found the status moved. */
  private readonly refreshed = new Map<string, boolean>();
  /** Replaces diff announced (URN or name -> old id), and what create made of them (old id -> new id). */
  private readonly replacing = new Map<string, string>();
  private readonly replacedBy = new Map<string, string>();
  /** check() ran in this process: the program ran, so the config is the current one. */
  private programRan = false;
  private configNoted = false;
  private readonly sleep: Sleep;
  private readonly now: () => number;

  constructor(private readonly deps: SessionProviderDeps = {}) {
    this.log = deps.logger ?? pulumiLogger();
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
  }

  configure = async (req: { config: ConfigSource }): Promise<void> => {
    this.config = resolveConfig(req.config, this.deps.env);
    this.clients.clear();
  };

  check = async (_olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> => {
    this.programRan = true;
    const { inputs, failures } = checkArgs(news);
    return { inputs, failures: namedFailures(failures, userArgs(asRecord(news))) };
  };

  /**
   * No API call. Says at preview (and again at up), on the resource, why a drift replaces and what
   * the replace will do to the old session. A refresh diffs right after its read: what the read
   * found (a status that moved) is the change, so `pulumi refresh --diff` shows it.
   */
  diff = async (id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.DiffResult> => {
    const state = asRecord(olds);
    const values = asRecord(news);
    const plan = planDiff(id, state, values);
    const readChanged = this.refreshed.get(id);
    if (readChanged !== undefined) {
      this.refreshed.delete(id);
      return { changes: plan.changes || readChanged, replaces: plan.replaces, deleteBeforeReplace: false };
    }
    const name = resourceNameOf(values) ?? resourceNameOf(state) ?? id;
    const urn = urnOf(values);
    const change = keyChange(state, this.currentConfig().apiKey);
    if (change) {
      this.log.warn(
        `VerificationSession ${name}: the key changed since ${id} was recorded (${change.was} -> ${change.now}). Before acting, the provider checks that the new key sees ` +
          "the session (the same account) and refuses otherwise. `pulumi refresh` and `pulumi destroy` keep using the previous key until an `up` (or --run-program)",
        urn,
      );
    }
    if (plan.drift) this.log.warn(`VerificationSession ${name}: ${id}: ${plan.drift}; recreateOnCanceled replaces it with a new session (set recreateOnCanceled: false to keep it as it is)`, urn);
    if (plan.replaces.length > 0) {
      const effect = replaceEffect(id, {
        observation: observationOfState(state) ?? { found: true, status: "requires_input", redactionStatus: null },
        policy: policyOf(state),
        stateLivemode: typeof state.livemode === "boolean" ? state.livemode : undefined,
        keyMode: this.currentConfig().apiKey ? keyMode(this.currentConfig().apiKey as string) : undefined,
      });
      if (effect) {
        this.replacing.set(urn ?? name, id);
        this.log.warn(
          `VerificationSession ${name}: this replace (${plan.replaces.join(", ")} changed) will ${effect} once the new session exists. ` +
            `To keep it, set deletionPolicy: "retain" and run \`pulumi up\` before this change (the old session's recorded policy applies)`,
          urn,
        );
      }
    }
    return { changes: plan.changes, replaces: plan.replaces, deleteBeforeReplace: false };
  };

  create = async (inputs: unknown): Promise<pulumi.dynamic.CreateResult<SessionOutputs>> => {
    const args = parseArgs(inputs);
    const account = this.accountFor(args);
    const { api, apiKey } = this.connect(account);
    if (args.adoptSessionId) return adoptSession({ ...this.connect(account), log: this.log }, args, account);
    try {
      const params = createParams(args);
      const derived = args.pulumiTag ? createIdempotencyKey(args.pulumiTag, params) : undefined;
      let { session, replayed } = await api.create(params, derived);
      if (replayed) {
        // Stripe replays the stored answer of the first create, not today's state: read it. An
        // earlier delete of this resource may have canceled or redacted it since; then make a new one.
        const current = await api.retrieve(session.id, args.includeReportSummary);
        if (current.status === "canceled" || current.redaction) {
          this.log.info(`VerificationSession ${args.pulumiTag?.resource}: the session an earlier create made (${current.id}) is ${current.redaction ? "redacted" : "canceled"}; creating a new one`);
          ({ session } = await api.create(params));
        } else {
          this.log.info(`VerificationSession ${args.pulumiTag?.resource}: an earlier create of this resource had made ${current.id} already; taking it instead of a duplicate`);
          session = current;
        }
      }
      this.noteReplacement(args, inputs, session.id);
      return { id: session.id, outs: withUrn(toOutputs(session, args, account), asRecord(inputs), apiKey) };
    } catch (error) {
      throw apiFailure("create", undefined, error, apiKey);
    }
  };

  /** A replacement was created: say so with both ids, and remember the pair for the old one's delete. */
  private noteReplacement(args: SessionArgs, inputs: unknown, newId: string): void {
    const urn = urnOf(asRecord(inputs));
    const name = args.pulumiTag?.resource ?? newId;
    const oldId = this.replacing.get(urn ?? name);
    if (oldId === undefined) return;
    this.replacing.delete(urn ?? name);
    this.replacedBy.set(oldId, newId);
    this.log.info(`VerificationSession ${name}: created ${newId} to replace ${oldId}; Pulumi deletes ${oldId} next, by its deletionPolicy`, false, urn);
  }

  read = async (id: string, props?: unknown): Promise<pulumi.dynamic.ReadResult<SessionOutputs>> => {
    const state = asRecord(props);
    const args = stateArgs(state);
    const account = this.assertAccount(id, state, this.accountFor(args), "read");
    const { api, apiKey } = this.connect(account);
    this.assertMode(id, state, "read");
    this.noteRecordedConfig(apiKey);
    const change = keyChange(state, apiKey);
    try {
      const session = await api.retrieve(id, args.includeReportSummary);
      if (change) this.log.info(`VerificationSession ${id}: the key changed since it was recorded (${change.was} -> ${change.now}); the new key sees the session, so it is the same account`, false, urnOf(state));
      const props = withUrn(toOutputs(session, args, account), state, apiKey);
      const moved = (["status", "redactionStatus", "lastError"] as const).some((key) => !sameValue(state[key] ?? null, props[key] ?? null));
      this.refreshed.set(id, moved);
      return { id: session.id, props };
    } catch (error) {
      // Another key's 404 says nothing about the session: it may live in another account.
      if (isResourceMissing(error) && change) throw keyChangedError("refresh", id, change, urnOf(state));
      // 404 in the key's own mode (the mode was checked above): gone, and Pulumi drops it on refresh.
      if (isResourceMissing(error)) return { id: "" };
      throw apiFailure("retrieve", id, error, apiKey);
    }
  };

  update = async (id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult<SessionOutputs>> => {
    const state = asRecord(olds);
    const args = parseArgs(news);
    const params = updateParams(argsOfState(state), args);
    // Lifecycle-only change: new args over the state's computed fields, no API call.
    if (Object.keys(params).length === 0) {
      const computed = StateComputed.parse(Object.fromEntries(Object.keys(SessionComputedShape).map((k) => [k, state[k]])));
      return { outs: withUrn({ ...argsForState(args), ...computed } as SessionOutputs, asRecord(news)) };
    }
    const account = this.assertAccount(id, state, this.accountFor(args), "update");
    const { api, apiKey } = this.connect(account);
    this.assertMode(id, state, "update");
    try {
      return { outs: withUrn(toOutputs(await api.update(id, params, args.includeReportSummary), args, account), asRecord(news), apiKey) };
    } catch (error) {
      throw apiFailure("update", id, error, apiKey);
    }
  };

  delete = async (id: string, props: unknown): Promise<void> => {
    const state = asRecord(props);
    const account = this.assertAccount(id, state, this.accountFor(stateArgs(state)), "delete");
    const { api, apiKey, mode } = this.connect(account);
    this.noteRecordedConfig(apiKey);
    const change = keyChange(state, apiKey);
    if (change) {
      this.assertMode(id, state, "delete");
      // Before any write: a key of another account would see a 404 and call the session gone.
      try {
        await api.retrieve(id, false);
      } catch (error) {
        if (isResourceMissing(error)) throw keyChangedError("delete", id, change, urnOf(state));
        throw apiFailure("retrieve", id, error, apiKey);
      }
    }
    const replacement = this.replacedBy.get(id);
    const name = resourceNameOf(state);
    const note = replacement ? ` (${name ?? "resource"} replaced it with ${replacement})` : name ? ` (${name})` : "";
    await deleteSession(
      { api, apiKey, keyMode: mode, log: this.log, sleep: this.sleep, now: this.now, pollPolicy: this.deps.pollPolicy ?? DEFAULT_POLL_POLICY, note, urn: urnOf(state) },
      id,
      state,
    );
  };

  private assertMode(id: string, state: Record<string, unknown>, operation: string): void {
    // The mode is the key's, whatever the account: no client needed to know it.
    const mismatch = modeMismatch(typeof state.livemode === "boolean" ? state.livemode : undefined, keyMode(requireApiKey(this.currentConfig())));
    if (mismatch) throw new ModeMismatchError(`cannot ${operation} VerificationSession ${id}: ${mismatch}`);
  }

  private currentConfig(): ProviderConfig {
    return this.config ?? resolveConfig(undefined, this.deps.env);
  }

  /** The account a resource acts on: its `stripeAccount` arg, else the config's; null: the platform's own. */
  private accountFor(args: Partial<SessionArgs>): string | null {
    return args.stripeAccount ?? this.currentConfig().stripeAccount ?? null;
  }

  /**
   * A session lives in one account. Acting on it with another one configured would see a 404 and
   * drop it from state (or act elsewhere), so it is an error naming both, like the mode mismatch.
   * State written before accounts were recorded has none: nothing to compare.
   */
  private assertAccount(id: string, state: Record<string, unknown>, configured: string | null, operation: string): string | null {
    if (!("sessionAccount" in state) || state.sessionAccount === undefined) return configured;
    const recorded = typeof state.sessionAccount === "string" ? state.sessionAccount : null;
    if (recorded !== configured) {
      throw new AccountMismatchError(
        `cannot ${operation} VerificationSession ${id}: it lives in ${accountName(recorded)} (recorded in state), but ${accountName(configured)} is configured ` +
          `(the resource's stripeAccount arg, else stripe-identity:stripeAccount or STRIPE_ACCOUNT). Configure ${recorded ?? "no account"} again to manage it; ` +
          "nothing was changed and the resource stays in state",
      );
    }
    return recorded;
  }

  /** refresh and destroy without the program act with the config of the last up: say which key, once. */
  private noteRecordedConfig(apiKey: string): void {
    if (this.programRan || this.configNoted) return;
    this.configNoted = true;
    this.log.info(recordedConfigNote(apiKey));
  }

  private connect(account: string | null): Client {
    const cached = this.clients.get(account ?? "");
    if (cached) return cached;
    const config = this.currentConfig();
    const apiKey = requireApiKey(config);
    const api = this.deps.api
      ? this.deps.api({ ...config, stripeAccount: account ?? undefined }, apiKey)
      : sessionApi(createStripeClient({ apiKey, apiBase: config.apiBase, maxNetworkRetries: config.maxNetworkRetries, stripeAccount: account ?? undefined }), this.sleep);
    const client: Client = { api, apiKey, mode: keyMode(apiKey) };
    this.clients.set(account ?? "", client);
    return client;
  }
}

export function createSessionProvider(deps?: SessionProviderDeps): pulumi.dynamic.ResourceProvider {
  return new SessionProvider(deps);
}
