/** What the gRPC server asks of each resource kind; plain values in and out (see ../properties.ts). */
import type { ConfigSource } from "../../provider/config";
import type { Logger } from "../../provider/log";
import { UNKNOWN } from "../../provider/values";
import type { PlainObject } from "../properties";

export type PropertyChangeKind = "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";

export interface DiffOutcome {
  changes: boolean;
  replaces: string[];
  /** Property path -> kind; `input`: the change is in the inputs (false: drift seen in outputs). */
  detailed: Record<string, { kind: PropertyChangeKind; input: boolean }>;
}

export interface CheckOutcome {
  inputs: PlainObject;
  failures: { property: string; reason: string }[];
}

export interface ReadOutcome {
  /** "" when the object is gone. */
  id: string;
  outputs: PlainObject;
  inputs: PlainObject;
}

export interface ResourceContext {
  urn: string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

export interface NativeResource {
  /** Outputs stored as secrets whatever the inputs were (the schema declares them secret). */
  readonly secretOutputs: readonly string[];
  configure(config: ConfigSource): Promise<void>;
  /**
   * What create (olds undefined) or update would store, for a preview: no API call. The engine
   * asks every plugin that answers its handshake to preview, so this is where "preview makes no
   * call" is kept on this face.
   */
  preview(olds: PlainObject | undefined, news: PlainObject): PlainObject;
  check(urn: string, olds: PlainObject, news: PlainObject): Promise<CheckOutcome>;
  diff(id: string, urn: string, olds: PlainObject, news: PlainObject): Promise<DiffOutcome>;
  create(urn: string, inputs: PlainObject): Promise<{ id: string; outputs: PlainObject }>;
  /** `state` empty: an import (`pulumi import`): the inputs come from the object. */
  read(id: string, urn: string, state: PlainObject, inputs: PlainObject): Promise<ReadOutcome>;
  update(id: string, urn: string, olds: PlainObject, news: PlainObject): Promise<PlainObject>;
  delete(id: string, urn: string, state: PlainObject): Promise<void>;
}

/** The inputs, with each computed output either as it was (`keep`) or unknown. */
export function previewOutputs(news: PlainObject, computed: readonly string[], keep: PlainObject | undefined): PlainObject {
  const outputs: PlainObject = { ...news };
  for (const key of computed) outputs[key] = keep && key in keep ? keep[key] : UNKNOWN;
  return outputs;
}

/** The kind of a changed property, from whether it was set before and after. */
export function changeKind(before: unknown, after: unknown, replace: boolean): PropertyChangeKind {
  const base = before === undefined ? "add" : after === undefined ? "delete" : "update";
  return replace ? `${base}-replace` : base;
}
