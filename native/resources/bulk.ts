/**
 * BulkRedaction on the native face: a custom resource whose state records its runs, served by the
 * core's provider (provider/redaction/). It is a policy, not an object in Stripe: nothing to import.
 */
import type { ConfigSource } from "../../provider/config";
import { UserInputError } from "../../provider/errors";
import { asRecord } from "../../provider/session/diff";
import { DIFFED_FIELDS, OUTPUT_FIELDS } from "../../provider/redaction/inputs";
import { BulkRedactionProvider } from "../../provider/redaction/provider";
import { sameValue } from "../../provider/values";
import type { PlainObject } from "../properties";
import { parseUrn } from "../urn";
import { changeKind, previewOutputs, type CheckOutcome, type DiffOutcome, type NativeResource, type ReadOutcome, type ResourceContext } from "./types";

export const NOT_IMPORTABLE =
  "BulkRedaction cannot be imported: it is a policy (which sessions to redact or cancel, and when), not an object in Stripe. Declare it in the program instead";

export function bulkDetailedDiff(olds: PlainObject, news: PlainObject, replaces: readonly string[]): DiffOutcome["detailed"] {
  const detailed: DiffOutcome["detailed"] = {};
  for (const field of DIFFED_FIELDS) {
    if (sameValue(olds[field], news[field])) continue;
    detailed[field] = { kind: changeKind(olds[field], news[field], replaces.includes(field)), input: true };
  }
  return detailed;
}

export class BulkRedactionResource implements NativeResource {
  readonly secretOutputs = [] as const;
  private core: BulkRedactionProvider;

  constructor(context: Omit<ResourceContext, "urn">) {
    this.core = new BulkRedactionProvider({ logger: context.logger, env: context.env });
  }

  async configure(source: ConfigSource): Promise<void> {
    await this.core.configure({ config: source });
  }

  preview(_olds: PlainObject | undefined, news: PlainObject): PlainObject {
    // A run's counts are known only once it ran.
    return previewOutputs(news, [...OUTPUT_FIELDS], undefined);
  }

  async check(urn: string, olds: PlainObject, news: PlainObject): Promise<CheckOutcome> {
    // The name in log lines: the dynamic SDK passes it as an arg; here the URN says it.
    const name = parseUrn(urn)?.name;
    const withName = news.resourceName === undefined && name ? { ...news, resourceName: name } : news;
    const result = await this.core.check(olds, withName);
    return { inputs: asRecord(result.inputs), failures: (result.failures ?? []).map((f) => ({ property: f.property, reason: f.reason })) };
  }

  async diff(id: string, _urn: string, olds: PlainObject, news: PlainObject): Promise<DiffOutcome> {
    const result = await this.core.diff(id, olds, news);
    const replaces = result.replaces ?? [];
    const detailed = bulkDetailedDiff(olds, news, replaces);
    // everyUp: a change with no changed field; name runOn so the preview says why.
    if (result.changes && Object.keys(detailed).length === 0) detailed.runOn = { kind: "update", input: true };
    return { changes: result.changes === true, replaces, detailed };
  }

  async create(_urn: string, inputs: PlainObject): Promise<{ id: string; outputs: PlainObject }> {
    const result = await this.core.create(inputs);
    return { id: result.id, outputs: asRecord(result.outs) };
  }

  async read(id: string, _urn: string, state: PlainObject, inputs: PlainObject): Promise<ReadOutcome> {
    if (Object.keys(state).length === 0) throw new UserInputError(NOT_IMPORTABLE);
    const result = await this.core.read(id, state);
    const outputs = asRecord(result.props);
    const known = Object.keys(inputs).length > 0 ? inputs : Object.fromEntries(Object.entries(outputs).filter(([key]) => !(OUTPUT_FIELDS as readonly string[]).includes(key)));
    return { id: result.id || id, outputs, inputs: known };
  }

  async update(id: string, _urn: string, olds: PlainObject, news: PlainObject): Promise<PlainObject> {
    return asRecord((await this.core.update(id, olds, news)).outs);
  }

  async delete(id: string, _urn: string, state: PlainObject): Promise<void> {
    await this.core.delete(id, state);
  }
}
