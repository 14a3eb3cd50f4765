/**
 * Facts about the values Pulumi hands a dynamic provider (inputs and state): plain JSON, in which
 * a value not known yet (an output of a resource still to be created, at preview) is a marker
 * string. Shared by the session and bulk-redaction providers' check and diff.
 */

/** Pulumi's marker for an unknown value (`unknownValue` in @pulumi/pulumi's runtime). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when the marker appears anywhere in `value` (bounded depth: args are never deep). */
export function containsUnknown(value: unknown, depth = 0): boolean {
  if (value === UNKNOWN) return true;
  if (depth > 20) return false;
  if (Array.isArray(value)) return value.some((v) => containsUnknown(v, depth + 1));
  if (isRecord(value)) return Object.values(value).some((v) => containsUnknown(v, depth + 1));
  return false;
}

/** The value at `path` in `root`, and whether a step on the way, or the value, is the marker. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): { value: unknown; unknown: boolean } {
  let value: unknown = root;
  for (const part of path) {
    if (value === UNKNOWN) return { value, unknown: true };
    if (!isRecord(value) && !Array.isArray(value)) return { value: undefined, unknown: false };
    value = (value as Record<PropertyKey, unknown>)[part as string];
  }
  return { value, unknown: value === UNKNOWN };
}

/** Structural equality for JSON-like values; unset and `undefined` are equal; unknown never equals. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameValue(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/** Keeps only plain-object values; Pulumi always passes objects, tests may not. */
export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** `filter.createdBefore` or `options.document.allowedTypes[1]` as a path of keys and indexes. */
function pathOf(property: string): PropertyKey[] {
  return property.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== "").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * Check failures as Pulumi prints them well. The engine prints a failure's value from the
 * top-level inputs only, so a nested property reads `value {<nil>}`; a nested failure carries no
 * property and a reason that names the field and the value it got.
 */
export function namedFailures(failures: readonly { property: string; reason: string }[], inputs: unknown): { property: string; reason: string }[] {
  return failures.map(({ property, reason }) => {
    // A top-level property prints with its value already.
    if (!/[.[]/.test(property)) return { property, reason };
    const at = valueAt(inputs, pathOf(property));
    const shown = at.value === undefined || at.unknown || /\bgot\b/.test(reason) ? "" : ` (got ${shownValue(at.value)})`;
    return { property: "", reason: `${property}${shown}: ${reason}` };
  });
}

/** A value as a check failure shows it: JSON where it can be (a bigint or a cycle cannot), else its type. */
function shownValue(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? typeof value).slice(0, 80);
  } catch {
    return typeof value;
  }
}
