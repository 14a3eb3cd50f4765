// @ts-check
// CrossGuard policy pack for stacks that use pulumi-stripe-identity:
//   pulumi preview --policy-pack node_modules/pulumi-stripe-identity/policy-pack
// The rules live in rules.js; docs/policy-pack.md lists them and the configuration they take.
"use strict";

const { PolicyPack } = require("@pulumi/policy");
const rules = require("./rules");

/**
 * The stack's configuration, as the language host hands it to policy packs (PULUMI_CONFIG, a JSON
 * map of `namespace:key` to value). Absent (an older host, `pulumi policy publish`): no stack signal.
 * @returns {Record<string, unknown>}
 */
function stackConfig() {
  try {
    const parsed = JSON.parse(process.env.PULUMI_CONFIG ?? "{}");
    return typeof parsed === "object" && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}
const stackLive = rules.stackLivemode(stackConfig());

const assumeLivemode = {
  type: "boolean",
  default: false,
  description: "Treat every resource as live mode (for stacks whose API key comes from the environment, not stack config).",
};

/**
 * @param {{ type: string; name: string; props: Record<string, unknown>; opts: { protect: boolean } }} args
 * @param {readonly string[]} types
 */
const applies = (args, types) => types.includes(args.type);

new PolicyPack("stripe-identity", {
  policies: [
    {
      name: "live-session-retain-needs-reason",
      description: "A live-mode VerificationSession may use deletionPolicy \"retain\" only with a reason in its metadata.",
      enforcementLevel: "mandatory",
      configSchema: {
        properties: {
          reasonTag: { type: "string", minLength: 1, default: "retain-reason", description: "The metadata key that must hold the reason." },
          assumeLivemode,
        },
      },
      validateResource: (args, reportViolation) => {
        if (!applies(args, rules.SESSION_TYPES)) return;
        const config = args.getConfig();
        const live = rules.isLive(args.props, { stackLive, assumeLivemode: config.assumeLivemode === true });
        for (const message of rules.retainNeedsReason(args.name, args.props, { live, reasonTag: String(config.reasonTag ?? "retain-reason") })) {
          reportViolation(message);
        }
      },
    },
    {
      name: "live-redaction-safeguards",
      description: "A BulkRedaction that redacts live sessions must write evidence, have a bounded filter and set maxSessions.",
      enforcementLevel: "mandatory",
      configSchema: {
        properties: {
          requireMaxSessions: { type: "boolean", default: true, description: "Require maxSessions on live redactions." },
          maxSessionsLimit: { type: "integer", minimum: 1, description: "The largest maxSessions allowed (unset: no limit)." },
          assumeLivemode,
        },
      },
      validateResource: (args, reportViolation) => {
        if (!applies(args, rules.REDACTION_TYPES)) return;
        const config = args.getConfig();
        const live = rules.isLive(args.props, { stackLive, assumeLivemode: config.assumeLivemode === true });
        const context = {
          live,
          requireMaxSessions: config.requireMaxSessions !== false,
          maxSessionsLimit: typeof config.maxSessionsLimit === "number" ? config.maxSessionsLimit : undefined,
        };
        for (const message of rules.liveRedactionSafeguards(args.name, args.props, context)) reportViolation(message);
      },
    },
    {
      name: "teardown-redaction-protected",
      description: "A BulkRedaction that runs at teardown (runOn \"destroy\") must be protected.",
      // Advisory until the teardown design settles (see docs/policy-pack.md); raise it per stack with
      // --policy-pack-config.
      enforcementLevel: "advisory",
      validateResource: (args, reportViolation) => {
        if (!applies(args, rules.REDACTION_TYPES)) return;
        for (const message of rules.teardownProtected(args.name, args.props, args.opts)) reportViolation(message);
      },
    },
  ],
});

