/**
 * The engine's step rules for dynamic resources, as the Pulumi engine applies them:
 * register -> check -> diff -> same | create | update | replace (create-before-delete unless
 * deleteBeforeReplace), deletes of resources the program no longer declares at the end of `up`,
 * `protect` and `retainOnDelete`, refresh (read; gone -> dropped) and destroy (reverse dependency
 * order). Steps run one at a time, so provider log lines belong to the step that was running.
 *
 * Values crossing to the provider are unwrapped (the dynamic provider answers Configure with
 * acceptSecrets=false, so the engine strips secrets); outputs come back marked secret where the
 * input was secret or the resource listed them in `additionalSecretOutputs`.
 */
import type { ProviderClient, ResourceRef } from "./provider-client";
import type { ResourceState, StackState, StateStore } from "./state";
import { STACK_TYPE, isDynamic, stateEntry, urnOf, type Registration } from "./registration";
import type { JsonObject, LogLine, Operation, Step } from "./types";
import { changedKeys, markSecret, secretKeys, unwrapObject } from "./wire";

export interface EngineOptions {
  operation: Operation;
  project: string;
  stack: string;
  state: StackState;
  store: StateStore;
  provider: () => Promise<ProviderClient>;
  log: (line: LogLine) => void;
  /** Runs before each resource step; throws to refuse it (the runner's one-copy check). */
  guard?: () => void;
}

export class StepError extends Error {}
export { DYNAMIC_TYPE, STACK_TYPE, isDynamic, type Registration } from "./registration";

export class Engine {
  readonly steps: Step[] = [];
  readonly errors: string[] = [];
  /** Resources of the previous state not (yet) seen in this run, in their old order. */
  private olds: ResourceState[];
  private readonly registered: ResourceState[] = [];
  private stackOutputs: JsonObject;
  private queue: Promise<unknown> = Promise.resolve();
  private current: string | undefined;
  /** Urns the program declared in this run (a preview keeps `olds` untouched). */
  private readonly seen = new Set<string>();

  constructor(private readonly opts: EngineOptions) {
    this.olds = [...opts.state.resources];
    this.stackOutputs = opts.state.outputs;
  }

  /** Starts the provider process ahead of the first step; a failure surfaces at that step. */
  startProvider(): void {
    this.opts.provider().catch(() => undefined);
  }

  get preview(): boolean {
    return this.opts.operation === "preview";
  }

  /** The urn of the step running now, for log attribution. */
  get currentUrn(): string | undefined {
    return this.current;
  }

  urnFor(type: string, name: string, parent: string): string {
    return urnOf(this.opts.stack, this.opts.project, type, name, parent);
  }

  /** One resource registration from the program; answers with the outputs the program sees. */
  register(reg: Registration): Promise<{ urn: string; id: string; object: JsonObject }> {
    return this.serial(async () => {
      const urn = this.urnFor(reg.type, reg.name, reg.parent);
      this.current = urn;
      this.seen.add(urn);
      try {
        if (!reg.custom) return this.registerComponent(urn, reg);
        if (!isDynamic(reg.type)) throw new StepError(`${urn}: the harness runs dynamic resources only, not ${reg.type}`);
        return await this.registerDynamic(urn, reg);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.errors.push(message);
        // The step that was running failed: say so on it, as the engine's failed step does.
        const last = this.steps[this.steps.length - 1];
        if (last?.urn === urn && last.error === undefined) last.error = message;
        throw error;
      } finally {
        this.current = undefined;
      }
    });
  }

  registerOutputs(urn: string, outputs: JsonObject): void {
    if (urn.split("::")[2] === STACK_TYPE) this.stackOutputs = outputs;
    const entry = this.registered.find((r) => r.urn === urn);
    if (entry) entry.outputs = outputs;
    this.save();
  }

  private registerComponent(urn: string, reg: Registration): { urn: string; id: string; object: JsonObject } {
    const old = this.takeOld(urn);
    this.steps.push({ urn, type: reg.type, name: reg.name, op: old ? "same" : "create" });
    this.registered.push(this.entry(urn, reg, { custom: false, inputs: reg.inputs, outputs: old?.outputs ?? {} }));
    this.save();
    return { urn, id: "", object: {} };
  }

