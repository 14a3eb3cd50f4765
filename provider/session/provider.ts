/**
 * The VerificationSession dynamic ResourceProvider: thin I/O around the pure parts (check.ts,
 * diff.ts, policy.ts, mapping.ts). Loaded by name inside Pulumi's dynamic-provider process via
 * provider/entry.ts; the key comes from configure() (stack config) or the environment.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { resolveConfig, requireApiKey, type ConfigSource, type ProviderConfig } from "../config";
import { AccountMismatchError, ModeMismatchError, UserInputError } from "../errors";
import { realSleep, type BackoffPolicy, type Sleep } from "../stripe/backoff";
import { createStripeClient } from "../stripe/client";
import { isResourceMissing } from "../stripe/errors";
import { keyMode, type KeyMode } from "../stripe/keys";
import { apiFailure, sessionApi, type ApiSession, type SessionApi } from "./api";
import { checkArgs } from "./check";
import { asRecord, isUpdatable, planDiff } from "./diff";
import { sameValue } from "../values";
import { createIdempotencyKey } from "./create-key";
import { argsOfState, changedUpdatableFields, createParams, sessionAsArgs, toOutputs, updateParams } from "./mapping";
import { modeMismatch, modeName } from "./policy";
import { DEFAULT_POLL_POLICY, deleteSession } from "./remove";
import { pulumiLogger, type Logger } from "../log";
import { CREATE_ONLY_FIELDS, LifecycleShape, SessionArgs, SessionComputedShape, SessionParamsShape, type SessionOutputs } from "./schema";

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

/** Args as stored in state: lenient (unknown keys dropped) so older or newer state still loads. */
const StateArgs = z.object({ ...SessionParamsShape, ...LifecycleShape });
const StateComputed = z.object(SessionComputedShape).partial();

function stateArgs(state: Record<string, unknown>): SessionArgs {
  const raw = argsOfState(state);
  const parsed = StateArgs.safeParse(raw);
  // State this version cannot validate keeps its values (a refresh must never drop inputs).
  return parsed.success ? parsed.data : ({ ...StateArgs.parse({}), ...raw } as SessionArgs);
}

