/**
 * VerificationSession on the native face: the core's session provider (provider/session/) for
 * create, read, update and delete; its pure diff (planDiff) for the detailed diff; and import,
 * which the dynamic face cannot offer: a session read with no state becomes inputs a program can
 * declare, so the next `up` shows no change.
 */
import { resolveConfig, requireApiKey, type ConfigSource, type ProviderConfig } from "../../provider/config";
import { UserInputError } from "../../provider/errors";
import { realSleep } from "../../provider/stripe/backoff";
import { createStripeClient } from "../../provider/stripe/client";
import { isResourceMissing } from "../../provider/stripe/errors";
import { apiFailure, sessionApi, type ApiSession } from "../../provider/session/api";
import { asRecord, planDiff } from "../../provider/session/diff";
import { argsOfState, changedUpdatableFields, sessionAsArgs, toOutputs } from "../../provider/session/mapping";
import { SessionProvider } from "../../provider/session/provider";
import { SessionArgs, SessionComputedShape, TAG_KEYS } from "../../provider/session/schema";
import type { PlainObject } from "../properties";
import { parseUrn } from "../urn";
import { changeKind, previewOutputs, type CheckOutcome, type DiffOutcome, type NativeResource, type ReadOutcome, type ResourceContext } from "./types";

/** Outputs that replace because of drift, not because an input changed. */
const DRIFT_FIELDS = new Set(["status", "redactionStatus"]);

/** Drops empty objects (Stripe answers `options: { document: {} }` for a session made with none). */
function withoutEmpty(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const kept = Object.entries(value).map(([k, v]) => [k, withoutEmpty(v)] as const).filter(([, v]) => v !== undefined);
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

/**
 * The args a program would declare for an existing session: what it has set (the provider's own
 * tag and empty option objects left out), so adopting it with these args is no change at all.
 */
export function importedArgs(session: ApiSession): PlainObject {
  const args: PlainObject = {};
  for (const [key, value] of Object.entries(sessionAsArgs(session))) {
    const kept = withoutEmpty(value);
    if (kept !== undefined) args[key] = kept;
  }
  if (session.type === "document" || session.type === "id_number") args.type = session.type;
  const tagKeys = new Set<string>(Object.values(TAG_KEYS));
  const metadata = Object.entries(session.metadata ?? {}).filter(([key]) => !tagKeys.has(key));
  if (metadata.length > 0) args.metadata = Object.fromEntries(metadata);
  else delete args.metadata;
  return args;
}

/** Detailed diff of the plan: what replaces, what updates, and drift seen in outputs. */
export function sessionDiff(id: string, olds: PlainObject, news: PlainObject): DiffOutcome & { drift?: string } {
  const plan = planDiff(id, olds, news);
  const oldArgs = argsOfState(olds);
  const newArgs = argsOfState(news);
  const detailed: DiffOutcome["detailed"] = {};
  for (const field of plan.replaces) {
    const input = !DRIFT_FIELDS.has(field);
    detailed[field] = { kind: input ? changeKind(oldArgs[field], newArgs[field], true) : "update-replace", input };
  }
  const updated = [...plan.updates, ...plan.lifecycle, ...changedUpdatableFields(oldArgs, newArgs)];
  for (const field of updated) {
    if (detailed[field]) continue;
    detailed[field] = { kind: changeKind(olds[field], news[field], plan.replaces.length > 0), input: true };
  }
  return { changes: plan.changes, replaces: plan.replaces, detailed, drift: plan.drift };
}

export class SessionResource implements NativeResource {
  readonly secretOutputs = ["clientSecret", "url"] as const;
  private core: SessionProvider;
  private config: ProviderConfig | undefined;

  constructor(private readonly context: Omit<ResourceContext, "urn">) {
    this.core = new SessionProvider({ logger: context.logger, env: context.env });
  }

  async configure(source: ConfigSource): Promise<void> {
    this.config = resolveConfig(source, this.context.env);
    await this.core.configure({ config: source });
  }

  preview(olds: PlainObject | undefined, news: PlainObject): PlainObject {
    // An update keeps the session (a replace previews as a create): what Stripe said stays known.
    return previewOutputs(news, Object.keys(SessionComputedShape), olds);
  }

  async check(urn: string, _olds: PlainObject, news: PlainObject): Promise<CheckOutcome> {
    // The tag the dynamic SDK sends as a hidden input comes from the URN here.
    const parts = parseUrn(urn);
    const withTag = news.pulumiTag === undefined && parts ? { ...news, pulumiTag: { project: parts.project, stack: parts.stack, resource: parts.name } } : news;
    const result = await this.core.check({}, withTag);
    return { inputs: asRecord(result.inputs), failures: (result.failures ?? []).map((f) => ({ property: f.property, reason: f.reason })) };
  }

  async diff(id: string, _urn: string, olds: PlainObject, news: PlainObject): Promise<DiffOutcome> {
    const outcome = sessionDiff(id, olds, news);
    if (outcome.drift && outcome.replaces.length > 0) this.context.logger.warn(`${id}: ${outcome.drift}; the next up replaces it (recreateOnCanceled)`);
    return outcome;
  }

  async create(_urn: string, inputs: PlainObject): Promise<{ id: string; outputs: PlainObject }> {
    const result = await this.core.create(inputs);
    return { id: result.id, outputs: asRecord(result.outs) };
  }

  async read(id: string, _urn: string, state: PlainObject, inputs: PlainObject): Promise<ReadOutcome> {
    if (Object.keys(state).length === 0) return this.importSession(id);
    const result = await this.core.read(id, state);
    if (!result.id) return { id: "", outputs: {}, inputs: {} };
    const outputs = asRecord(result.props);
    return { id: result.id, outputs, inputs: Object.keys(inputs).length > 0 ? inputs : argsOfState(outputs) };
  }

  async update(id: string, _urn: string, olds: PlainObject, news: PlainObject): Promise<PlainObject> {
    return asRecord((await this.core.update(id, olds, news)).outs);
  }

  async delete(id: string, _urn: string, state: PlainObject): Promise<void> {
    await this.core.delete(id, state);
  }

  private async importSession(id: string): Promise<ReadOutcome> {
    if (!/^vs_[A-Za-z0-9_]+$/.test(id)) throw new UserInputError(`cannot import "${id}": expected a VerificationSession id like vs_...`);
    const config = this.config ?? resolveConfig(undefined, this.context.env);
    const apiKey = requireApiKey(config);
    const account = config.stripeAccount ?? null;
    const stripe = createStripeClient({ apiKey, apiBase: config.apiBase, maxNetworkRetries: config.maxNetworkRetries, stripeAccount: account ?? undefined });
    let session: ApiSession;
    try {
      session = await sessionApi(stripe, realSleep).retrieve(id, false);
    } catch (error) {
      if (isResourceMissing(error)) return { id: "", outputs: {}, inputs: {} };
      throw apiFailure("retrieve (import)", id, error, apiKey);
    }
    const inputs = importedArgs(session);
    const args = SessionArgs.parse(inputs);
    return { id: session.id, outputs: { ...toOutputs(session, args, account) }, inputs };
  }
}