  private async registerDynamic(urn: string, reg: Registration): Promise<{ urn: string; id: string; object: JsonObject }> {
    this.opts.guard?.();
    const ref: ResourceRef = { urn, type: reg.type, name: reg.name };
    const old = this.olds.find((r) => r.urn === urn && !r.pendingDelete);
    const news: JsonObject = { ...reg.inputs };
    for (const key of old ? reg.ignoreChanges : []) {
      if (key in old!.inputs) news[key] = old!.inputs[key];
      else delete news[key];
    }
    const inputSecrets = secretKeys(news);
    const provider = await this.opts.provider();
    const checked = await this.check(provider, ref, old ? unwrapObject(old.inputs) : {}, unwrapObject(news));
    const inputs = markSecret(checked.inputs, inputSecrets);
    const outputSecrets = [...inputSecrets, ...reg.additionalSecretOutputs];

    if (!old) {
      this.steps.push({ urn, type: reg.type, name: reg.name, op: "create", changedKeys: Object.keys(checked.inputs).sort() });
      if (this.preview) return { urn, id: "", object: inputs };
      const created = await provider.create(ref, checked.inputs);
      const entry = this.entry(urn, reg, { id: created.id, inputs, outputs: markSecret(created.outputs, outputSecrets) });
      this.takeOld(urn);
      this.registered.push(entry);
      this.steps[this.steps.length - 1].id = created.id;
      this.save();
      return { urn, id: created.id, object: entry.outputs };
    }

    const diff = await provider.diff(ref, old.id ?? "", unwrapObject(old.outputs), checked.inputs, unwrapObject(old.inputs));
    const changed = changedKeys(unwrapObject(old.inputs), checked.inputs);
    let op: "same" | "update" | "replace" =
      diff.changes === "none" ? "same" : diff.changes === "some" ? "update" : changed.length > 0 ? "update" : "same";
    const replaces = [...diff.replaces, ...changed.filter((k) => reg.replaceOnChanges.includes(k) || reg.replaceOnChanges.includes("*"))];
    if (op !== "same" && replaces.length > 0) op = "replace";
    const dbr = reg.deleteBeforeReplace || diff.deleteBeforeReplace;
    const step: Step = { urn, type: reg.type, name: reg.name, op, id: old.id, changedKeys: changed };
    if (op === "replace") Object.assign(step, { replaces: [...new Set(replaces)], deleteBeforeReplace: dbr });
    this.steps.push(step);
    if (op === "replace" && (old.protect || reg.protect)) {
      throw new StepError(`${reg.name} (${urn}): cannot replace a protected resource; remove \`protect\` first`);
    }

    if (op === "same") {
      const entry = this.entry(urn, reg, { id: old.id, inputs, outputs: old.outputs });
      if (!this.preview) {
        this.takeOld(urn);
        this.registered.push(entry);
        this.save();
      }
      return { urn, id: old.id ?? "", object: old.outputs };
    }
    if (this.preview) return { urn, id: op === "update" ? (old.id ?? "") : "", object: inputs };

    if (op === "update") {
      const outs = await provider.update(ref, old.id ?? "", unwrapObject(old.outputs), checked.inputs, unwrapObject(old.inputs));
      const entry = this.entry(urn, reg, { id: old.id, inputs, outputs: markSecret(outs, [...outputSecrets, ...secretKeys(old.outputs)]) });
      this.takeOld(urn);
      this.registered.push(entry);
      this.save();
      return { urn, id: old.id ?? "", object: entry.outputs };
    }

    // replace: the engine checks the new inputs again with no olds, as for a new resource, and
    // creates from that. Delete first only when asked; otherwise the old one waits for the end of
    // the run (and stays as it is if the create fails).
    const fresh = await this.check(provider, ref, {}, unwrapObject(news));
    if (dbr) await this.deleteOne(old, "replace");
    const created = await provider.create(ref, fresh.inputs);
    if (!dbr) old.pendingDelete = true;
    const entry = this.entry(urn, reg, { id: created.id, inputs, outputs: markSecret(created.outputs, outputSecrets) });
    this.registered.push(entry);
    step.id = created.id;
    this.save();
    return { urn, id: created.id, object: entry.outputs };
  }

  private async check(provider: ProviderClient, ref: ResourceRef, olds: JsonObject, news: JsonObject): Promise<{ inputs: JsonObject }> {
    const checked = await provider.check(ref, olds, news);
    if (checked.failures.length > 0) {
      const why = checked.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; ");
      throw new StepError(`${ref.name} (${ref.urn}): check failed: ${why}`);
    }
    return checked;
  }