/** The args of a create/update: check() validated them already; this is the last guard. */
function parseArgs(inputs: unknown): SessionArgs {
  const outcome = checkArgs(inputs);
  if (outcome.failures.length > 0) {
    throw new UserInputError(`invalid VerificationSession args: ${outcome.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
  return SessionArgs.parse(Object.fromEntries(Object.entries(outcome.inputs).filter(([key]) => !key.startsWith("__"))));
}

interface Client {
  api: SessionApi;
  apiKey: string;
  mode: KeyMode | undefined;
}

function accountName(account: string | null): string {
  return account === null ? "the platform's own account (no stripeAccount)" : `connected account ${account}`;
}

export class SessionProvider implements pulumi.dynamic.ResourceProvider {
  private config: ProviderConfig | undefined;
  /** One client per connected account ("" for the platform's own). */
  private clients = new Map<string, Client>();
  private readonly log: Logger;
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
    const { inputs, failures } = checkArgs(news);
    return { inputs, failures };
  };

  diff = async (id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.DiffResult> => {
    const plan = planDiff(id, asRecord(olds), asRecord(news));
    return { changes: plan.changes, replaces: plan.replaces, deleteBeforeReplace: false };
  };

  create = async (inputs: unknown): Promise<pulumi.dynamic.CreateResult<SessionOutputs>> => {
    const args = parseArgs(inputs);
    const account = this.accountFor(args);
    const { api, apiKey } = this.connect(account);
    if (args.adoptSessionId) return this.adopt(args, account);
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
      return { id: session.id, outs: toOutputs(session, args, account) };
    } catch (error) {
      throw apiFailure("create", undefined, error, apiKey);
    }
  };

  read = async (id: string, props?: unknown): Promise<pulumi.dynamic.ReadResult<SessionOutputs>> => {
    const state = asRecord(props);
    const args = stateArgs(state);
    const account = this.assertAccount(id, state, this.accountFor(args), "read");
    const { api, apiKey } = this.connect(account);
    this.assertMode(id, state, "read");
    try {
      const session = await api.retrieve(id, args.includeReportSummary);
      return { id: session.id, props: toOutputs(session, args, account) };
    } catch (error) {
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
      return { outs: { ...args, ...computed } as SessionOutputs };
    }
    const account = this.assertAccount(id, state, this.accountFor(args), "update");
    const { api, apiKey } = this.connect(account);
    this.assertMode(id, state, "update");
    try {
      return { outs: toOutputs(await api.update(id, params, args.includeReportSummary), args, account) };
    } catch (error) {
      throw apiFailure("update", id, error, apiKey);
    }
  };

  delete = async (id: string, props: unknown): Promise<void> => {
    const state = asRecord(props);
    const account = this.assertAccount(id, state, this.accountFor(stateArgs(state)), "delete");
    const { api, apiKey, mode } = this.connect(account);
    await deleteSession(
      { api, apiKey, keyMode: mode, log: this.log, sleep: this.sleep, now: this.now, pollPolicy: this.deps.pollPolicy ?? DEFAULT_POLL_POLICY },
      id,
      state,
    );
  };

  /** Manage an existing session: same mode as the key, create-only args must match, others applied. */
  private async adopt(args: SessionArgs, account: string | null): Promise<pulumi.dynamic.CreateResult<SessionOutputs>> {
    const { api, apiKey, mode } = this.connect(account);
    const id = args.adoptSessionId as string;
    let session: ApiSession;
    try {
      session = await api.retrieve(id, args.includeReportSummary);
    } catch (error) {
      if (isResourceMissing(error)) {
        throw new UserInputError(`adoptSessionId: no VerificationSession ${id} is visible to this ${mode ?? "unknown"}-mode key in ${accountName(account)}`, { statusCode: 404 });
      }
      throw apiFailure("retrieve (adopt)", id, error, apiKey);
    }
    if (mode && modeName(session.livemode) !== mode) {
      throw new ModeMismatchError(`adoptSessionId: ${id} is a ${modeName(session.livemode)}-mode session but the key is a ${mode}-mode key`);
    }
    const existing = sessionAsArgs(session);
    if (session.type === "document" || session.type === "id_number") existing.type = session.type as "document" | "id_number";
    // return_url is never returned by the API, so it cannot be compared.
    const conflicts = CREATE_ONLY_FIELDS.filter((f) => f !== "returnUrl" && args[f] !== undefined && !sameValue(args[f], existing[f]));
    if (conflicts.length > 0) {
      throw new UserInputError(`adoptSessionId: ${id} differs in create-only fields (${conflicts.join(", ")}); match them to the session or leave them unset`);
    }
    // Only fields the user set are desired; metadata keys the user did not name are left alone.
    const baseline = { ...existing, metadata: Object.fromEntries(Object.keys(args.metadata ?? {}).map((k) => [k, existing.metadata?.[k] ?? ""])) };
    const desired = { ...baseline, ...Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) } as SessionArgs;
    const changed = changedUpdatableFields(baseline, desired);
    if (changed.length === 0) return { id: session.id, outs: toOutputs(session, args, account) };
    if (!isUpdatable({ status: session.status, redactionStatus: session.redaction?.status ?? null })) {
      throw new UserInputError(`adoptSessionId: ${id} is ${session.status}${session.redaction ? " and redacted" : ""}, so ${changed.join(", ")} cannot be changed; leave them unset or match the session`);
    }
    try {
      return { id: session.id, outs: toOutputs(await api.update(id, updateParams(baseline, desired), args.includeReportSummary), args, account) };
    } catch (error) {
      throw apiFailure("update (adopt)", id, error, apiKey);
    }
  }

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
