/**
 * `stripe-identity-sweep` argument parsing (docs/architecture.md, "CLI contract"): argv + environment in, options or
 * a usage error out. Pure: no process exit, no printing; the file reader is passed in. Every usage
 * error names the flag it is about.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { resolveConfig, STRIPE_ACCOUNT_ID, STRIPE_ACCOUNT_RULE } from "../provider/config";
import { maskKey, redactSecret } from "../provider/stripe/keys";
import { parseExclusionSpec } from "../provider/redaction/exclusions";
import { RedactionFilter, reservedKeyProblem, SESSION_STATUSES, UNBOUNDED_MESSAGE } from "../provider/redaction/filter";
import type { BulkAction } from "../provider/redaction/plan";
import { BULK_STRATEGIES, type BulkStrategy } from "../provider/redaction/run";
import { packageVersion } from "./version";

export interface SweepCliOptions {
  filter: RedactionFilter;
  action: BulkAction;
  dryRun: boolean;
  yes: boolean;
  json: boolean;
  maxSessions?: number;
  allowLivemode: boolean;
  rps?: number;
  endpointRps?: number;
  concurrency?: number;
  apiBase?: string;
  /** Connect: the connected account every request acts on (--stripe-account or STRIPE_ACCOUNT). */
  stripeAccount?: string;
  /** Append evidence (hash-chained JSON Lines) to this file. */
  evidence?: string;
  /** Plan mode: write the sessions a run would act on to this file. */
  planOut?: string;
  /** Act on exactly the sessions of this plan (the plan holds the filter and action). */
  plan?: string;
  /** Refuse a plan older than this (ms). */
  planMaxAgeMs?: number;
  /** `per-session` (default) or `jobs` (Stripe's Redaction Jobs, a preview; redact only). */
  strategy?: BulkStrategy;
  /** From STRIPE_API_KEY only. */
  apiKey: string;
  /** STRIPE_IDENTITY_PLAN_KEY: signs --plan-out plans and is required to run --plan ones (env only, like the API key). */
  planKey?: string;
  /** STRIPE_IDENTITY_EVIDENCE_KEY: the evidence chain's HMAC key (env only). */
  evidenceKey?: string;
}

export type ParseResult = { kind: "run"; options: SweepCliOptions } | { kind: "help"; text: string } | { kind: "usage"; message: string };

export interface ParseDeps {
  env: NodeJS.ProcessEnv;
  /** Reads an --exclude-ids file; `undefined` when it does not exist. */
  readFile: (path: string) => string | undefined;
}

/** The flag each filter field comes from, for messages. */
const FLAG_OF: Record<string, string> = {
  status: "--status",
  createdBefore: "--created-before",
  createdAfter: "--created-after",
  clientReferenceId: "--client-reference-id",
  clientReferenceIdPrefix: "--client-reference-id-prefix",
  relatedCustomer: "--related-customer",
  type: "--type",
  metadata: "--metadata",
  excludeIds: "--exclude-ids",
};

export const UNBOUNDED_USAGE =
  "the filter has no bound: give at least one of --created-before, --created-after, --client-reference-id, " +
  "--client-reference-id-prefix, --related-customer or --metadata (--status, --type and --exclude-ids alone do not " +
  "narrow by time or identity: --status verified alone would redact every verified session the account ever had)";

/** More requests in flight than this never helps against Stripe's limits, and each is a worker. */
export const MAX_CONCURRENCY = 1000;

function positiveInteger(flag: string, allowZero = false, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || (!allowZero && n === 0) || !Number.isSafeInteger(n) || n > max) {
      const range = max < Number.MAX_SAFE_INTEGER ? ` from ${allowZero ? 0 : 1} to ${max}` : allowZero ? "" : " above 0";
      throw new InvalidArgumentError(`${flag} expects a whole number${range}, got "${value}".`);
    }
    return n;
  };
}

