/**
 * BulkRedaction's args (docs/architecture.md, "Public contract") as a zod schema, and `checkBulkArgs`, the pure body of
 * the provider's check(): field-named failures, never a throw for user input, and values Pulumi
 * does not know yet (preview) skipped rather than reported.
 */
import { z } from "zod";
import { STRIPE_ACCOUNT_ID, STRIPE_ACCOUNT_RULE } from "../config";
import { UserInputError } from "../errors";
import { containsUnknown, valueAt } from "../values";
import { compileFilter, EmptyRangeError, RedactionFilter, reservedKeyProblem, UNBOUNDED_MESSAGE } from "./filter";
import type { BulkAction as PlanAction } from "./plan";

export const RUN_PHASES = ["create", "update", "destroy"] as const;
export const RunPhase = z.enum(RUN_PHASES);
export type RunPhase = z.infer<typeof RunPhase>;
/**
 * `runOn` entries: the phases, and `everyUp`: at create and on every later `pulumi up`, whether or
 * not anything in the program changed (diff reports a change every time, so preview shows it).
 */
export const RUN_ON = [...RUN_PHASES, "everyUp"] as const;
export const RunOn = z.enum(RUN_ON);
export type RunOn = z.infer<typeof RunOn>;

/** Whether a run happens in this phase, for these `runOn` entries. */
export function runsOn(runOn: readonly RunOn[], phase: RunPhase): boolean {
  return runOn.includes(phase) || (phase !== "destroy" && runOn.includes("everyUp"));
}

export const BulkAction = z.enum(["redact", "cancel"]);
// Compile-time: the schema's actions are exactly the engine's.
const sameActions: [z.infer<typeof BulkAction>, PlanAction] extends [PlanAction, z.infer<typeof BulkAction>] ? true : never = true;
void sameActions;

export const BulkRedactionArgs = z.strictObject({
  filter: RedactionFilter,
  action: BulkAction,
  /** When the sweep runs; default create and update (teardown runs only when asked for). */
  runOn: z.array(RunOn).default(["create", "update"]),
  dryRun: z.boolean().default(false),
  maxSessions: z.number().int("must be a whole number").min(0, "must be 0 or more (0 refuses any match)").optional(),
  requestsPerSecond: z.number().min(0.1, "must be at least 0.1 request per second").max(10_000).optional(),
  /** Each endpoint's cap (listing, retrieving, redacting, cancelling); default 25, Stripe's per-endpoint limit. */
  endpointRequestsPerSecond: z.number().min(0.1, "must be at least 0.1 request per second").max(10_000).optional(),
  allowLivemode: z.boolean().default(false),
  /**
   * How long a run waits for matching sessions Stripe is still checking (`processing`: neither
   * redact nor cancel is allowed yet); any still processing then fail the run.
   */
  processingTimeoutSeconds: z.number().int("must be a whole number of seconds").min(0, "must be 0 or more").max(3600, "must be at most 3600 (an hour)").default(120),
  /** Connect: the connected account the runs act on (default: stripe-identity:stripeAccount); a change replaces. */
  stripeAccount: z.string().regex(STRIPE_ACCOUNT_ID, STRIPE_ACCOUNT_RULE).optional(),
  /**
   * Default on: `pulumi preview` lists (read-only, paced) and says how many sessions the next run
   * would touch (an honest preview costs list calls). Off: no API call at preview. Not diffed.
   */
  previewCount: z.boolean().default(true),
  /** Append each run's evidence (hash-chained JSON Lines, no personal data) to this file. */
  evidence: z.strictObject({ path: z.string().min(1, "must not be empty") }).optional(),
  /**
   * How a run redacts: `perSession` (default), one redact per session at Stripe's limits; or
   * `redactionJobs`, Stripe's Redaction Jobs (a Stripe preview; redact only): the work runs on
   * Stripe's side, in jobs of up to 10,000 sessions. See docs/redaction-jobs.md.
   */
  strategy: z.enum(["perSession", "redactionJobs"]).default("perSession"),
  /** Any values; a change makes the next `up` run the sweep again (with runOn update). */
  triggers: z.array(z.json()).optional(),
  /** The resource's name, for log lines: the SDK sends it as the hidden `__resourceName` (older state: `resourceName`). */
  resourceName: z.string().optional(),
});
export type BulkRedactionArgs = z.output<typeof BulkRedactionArgs>;
export type BulkRedactionArgsInput = z.input<typeof BulkRedactionArgs>;

/** The input fields whose change is an update (everything but the log name). */
export const DIFFED_FIELDS = ["filter", "action", "runOn", "dryRun", "maxSessions", "requestsPerSecond", "endpointRequestsPerSecond", "allowLivemode", "processingTimeoutSeconds", "stripeAccount", "evidence", "strategy", "triggers"] as const;

/**
 * Defaults of args added after state was first written: state from before an arg existed diffs as
 * its default, so an upgrade alone makes no update (and runs no sweep).
 */
