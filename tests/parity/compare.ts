import { Json, Observation } from "./normalize";

/**
 * Step-by-step comparison of two runs' observations. Steps are matched by name; a step skipped
 * on either side (emulator-only on Stripe) is listed, not compared; a step only one run reached
 * is a difference. Values are compared leaf by leaf; arrays of strings (key sets) as a whole.
 */
export interface Difference {
  step: string;
  /** e.g. `status`, `error.code`, `object.data[1].status`; "" when the step is missing on one side. */
  path: string;
  left: Json | undefined;
  right: Json | undefined;
}

export interface Comparison {
  compared: number;
  skipped: string[];
  differences: Difference[];
}

function comparable(o: Observation): Json {
  const { step: _step, emulatorOnly: _emulatorOnly, ...rest } = o;
  return JSON.parse(JSON.stringify(rest)) as Json;
}

function isRecord(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function diffValues(step: string, path: string, left: Json | undefined, right: Json | undefined, out: Difference[]): void {
  const join = (key: string) => (path === "" ? key : `${path}.${key}`);
  if (isRecord(left) && isRecord(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    for (const key of keys) diffValues(step, join(key), left[key], right[key], out);
    return;
  }
  const strings = (v: Json | undefined) => Array.isArray(v) && v.every((x) => typeof x === "string");
  if (Array.isArray(left) && Array.isArray(right) && !(strings(left) && strings(right))) {
    const n = Math.max(left.length, right.length);
    for (let i = 0; i < n; i++) diffValues(step, `${path}[${i}]`, left[i], right[i], out);
    return;
  }
  if (JSON.stringify(left) !== JSON.stringify(right)) out.push({ step, path, left, right });
}

export function compareObservations(left: readonly Observation[], right: readonly Observation[]): Comparison {
  const rightByStep = new Map(right.map((o) => [o.step, o]));
  const leftSteps = new Set(left.map((o) => o.step));
  const result: Comparison = { compared: 0, skipped: [], differences: [] };
  for (const l of left) {
    const r = rightByStep.get(l.step);
    if (!r) {
      result.differences.push({ step: l.step, path: "", left: comparable(l), right: undefined });
    } else if (l.skipped || r.skipped) {
      result.skipped.push(l.step);
    } else {
      result.compared++;
      diffValues(l.step, "", comparable(l), comparable(r), result.differences);
    }
  }
  for (const r of right) {
    if (!leftSteps.has(r.step)) result.differences.push({ step: r.step, path: "", left: undefined, right: comparable(r) });
  }
  return result;
}

function show(v: Json | undefined): string {
  return v === undefined ? "(step not run)" : JSON.stringify(v);
}

/** Human-readable diff, grouped by step in script order. */
export function formatComparison(c: Comparison, leftName: string, rightName: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const d of c.differences) {
    if (d.step !== current) {
      current = d.step;
      lines.push(`step ${d.step}:`);
    }
    lines.push(`  ${d.path || "(whole step)"}`);
    lines.push(`    - ${leftName}: ${show(d.left)}`);
    lines.push(`    + ${rightName}: ${show(d.right)}`);
  }
  const verdict = c.differences.length === 0 ? "no differences" : `${new Set(c.differences.map((d) => d.step)).size} step(s) differ`;
  lines.push(`${c.compared} step(s) compared, ${c.skipped.length} skipped (emulator-only), ${verdict}`);
  return lines;
}
