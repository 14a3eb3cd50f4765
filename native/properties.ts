/**
 * Values between the engine's wire form (a protobuf Struct as plain JSON, secrets as signature
 * objects) and the plain objects the core's providers take. The core never sees a secret wrapper;
 * what was secret going in, and the outputs the schema declares secret, go back out as secrets.
 */
import { isRecord } from "../provider/values";

/** Pulumi's signature key and the signature of a secret (`specialSigKey`, `specialSecretSig`). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type PlainObject = Record<string, unknown>;

function isSecret(value: unknown): value is { value: unknown } {
  return isRecord(value) && value[SIG_KEY] === SECRET_SIG;
}

function reveal(value: unknown): unknown {
  if (isSecret(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  return value;
}

function holdsSecret(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (isRecord(value)) return Object.values(value).some(holdsSecret);
  return false;
}

export interface Revealed {
  values: PlainObject;
  /** Top-level properties that held a secret anywhere inside: they go back out whole as secrets. */
  secretKeys: Set<string>;
}

/** Wire properties as plain values, remembering which top-level properties were secret. */
export function revealProperties(wire: PlainObject | undefined): Revealed {
  const values: PlainObject = {};
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(wire ?? {})) {
    if (holdsSecret(value)) secretKeys.add(key);
    values[key] = reveal(value);
  }
  return { values, secretKeys };
}

export function secret(value: unknown): PlainObject {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * Plain values back to the wire: `undefined` dropped (a Struct has no such value), and each key in
 * `secretKeys` wrapped as a secret (null stays null: nothing to hide, and the SDKs type it so).
 */
export function concealProperties(values: PlainObject, secretKeys: Iterable<string>): PlainObject {
  const secrets = new Set(secretKeys);
  const wire: PlainObject = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    wire[key] = secrets.has(key) && value !== null ? secret(value) : value;
  }
  return JSON.parse(JSON.stringify(wire)) as PlainObject;
}