/** Masks anything shaped like a Stripe key in a message: a key pasted into the wrong flag is echoed masked. */
export function maskKeysIn(text: string): string {
  return text.replace(/\b(sk|rk|pk)_(test|live)_[A-Za-z0-9_]+/g, (key) => maskKey(key));
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(n >= 0.1) || n > 10_000) throw new InvalidArgumentError(`${flag} expects requests per second from 0.1 to 10000, got "${value}".`);
    return n;
  };
}

function statusList(value: string): string[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !(SESSION_STATUSES as readonly string[]).includes(s));
  if (items.length === 0 || bad.length > 0) throw new InvalidArgumentError(`--status takes a comma-separated list of ${SESSION_STATUSES.join(", ")}; got "${value}".`);
  return items;
}

function metadataPair(value: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`--metadata expects key=value, got "${value}".`);
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function buildProgram(): Command {
  return new Command()
    .name("stripe-identity-sweep")
    .description("Redact or cancel every Stripe Identity VerificationSession matching a filter. Without --yes it only prints the plan.")
    .option("--status <list>", "only these statuses (comma-separated): requires_input,processing,verified,canceled", statusList)
    .option("--created-before <when>", 'created before: a duration back from now ("7d", "12h", "30m") or an ISO date')
    .option("--created-after <when>", "created at or after: same forms as --created-before")
    .option("--client-reference-id <id>", "exactly this client_reference_id")
    .option("--client-reference-id-prefix <prefix>", "client_reference_id starting with this")
    .option("--related-customer <id>", "sessions of this customer (cus_...)")
    .addOption(new Option("--type <type>", "session type").choices(["document", "id_number", "verification_flow"]))
    .option("--metadata <key=value>", "metadata must have key=value (repeatable)", metadataPair)
    .option("--exclude-ids <file-or-list>", "never touch these ids: a file (one vs_ id a line, # comments) or a comma-separated list (repeatable, additive)", collect)
    .addOption(new Option("--action <action>", "what to do").choices(["redact", "cancel"]).default("redact"))
    .option("--dry-run", "list and report what would happen; change nothing")
    .option("-y, --yes", "really do it (without --yes the plan is printed and nothing changes)")
    .option("--json", "print one JSON summary on stdout instead of text and progress")
    .option("--max-sessions <n>", "abort, touching nothing, if more sessions than this match", positiveInteger("--max-sessions", true))
    .option("--allow-livemode", "allow a live-mode key (also STRIPE_IDENTITY_ALLOW_LIVEMODE=true)")
    .option("--rps <n>", "requests per second for the whole run (default 25 with test keys, 100 with live keys); adapts down on 429s", positiveNumber("--rps"))
    .option("--endpoint-rps <n>", "requests per second per endpoint: listing, retrieving, redacting, cancelling (default 25, Stripe's per-endpoint limit)", positiveNumber("--endpoint-rps"))
    .option("--concurrency <n>", "requests in flight at most (default: enough to reach --rps)", positiveInteger("--concurrency", false, MAX_CONCURRENCY))
    .option("--api-base <url>", "API base URL, e.g. http://127.0.0.1:12111 for the emulator (also STRIPE_API_BASE)")
    .option("--plan-out <file>", "plan mode: write the exact sessions a run would act on (with the filter, mode, account, time) to this file; changes nothing")
    .option("--plan <file>", "with --yes: act on exactly the sessions of a --plan-out file, each re-read and re-checked first (no filter flags: the plan holds them)")
    .option("--plan-max-age <duration>", 'refuse a plan older than this (default "24h"; s, m, h, d, w)')
    .option("--evidence <file>", "append a hash-chained JSON Lines record of the run to this file (no personal data); check it with: stripe-identity-sweep verify FILE")
    .addOption(new Option("--strategy <strategy>", "per-session: one redact a session at Stripe's limits; jobs: Stripe's Redaction Jobs (a Stripe preview; redact only; see docs/redaction-jobs.md)").choices([...BULK_STRATEGIES]).default("per-session"))
    .option("--stripe-account <acct>", "Connect: sweep this connected account's sessions (acct_...; also STRIPE_ACCOUNT)")
    .addHelpText("after", "\nThe key comes from STRIPE_API_KEY only.\nExit status: 0 done, 1 some sessions failed, 2 usage or configuration error, 3 aborted by --max-sessions before any write.\nstripe-identity-sweep verify FILE [--json] (verify --help): check an --evidence file's chain and re-read the sessions it redacted (exit 0 all redacted, 4 some still processing, 5 file broken, 6 recorded as redacted but Stripe shows no redaction).\nSTRIPE_IDENTITY_PLAN_KEY signs and checks plans; STRIPE_IDENTITY_EVIDENCE_KEY keys the evidence chain (docs/evidence.md).")
    .helpOption("-h, --help", "show this help")
    .version(packageVersion(), "--version", "print the version")
    .allowExcessArguments(false)
    .exitOverride();
}

