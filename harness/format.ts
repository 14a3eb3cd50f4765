/**
 * Plain-text rendering of a harness summary, in the spirit of `pulumi up`'s output:
 * one line per step, then the stack outputs. Secrets are already `[secret]` in a summary.
 */
import type { Json, LogLine, Step, Summary } from "./types";

// Pulumi's own step glyphs (a refresh's read shows as `~`, as `pulumi refresh` prints it).
const SYMBOL: Record<Step["op"], string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " ", read: "~" };

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
  if (step.error) bits.push("failed");
  return `${SYMBOL[step.op].padEnd(2)} ${shortType(step.type)} ${step.name}${id}${bits.length ? `  [${bits.join("; ")}]` : ""}`;
}

export function formatLog(line: LogLine): string {
  const who = line.urn ? ` ${line.urn.split("::").pop()}` : "";
  return `   ${line.level}(${line.source}${who}): ${line.message}`;
}

export function formatValue(value: Json): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// Pulumi's own wording for its closing "Resources:" block (pkg/backend/display), per step op.
const PAST: Record<Step["op"], [string, string]> = {
  create: ["+ ", "created"],
  update: ["~ ", "updated"],
  replace: ["+-", "replaced"],
  delete: ["- ", "deleted"],
  read: ["~ ", "refreshed"],
  same: ["", "unchanged"],
};
const PLANNED: Record<Step["op"], [string, string]> = {
  create: ["+ ", "to create"],
  update: ["~ ", "to update"],
  replace: ["+-", "to replace"],
  delete: ["- ", "to delete"],
  read: ["~ ", "to refresh"],
  same: ["", "unchanged"],
};

/** `Resources:` with a line per kind of step, as `pulumi up` ends, then the duration (and errors). */
function resourceCounts(summary: Summary): string[] {
  const words = summary.operation === "preview" ? PLANNED : PAST;
  const counts = new Map<Step["op"], number>();
  for (const step of summary.steps.filter((s) => !s.error)) counts.set(step.op, (counts.get(step.op) ?? 0) + 1);
  const order: Step["op"][] = ["create", "update", "replace", "delete", "read", "same"];
  const lines = ["Resources:"];
  for (const op of order) {
    const n = counts.get(op);
    if (n) lines.push(`    ${words[op][0]}${n} ${words[op][1]}`);
  }
  const errored = summary.steps.filter((s) => s.error).length;
  if (errored) lines.push(`    ${errored} errored`);
  if (lines.length === 1) lines.push("    no changes");
  lines.push(`Duration: ${(summary.elapsedMs / 1000).toFixed(1)}s${summary.ok ? "" : ` (${summary.operation} failed)`}`);
  return lines;
}

/** The summary as lines of text; `same` steps and debug logs are left out unless `verbose`. */
export function formatSummary(summary: Summary, verbose = false, showOutputs = true): string[] {
  const lines: string[] = [];
  const shown = summary.steps.filter((s) => verbose || s.op !== "same");
  for (const step of shown) lines.push(formatStep(step));
  lines.push(...resourceCounts(summary));
  for (const log of summary.logs.filter((l) => verbose || (l.level !== "debug" && l.source === "provider"))) lines.push(formatLog(log));
  const outputs = Object.entries(summary.outputs);
  if (showOutputs && outputs.length > 0) {
    lines.push("outputs:");
    for (const [key, value] of outputs) lines.push(`   ${key}: ${formatValue(value)}`);
  }
  for (const error of summary.ok ? [] : summary.errors) lines.push(`error: ${error}`);
  return lines;
}
