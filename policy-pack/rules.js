// @ts-check
// The decisions of the policy pack, as plain functions of a resource's properties: index.js wires
// them to CrossGuard. Each returns the violations it finds (empty: compliant).
"use strict";

/**
 * This package's resources as the engine sees them: the dynamic resources' own types (every dynamic
 * resource is registered as `pulumi-nodejs:dynamic/<module>:<name>`), and the tokens the native
 * provider plugin registers. The component `stripe-identity:index:BulkRedaction` of the dynamic SDK
 * shares the native token but has no properties: the rules find nothing to judge in it and its
 * dynamic child carries the run's arguments.
 */
const SESSION_TYPES = Object.freeze([
  "pulumi-nodejs:dynamic/stripe-identity:VerificationSession",
  "stripe-identity:index:VerificationSession",
]);
const REDACTION_TYPES = Object.freeze([
  "pulumi-nodejs:dynamic/stripe-identity:BulkRedactionRun",
  "stripe-identity:index:BulkRedaction",
]);

/** Filter fields that narrow a run by themselves; `status`, `type` and `excludeIds` do not. */
const FILTER_BOUNDS = Object.freeze(["createdBefore", "createdAfter", "clientReferenceId", "clientReferenceIdPrefix", "relatedCustomer", "metadata"]);

/** @param {unknown} value */
const isRecord = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
/** @param {unknown} value */
const nonEmptyText = (value) => typeof value === "string" && value.trim() !== "";

/**
 * What the stack's configuration says about live mode: `stripe-identity:allowLivemode` set to true,
 * or a live key (`sk_live_`/`rk_live_`) as `stripe-identity:apiKey`. Only the key's prefix is read;
 * the key itself is never kept or printed.
 * @param {Record<string, unknown>} stackConfig the PULUMI_CONFIG map the language host hands policy packs
 */
function stackLivemode(stackConfig) {
  /** @param {string} name */
  const get = (name) => stackConfig[`stripe-identity:${name}`] ?? stackConfig[`stripe-identity:config:${name}`];
  const allow = get("allowLivemode");
  const key = get("apiKey");
  return allow === true || allow === "true" || (typeof key === "string" && /^(sk|rk)_live_/.test(key.trim()));
}

/**
 * A resource is treated as live when its state says so (`livemode`), when it opts in itself
 * (`allowLivemode`, BulkRedaction's argument), when the stack is live, or when the pack is told to
 * assume it (`assumeLivemode`, for stacks whose key comes from the environment).
 * @param {Record<string, unknown>} props @param {{ stackLive: boolean; assumeLivemode: boolean }} context
 */
function isLive(props, context) {
  return context.assumeLivemode || context.stackLive || props.livemode === true || props.allowLivemode === true;
}

/**
 * A live-mode VerificationSession with `deletionPolicy: "retain"` keeps a person's identity data in
 * Stripe after the stack is gone: allowed only with a reason in its metadata.
 * @param {string} name @param {Record<string, unknown>} props @param {{ live: boolean; reasonTag: string }} context
 * @returns {string[]}
 */
function retainNeedsReason(name, props, context) {
  if (!context.live || props.deletionPolicy !== "retain") return [];
  const metadata = isRecord(props.metadata) ? props.metadata : {};
  if (nonEmptyText(metadata[context.reasonTag])) return [];
  return [
    `VerificationSession "${name}" is live-mode with deletionPolicy "retain": its identity data stays in Stripe after ` +
      `the stack is destroyed. Say why in metadata["${context.reasonTag}"] (e.g. "legal hold until 2027-01"), or use "cancel" or "redact".`,
  ];
}

/**
 * A BulkRedaction that redacts live data must leave evidence and touch a bounded set of sessions.
 * @param {string} name @param {Record<string, unknown>} props
 * @param {{ live: boolean; requireMaxSessions: boolean; maxSessionsLimit?: number }} context
 * @returns {string[]}
 */
function liveRedactionSafeguards(name, props, context) {
  if (!context.live || props.action !== "redact" || props.dryRun === true) return [];
  const violations = [];
  const evidence = isRecord(props.evidence) ? props.evidence : undefined;
  if (!evidence || !nonEmptyText(evidence.path)) {
    violations.push(`BulkRedaction "${name}" redacts live sessions without evidence: set evidence: { path: "..." } so every run leaves a verifiable record.`);
  }
  const filter = isRecord(props.filter) ? props.filter : {};
  const bounded = FILTER_BOUNDS.some((field) =>
    field === "metadata" ? isRecord(filter.metadata) && Object.keys(filter.metadata).length > 0 : nonEmptyText(filter[field]),
  );
  if (!bounded) {
    violations.push(`BulkRedaction "${name}" redacts live sessions with an unbounded filter: set one of filter.${FILTER_BOUNDS.join(", filter.")}.`);
  }
  const max = props.maxSessions;
  if (context.requireMaxSessions && typeof max !== "number") {
    violations.push(`BulkRedaction "${name}" redacts live sessions with no maxSessions: set it so a filter that matches more than expected touches nothing.`);
  } else if (typeof max === "number" && context.maxSessionsLimit !== undefined && max > context.maxSessionsLimit) {
    violations.push(`BulkRedaction "${name}" allows maxSessions ${max}, above this stack's limit of ${context.maxSessionsLimit}.`);
  }
  return violations;
}

/**
 * A BulkRedaction that runs at teardown (`runOn` includes "destroy") acts on `pulumi destroy`, or when
 * it is removed from the program: it must be `protect`ed, so that takes a deliberate unprotect first.
 * @param {string} name @param {Record<string, unknown>} props @param {{ protect: boolean }} opts
 * @returns {string[]}
 */
function teardownProtected(name, props, opts) {
  const runOn = Array.isArray(props.runOn) ? props.runOn : [];
  if (!runOn.includes("destroy") || opts.protect) return [];
  const verb = props.dryRun === true ? "lists" : props.action === "cancel" ? "cancels" : "redacts";
  return [
    `BulkRedaction "${name}" ${verb} sessions at teardown (runOn "destroy") but is not protected: a \`pulumi destroy\`, or removing it ` +
      "from the program, would run it. Set { protect: true } so a teardown takes a deliberate `pulumi state unprotect` first.",
  ];
}

module.exports = { SESSION_TYPES, REDACTION_TYPES, FILTER_BOUNDS, stackLivemode, isLive, retainNeedsReason, liveRedactionSafeguards, teardownProtected };