export function parseArgs(argv: readonly string[], deps: ParseDeps): ParseResult {
  const result = parseUnmasked(argv, deps);
  if (result.kind !== "usage") return result;
  // Usage errors quote what was typed; a key typed into a flag must not be printed back.
  return { kind: "usage", message: maskKeysIn(redactSecret(result.message, deps.env.STRIPE_API_KEY)) };
}

function parseUnmasked(argv: readonly string[], deps: ParseDeps): ParseResult {
  const keyFlag = argv.find((arg) => /^--(api-?key|key|secret-key)(=|$)/i.test(arg));
  if (keyFlag) return { kind: "usage", message: `${keyFlag.split("=")[0]}: the API key is never taken from a flag (it would end up in shell history); set STRIPE_API_KEY` };
  let help = "";
  let error = "";
  const program = buildProgram().configureOutput({
    writeOut: (text) => (help += text),
    writeErr: (text) => (error += text),
    outputError: (text) => (error += text),
  });
  try {
    program.parse([...argv], { from: "user" });
  } catch (caught) {
    if (caught instanceof CommanderError && (caught.code === "commander.helpDisplayed" || caught.code === "commander.help" || caught.code === "commander.version")) return { kind: "help", text: help };
    const message = (caught instanceof CommanderError ? caught.message : String(caught)).replace(/^error: /, "");
    return { kind: "usage", message: message || error.trim() };
  }
  const o = program.opts<Record<string, unknown>>();

  const raw: Record<string, unknown> = {};
  for (const [field, flagValue] of [
    ["status", o.status],
    ["createdBefore", o.createdBefore],
    ["createdAfter", o.createdAfter],
    ["clientReferenceId", o.clientReferenceId],
    ["clientReferenceIdPrefix", o.clientReferenceIdPrefix],
    ["relatedCustomer", o.relatedCustomer],
    ["type", o.type],
  ] as const) {
    if (flagValue !== undefined) raw[field] = flagValue;
  }
  if (o.metadata) raw.metadata = Object.fromEntries(o.metadata as Array<[string, string]>);
  const reserved = reservedKeyProblem(raw);
  if (reserved) return { kind: "usage", message: `--metadata: ${reserved.message}` };
  if (Array.isArray(o.excludeIds)) {
    const ids = new Set<string>();
    for (const spec of o.excludeIds as string[]) {
      const parsedIds = parseExclusionSpec(spec, deps.readFile);
      if ("problem" in parsedIds) return { kind: "usage", message: `--exclude-ids: ${parsedIds.problem}` };
      for (const id of parsedIds.ids) ids.add(id);
    }
    raw.excludeIds = [...ids];
  }
  const planned = typeof o.plan === "string";
  if (planned && (Object.keys(raw).length > 0 || o.planOut !== undefined || o.dryRun === true)) {
    return { kind: "usage", message: "--plan: the plan holds the filter and the action; give no filter flags, --plan-out or --dry-run with it" };
  }
  if (planned && o.action !== "redact" && argv.some((arg) => arg === "--action" || arg.startsWith("--action="))) {
    return { kind: "usage", message: "--plan: the plan holds the action; leave --action out" };
  }
  if (o.strategy === "jobs" && o.action === "cancel") return { kind: "usage", message: "--strategy jobs: Redaction Jobs only redact; use --action redact or --strategy per-session" };
  let planMaxAgeMs: number | undefined;
  if (o.planMaxAge !== undefined) {
    const match = /^(\d+)([smhdw])$/.exec(String(o.planMaxAge));
    if (!match) return { kind: "usage", message: `--plan-max-age: expected a duration such as 24h, 90m or 2d, got "${String(o.planMaxAge)}"` };
    planMaxAgeMs = Number(match[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[match[2] as "s" | "m" | "h" | "d" | "w"];
  }
  // With --plan the filter comes from the plan file (cli/run.ts); this stand-in is never run.
  const parsed = planned ? RedactionFilter.safeParse({ createdBefore: "0s", clientReferenceIdPrefix: "placeholder" }) : RedactionFilter.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.message === UNBOUNDED_MESSAGE) return { kind: "usage", message: UNBOUNDED_USAGE };
    const field = String(issue.path[0] ?? "");
    return { kind: "usage", message: `${FLAG_OF[field] ?? "filter"}: ${issue.message}` };
  }

  let config;
  try {
    config = resolveConfig(undefined, deps.env);
  } catch (caught) {
    return { kind: "usage", message: caught instanceof Error ? caught.message : String(caught) };
  }
  const apiBase = (o.apiBase as string | undefined) ?? config.apiBase;
  if (apiBase !== undefined && !/^https?:\/\/[^\s]+$/.test(apiBase)) return { kind: "usage", message: `--api-base: expected an http(s) URL, got "${apiBase}"` };
  if (!config.apiKey) return { kind: "usage", message: "no API key: set STRIPE_API_KEY (the key is never taken from a flag)" };
  const stripeAccount = (o.stripeAccount as string | undefined) ?? config.stripeAccount;
  if (stripeAccount !== undefined && !STRIPE_ACCOUNT_ID.test(stripeAccount)) {
    return { kind: "usage", message: `--stripe-account: ${STRIPE_ACCOUNT_RULE}, got "${stripeAccount.slice(0, 80)}"` };
  }

  return {
    kind: "run",
    options: {
      filter: parsed.data,
      action: o.action as BulkAction,
      dryRun: o.dryRun === true,
      yes: o.yes === true,
      json: o.json === true,
      maxSessions: o.maxSessions as number | undefined,
      allowLivemode: o.allowLivemode === true || config.allowLivemode,
      rps: o.rps as number | undefined,
      endpointRps: o.endpointRps as number | undefined,
      concurrency: o.concurrency as number | undefined,
      apiBase,
      ...(stripeAccount !== undefined ? { stripeAccount } : {}),
      ...(typeof o.evidence === "string" ? { evidence: o.evidence } : {}),
      ...(typeof o.planOut === "string" ? { planOut: o.planOut } : {}),
      ...(planned ? { plan: o.plan as string } : {}),
      ...(planMaxAgeMs !== undefined ? { planMaxAgeMs } : {}),
      ...(o.strategy === "jobs" ? { strategy: "jobs" as const } : {}),
      apiKey: config.apiKey,
      ...(deps.env.STRIPE_IDENTITY_PLAN_KEY ? { planKey: deps.env.STRIPE_IDENTITY_PLAN_KEY } : {}),
      ...(deps.env.STRIPE_IDENTITY_EVIDENCE_KEY ? { evidenceKey: deps.env.STRIPE_IDENTITY_EVIDENCE_KEY } : {}),
    },
  };
}
