/**
 * Plain-text rendering of a harness summary, in the spirit of `pulumi up`'s output:
 * one line per step, then the stack outputs. Secrets are already `[secret]` in a summary.
 */
import type { Json, LogLine, Step, Summary } from "./types";

const SYMBOL: Record<Step["op"], string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " ", read: "~r" };

/** `VerificationSession` for `pulumi-nodejs:dynamic/stripe-identity:VerificationSession`. */
export function shortType(type: string): string {
  return type.split(/[:/]/).pop() ?? type;
}

export function formatStep(step: Step): string {
  const bits: string[] = [];
  if (step.op === "replace") bits.push(`replaces: ${(step.replaces ?? []).join(", ")}${step.deleteBeforeReplace ? " (delete first)" : ""}`);
  if (step.op === "update" && step.changedKeys?.length) bits.push(`changed: ${step.changedKeys.join(", ")}`);
  if (step.op === "read" && step.gone) bits.push("gone: dropped from state");
  else if (step.op === "read" && step.changedKeys?.length) bits.push(`drift: ${step.changedKeys.join(", ")}`);
  if (step.retained) bits.push("retained (retainOnDelete): left in place");
  const id = step.id ? ` ${step.id}` : "";
  return `${SYMBOL[step.op].padEnd(2)} ${shortType(step.type)} ${step.name}${id}${bits.length ? `  [${bits.join("; ")}]` : ""}`;
}

export function formatLog(line: LogLine): string {
  const who = line.urn ? ` ${line.urn.split("::").pop()}` : "";
  return `   ${line.level}(${line.source}${who}): ${line.message}`;
}

export function formatValue(value: Json): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The summary as lines of text; `same` steps and debug logs are left out unless `verbose`. */
export function formatSummary(summary: Summary, verbose = false, showOutputs = true): string[] {
  const lines: string[] = [];
  const shown = summary.steps.filter((s) => verbose || s.op !== "same");
  for (const step of shown) lines.push(formatStep(step));
  const counts = new Map<string, number>();
  for (const step of summary.steps) counts.set(step.op, (counts.get(step.op) ?? 0) + 1);
  lines.push(`${summary.operation}: ${[...counts].map(([op, n]) => `${n} ${op}`).join(", ") || "nothing to do"} (${(summary.elapsedMs / 1000).toFixed(1)} s)`);
  for (const log of summary.logs.filter((l) => verbose || (l.level !== "debug" && l.source === "provider"))) lines.push(formatLog(log));
  const outputs = Object.entries(summary.outputs);
  if (showOutputs && outputs.length > 0) {
    lines.push("outputs:");
    for (const [key, value] of outputs) lines.push(`   ${key}: ${formatValue(value)}`);
  }
  if (!summary.ok) lines.push(`error: ${summary.error}`);
  return lines;
}
