/**
 * Pulumi's wire conventions for property values (see @pulumi/pulumi/runtime/rpc): special objects
 * carry a signature key; an unknown value (preview) is a fixed sentinel string. Kept here as
 * constants rather than imported so the harness never loads a second copy of @pulumi/pulumi.
 */
import type { Json, JsonObject } from "./types";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type SecretNode = { [key: string]: Json; value: Json };

export function isSecret(node: Json | undefined): node is SecretNode {
  return node !== null && typeof node === "object" && !Array.isArray(node) && node[SIG_KEY] === SECRET_SIG && "value" in node;
}

export function secret(value: Json): SecretNode {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * Rebuilds a value top-down: `fn` returns a replacement for a node, or undefined to keep walking
 * into it.
 */
export function mapJson(value: Json, fn: (node: Json) => Json | undefined): Json {
  const replaced = fn(value);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(value)) return value.map((v) => mapJson(v, fn));
  if (value !== null && typeof value === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapJson(v, fn);
    return out;
  }
  return value;
}

/** Drops every secret wrapper (what the engine sends a provider that does not accept secrets). */
export function unwrapSecrets(value: Json): Json {
  return mapJson(value, (node) => (isSecret(node) ? unwrapSecrets(node.value) : undefined));
}

export function unwrapObject(value: JsonObject): JsonObject {
  return unwrapSecrets(value) as JsonObject;
}

/** Top-level keys whose value is (or contains) a secret: the engine marks those outputs secret too. */
export function secretKeys(value: JsonObject): string[] {
  return Object.keys(value).filter((k) => containsSecret(value[k]));
}

export function containsSecret(value: Json): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
  return false;
}

export function containsUnknown(value: Json): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** Wraps the listed top-level keys as secrets (values already secret stay as they are). */
export function markSecret(value: JsonObject, keys: Iterable<string>): JsonObject {
  const out: JsonObject = { ...value };
  for (const key of keys) {
    if (key in out && !isSecret(out[key]) && out[key] !== UNKNOWN) out[key] = secret(unwrapSecrets(out[key]));
  }
  return out;
}

export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

/** Top-level keys whose values differ. */
export function changedKeys(olds: JsonObject, news: JsonObject, ignore: string[] = []): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !ignore.includes(k) && !deepEqual(olds[k], news[k])).sort();
}

/** For people: secrets read `[secret]`, unknowns `[unknown]`. */
export function display(value: Json): Json {
  return mapJson(value, (node) => (isSecret(node) ? "[secret]" : node === UNKNOWN ? "[unknown]" : undefined));
}

/** protobuf Struct cannot carry `undefined`; JSON round-trip drops it as the SDK does. */
export function toJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value ?? {})) as JsonObject;
}