export const LATER_ARG_DEFAULTS: Partial<Record<(typeof DIFFED_FIELDS)[number], unknown>> = { strategy: "perSession" };

function unknownOnPath(root: unknown, path: readonly PropertyKey[]): boolean {
  const at = valueAt(root, path);
  return at.unknown || containsUnknown(at.value);
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/** The outputs the provider adds; present (as placeholders or values) next to the inputs. */
export const OUTPUT_FIELDS = ["matched", "redacted", "canceled", "wouldAct", "skipped", "skippedByReason", "failed", "lastRunAt", "lastRunPhase", "runAccount", "pendingRedaction", "pendingUntracked"] as const;

/** Keys the SDK sets that are not args: `__` keys, which Pulumi never shows in a diff. */
export const HIDDEN_KEYS = ["__resourceName", "__resourceUrn"] as const;

/** The hidden keys present in `values`, to store next to the args. */
export function hiddenOf(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(HIDDEN_KEYS.filter((key) => values[key] !== undefined).map((key) => [key, values[key]]));
}

/** The resource's name for log lines (hidden key, or the visible one of older state). */
export function nameOf(values: Record<string, unknown>): string {
  const name = values.__resourceName ?? values.resourceName;
  return typeof name === "string" ? name : "";
}

export function urnOf(values: Record<string, unknown>): string | undefined {
  return typeof values.__resourceUrn === "string" && values.__resourceUrn.startsWith("urn:") ? values.__resourceUrn : undefined;
}

/** Args as state stores them: the name under its hidden key when the SDK sent one. */
export function storedArgs(args: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const hidden = hiddenOf(values);
  if (hidden.__resourceName === undefined) return { ...args, ...hidden };
  const { resourceName: _name, ...rest } = args;
  return { ...rest, ...hidden };
}

/**
 * Inputs as Pulumi hands them over, without its own `__` keys (`__provider`), the outputs stored
 * next to them in state, and unset values.
 */
export function userInputs(inputs: unknown): Record<string, unknown> {
  if (inputs === null || typeof inputs !== "object") return {};
  const outputs = new Set<string>(OUTPUT_FIELDS);
  const raw = Object.fromEntries(Object.entries(inputs).filter(([key, value]) => !key.startsWith("__") && !outputs.has(key) && value !== undefined));
  const hiddenName = (inputs as Record<string, unknown>).__resourceName;
  if (typeof hiddenName === "string") raw.resourceName = hiddenName;
  return raw;
}

/** `now` resolves relative dates for the run-time rules of the filter (a time bound must narrow something). */
export function checkBulkArgs(news: unknown, now: number = Date.now()): { inputs: Record<string, unknown>; failures: CheckFailure[]; emptyRange?: boolean } {
  const raw = userInputs(news);
  const reserved = reservedKeyProblem(raw.filter);
  if (reserved) return { inputs: raw, failures: [{ property: `filter.${reserved.path}`, reason: reserved.message }] };
  const parsed = BulkRedactionArgs.safeParse(raw);
  if (parsed.success) {
    const inputs = { ...raw, ...parsed.data };
    try {
      compileFilter(parsed.data.filter, now);
    } catch (error) {
      // The same refusal a run would make, shown at preview instead.
      if (!(error instanceof UserInputError)) throw error;
      const [, property = "filter", reason = error.message] = /^(filter(?:\.\w+)?): ([\s\S]*)$/.exec(error.message) ?? [];
      return { inputs, failures: [{ property, reason }], emptyRange: error instanceof EmptyRangeError };
    }
    if (parsed.data.strategy === "redactionJobs" && parsed.data.action !== "redact") {
      return { inputs, failures: [{ property: "strategy", reason: `Redaction Jobs only redact; action "${parsed.data.action}" needs strategy "perSession"` }] };
    }
    return { inputs, failures: [] };
  }
  const failures: CheckFailure[] = [];
  for (const issue of parsed.error.issues) {
    if (unknownOnPath(raw, issue.path)) continue;
    // The bounds rule looks at the whole filter: an unknown field may be the bound.
    if (issue.message === UNBOUNDED_MESSAGE && containsUnknown(raw.filter)) continue;
    const property = issue.path.map(String).join(".") || "args";
    failures.push({ property, reason: issue.message });
  }
  return { inputs: raw, failures };
}

/** Parses args at create/update/delete time; an `EmptyRangeError` when only the range has emptied. */
export function parseBulkArgs(inputs: unknown): BulkRedactionArgs {
  const { failures, emptyRange } = checkBulkArgs(inputs);
  const parsed = BulkRedactionArgs.safeParse(userInputs(inputs));
  if (!parsed.success || failures.length > 0) {
    const text = failures.map((f) => `${f.property}: ${f.reason}`).join("; ") || "invalid arguments";
    if (emptyRange) throw new EmptyRangeError(`invalid BulkRedaction args: ${text}`, text);
    throw new UserInputError(`invalid BulkRedaction args: ${text}`);
  }
  return parsed.data;
}