  /** End of `up`/`preview`: delete replaced resources and those the program no longer declares. */
  async finish(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.errors.length > 0) return;
    const toDelete = [...this.olds].reverse().filter((r) => r.pendingDelete || !this.seen.has(r.urn));
    const protectedOne = toDelete.find((r) => !r.pendingDelete && r.protect);
    if (protectedOne) {
      this.errors.push(`${protectedOne.urn}: cannot delete a protected resource; remove \`protect\` and run up, then remove the resource`);
      return;
    }
    for (const old of toDelete) {
      if (this.preview) {
        if (!old.pendingDelete) this.steps.push({ urn: old.urn, type: old.type, name: old.name, op: "delete", id: old.id, retained: old.retainOnDelete || undefined });
        continue;
      }
      await this.serial(() => this.deleteOne(old, old.pendingDelete ? "replace" : "remove"));
    }
    if (!this.preview) this.save();
  }

  async refresh(): Promise<void> {
    for (const old of [...this.olds]) {
      if (!old.custom || !old.id) continue;
      this.current = old.urn;
      try {
        const provider = await this.opts.provider();
        const ref = { urn: old.urn, type: old.type, name: old.name };
        const read = await provider.read(ref, old.id, unwrapObject(old.outputs), unwrapObject(old.inputs));
        // The engine then diffs the refreshed state against the inputs (for its display); the
        // provider sees that call too.
        if (read) await provider.diff(ref, read.id, read.outputs, unwrapObject(old.inputs), unwrapObject(old.inputs));
        if (!read) {
          this.olds = this.olds.filter((r) => r !== old);
          this.steps.push({ urn: old.urn, type: old.type, name: old.name, op: "read", id: old.id, gone: true });
        } else {
          const keys = [...secretKeys(old.outputs), ...(old.additionalSecretOutputs ?? [])];
          const changed = changedKeys(unwrapObject(old.outputs), read.outputs);
          old.outputs = markSecret(read.outputs, keys);
          if (read.inputs) old.inputs = markSecret(read.inputs, secretKeys(old.inputs));
          old.id = read.id;
          this.steps.push({ urn: old.urn, type: old.type, name: old.name, op: "read", id: read.id, changedKeys: changed });
        }
        this.save();
      } finally {
        this.current = undefined;
      }
    }
  }

  async destroy(): Promise<void> {
    // The engine's preview of a destroy refuses any protected resource, so nothing is deleted.
    const protectedOnes = this.olds.filter((r) => r.protect && !r.pendingDelete);
    if (protectedOnes.length > 0) {
      throw new StepError(`cannot destroy: protected resources ${protectedOnes.map((r) => r.urn).join(", ")}; remove \`protect\` and run up first`);
    }
    // As the engine does (without --continue-on-error): the first failed delete stops the run; the
    // failed resource and everything not yet deleted stay in state for a later destroy.
    for (const old of [...this.olds].reverse()) await this.deleteOne(old, "remove");
    this.stackOutputs = {};
    this.save();
  }

  private async deleteOne(old: ResourceState, why: "remove" | "replace"): Promise<void> {
    this.current = old.urn;
    try {
      const step: Step = { urn: old.urn, type: old.type, name: old.name, op: "delete", id: old.id };
      // A replaced resource's delete is part of its replace step, not a step of its own.
      if (why === "remove") this.steps.push(step);
      if (old.custom && old.id && old.retainOnDelete) step.retained = true;
      else if (old.custom && old.id) {
        const provider = await this.opts.provider();
        try {
          await provider.delete({ urn: old.urn, type: old.type, name: old.name }, old.id, unwrapObject(old.outputs), unwrapObject(old.inputs));
        } catch (error) {
          step.error = error instanceof Error ? error.message : String(error);
          throw error;
        }
      }
      this.olds = this.olds.filter((r) => r !== old);
      this.save();
    } finally {
      this.current = undefined;
    }
  }

  private takeOld(urn: string): ResourceState | undefined {
    const old = this.olds.find((r) => r.urn === urn && !r.pendingDelete);
    if (old) this.olds = this.olds.filter((r) => r !== old);
    return old;
  }

  private entry(urn: string, reg: Registration, values: Partial<ResourceState>): ResourceState {
    return stateEntry(urn, reg, values);
  }

  /** The state as of now: this run's resources, then the old ones still to be handled. */
  snapshot(): StackState {
    return { ...this.opts.state, resources: [...this.registered, ...this.olds], outputs: this.stackOutputs };
  }

  private save(): void {
    if (!this.preview) this.opts.store.save(this.snapshot());
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
