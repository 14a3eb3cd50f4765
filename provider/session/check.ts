/**
 * check(): validates the resource's args with the zod schema and reports one failure per bad field,
 * path first (`options.document.allowedTypes[1]: expected one of ...`). It never throws for user
 * input, and skips values Pulumi does not know yet at preview (they are checked at apply).
 */
import type { z } from "zod";
import { containsUnknown, isRecord, valueAt } from "../values";
import { SessionArgs } from "./schema";

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckOutcome {
  /** The args with defaults filled in when valid; the args as given otherwise (or when unknowns remain). */
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

/** `["options","document","allowedTypes",1]` -> `options.document.allowedTypes[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === "object") return "an object";
  return typeof value === "number" || typeof value === "boolean" ? `${typeof value} ${String(value)}` : typeof value;
}

function failuresOf(issue: z.core.$ZodIssue, input: unknown): CheckFailure[] {
  const property = formatPath(issue.path);
  const at = valueAt(input, issue.path);
  if (at.unknown) return [];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ property: formatPath([...issue.path, key]), reason: "unknown field" }));
    case "invalid_value":
      return [{ property, reason: `expected one of ${issue.values.map(String).join(", ")}, got ${describe(at.value)}` }];
    case "invalid_key":
      return [{ property, reason: issue.issues.map((inner) => inner.message).join("; ") }];
    case "invalid_type":
      if (issue.expected === "int") return [{ property, reason: `expected a whole number, got ${describe(at.value)}` }];
      return [
        {
          property,
          reason: at.value === undefined ? `required (expected ${issue.expected})` : `expected ${issue.expected}, got ${describe(at.value)}`,
        },
      ];
    default:
      return [{ property, reason: issue.message.replace(/^Invalid input: /, "") }];
  }
}

/** Where the SDK puts the resource's tag: a `__` key, which Pulumi never shows in a diff. */
export const HIDDEN_TAG = "__pulumiTag";

/**
 * Pulumi's own keys (`__provider`, ...) are not args; they pass through untouched. The hidden tag
 * is read as the `pulumiTag` arg (state from before it was hidden has `pulumiTag` itself).
 */
export function userArgs(news: Record<string, unknown>): Record<string, unknown> {
  const args = Object.fromEntries(Object.entries(news).filter(([key]) => !key.startsWith("__")));
  if (news[HIDDEN_TAG] !== undefined) args.pulumiTag = news[HIDDEN_TAG];
  return args;
}

/** Inputs as Pulumi should store them: the tag under its hidden key only. */
function withHiddenTag(inputs: Record<string, unknown>, news: Record<string, unknown>): Record<string, unknown> {
  if (news[HIDDEN_TAG] === undefined) return inputs;
  const { pulumiTag: _tag, ...rest } = inputs;
  return rest;
}

export function checkArgs(news: unknown): CheckOutcome {
  if (!isRecord(news)) {
    return { inputs: {}, failures: [{ property: "", reason: `expected an object of arguments, got ${describe(news)}` }] };
  }
  try {
    const args = userArgs(news);
    const parsed = SessionArgs.safeParse(args);
    if (parsed.success) {
      return { inputs: containsUnknown(args) ? news : withHiddenTag({ ...news, ...parsed.data }, news), failures: [] };
    }
    const failures = parsed.error.issues.flatMap((issue) => failuresOf(issue, args));
    return { inputs: news, failures };
  } catch (error) {
    // Defensive: a value zod cannot even inspect (e.g. a throwing getter) is still a check failure.
    return { inputs: news, failures: [{ property: "", reason: `could not validate the arguments: ${error instanceof Error ? error.message : String(error)}` }] };
  }
}
