/**
 * BulkRedaction: redact (or cancel) every VerificationSession matching a filter, when the stack is
 * created, when the args (or `triggers`) change, on every `pulumi up`, and/or when it is destroyed
 * (`runOn`).
 *
 * A component (type `stripe-identity:index:BulkRedaction`) holding one dynamic resource whose
 * provider is the serializable shim (sdk/shim.ts): the engine lives in provider/redaction/ and is
 * loaded by package name in Pulumi's provider process. See docs/bulk-redaction.md.
 *
 * @example
 * new BulkRedaction("cleanup", {
 *   filter: { status: ["requires_input"], createdBefore: "7d", clientReferenceIdPrefix: "signup-" },
 *   action: "cancel",
 *   runOn: ["everyUp"],
 * });
 */
import * as pulumi from "@pulumi/pulumi";
import { guardKeyConfig } from "./key-guard";
import { serializableProvider } from "./shim";

export type BulkRedactionAction = "redact" | "cancel";
export type BulkRedactionPhase = "create" | "update" | "destroy";
/** A phase, or `everyUp`: at create and on every later `pulumi up`, even when nothing changed. */
export type BulkRedactionRunOn = BulkRedactionPhase | "everyUp";
export type BulkRedactionStatus = "requires_input" | "processing" | "verified" | "canceled";

/** Which sessions a run touches. At least one bound (dates, client reference, customer or metadata) is required. */
export interface BulkRedactionFilterArgs {
  /** Only sessions in these statuses (not a bound on its own). */
  status?: pulumi.Input<pulumi.Input<BulkRedactionStatus>[]>;
  /** Created before this instant: an ISO date (`2026-01-01`, `2026-01-01T00:00:00Z`) or a duration back from the run (`7d`, `12h`, `30m`). */
  createdBefore?: pulumi.Input<string>;
  /** Created at or after this instant; same forms as `createdBefore`. */
  createdAfter?: pulumi.Input<string>;
  /** Exactly this client reference id. */
  clientReferenceId?: pulumi.Input<string>;
  /** Client reference ids starting with this text. @example "signup-" */
  clientReferenceIdPrefix?: pulumi.Input<string>;
  /** Sessions of this customer (`cus_...`). */
  relatedCustomer?: pulumi.Input<string>;
  /** `document`, `id_number` or `verification_flow` (not a bound on its own). */
  type?: pulumi.Input<"document" | "id_number" | "verification_flow">;
  /** Every listed key must have exactly this value. Redaction erases metadata, so redacted sessions stop matching. */
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Never touch these sessions. */
  excludeIds?: pulumi.Input<pulumi.Input<string>[]>;
}

export interface BulkRedactionArgs {
  filter: pulumi.Input<BulkRedactionFilterArgs>;
  /** `redact` (erases personal data; also cancels open sessions) or `cancel` (open sessions only). */
  action: pulumi.Input<BulkRedactionAction>;
  /**
   * When to run. `"create"`: when the resource is first created; `"update"`: on an `up` where its
   * args (or `triggers`) changed; `"everyUp"`: at create and on every later `up`, even when nothing
   * changed, when it has sessions to act on (preview counts them; see `previewCount`);
   * `"destroy"`: at `pulumi destroy`. A run with `"destroy"` is `protect`ed by default, so a rename,
   * a removal from the program or a replace fails at preview instead of running the teardown
   * unseen; docs/bulk-redaction.md gives the teardown steps. Default `["create", "update"]`.
   */
  runOn?: pulumi.Input<pulumi.Input<BulkRedactionRunOn>[]>;
  /** List and count, change nothing. */
  dryRun?: pulumi.Input<boolean>;
  /** Refuse (touching nothing) when more sessions than this match. */
  maxSessions?: pulumi.Input<number>;
  /** Requests per second for the whole run, lists included. Default 25 (test keys) or 100 (live keys); adapts down on 429s. */
  requestsPerSecond?: pulumi.Input<number>;
  /** Requests per second per endpoint (listing, retrieving, redacting, cancelling). Default 25, Stripe's per-endpoint limit; adapts down on 429s. */
  endpointRequestsPerSecond?: pulumi.Input<number>;
  /** Live-mode keys are refused unless this (or `stripe-identity:allowLivemode`) is true. */
  allowLivemode?: pulumi.Input<boolean>;
  /**
   * Seconds a run waits for matching sessions that Stripe is still checking (`processing`: they can
   * be neither redacted nor canceled yet), re-reading them every 2 s. Any still processing then fail
   * the run, naming their count: at teardown the resource stays in state. Default 120; 0 fails at once.
   */
  processingTimeoutSeconds?: pulumi.Input<number>;
  /**
   * Connect: sweep this connected account's sessions (`acct_...`; every request carries
   * `Stripe-Account`). Default `stripe-identity:stripeAccount` (or `STRIPE_ACCOUNT`); unset, the
   * platform's own. Recorded as `runAccount`; a change replaces the resource.
   */
  stripeAccount?: pulumi.Input<string>;
  /**
   * Default true: `pulumi preview` says what each run will do (action, filter, account, mode) and
   * lists, read-only and paced, to say how many sessions it would touch. `false`: no API call at
   * preview (the words stay; the count goes, and an `everyUp` run then shows as an update on every
   * preview).
   */
  previewCount?: pulumi.Input<boolean>;
  /**
   * Append each run's evidence to `path`: a hash-chained JSON Lines file (run header, one record per
   * session handled, footer; no personal data). Check it with `stripe-identity-sweep verify FILE`.
   */
  evidence?: pulumi.Input<{ path: pulumi.Input<string> }>;
  /**
   * How a run redacts. `"perSession"` (default): one redact per session, paced at Stripe's limits
   * (~25 a second). `"redactionJobs"`: Stripe's Redaction Jobs, **a Stripe preview** (its API may
   * change; see docs/redaction-jobs.md): the sessions go to Stripe in jobs that Stripe validates
   * and runs on its side; each job is re-checked against the filter right before it runs. Redact only.
   */
  strategy?: pulumi.Input<"perSession" | "redactionJobs">;
  /** Any values: changing them runs the sweep again on the next `up` (with `runOn` including `update`), e.g. today's date for at most one run a day. */
  triggers?: pulumi.Input<pulumi.Input<unknown>[]>;
}

const OUTPUTS = ["matched", "redacted", "canceled", "wouldAct", "skipped", "skippedByReason", "failed", "lastRunAt", "lastRunPhase", "runAccount", "pendingRedaction", "pendingUntracked"] as const;

/**
 * Whether a teardown run may exist: `runOn` lists "destroy", or is not a plain array yet (an
 * Output), when it cannot be ruled out. Such a run is protected unless the user says otherwise.
 */
function runsAtTeardown(runOn: BulkRedactionArgs["runOn"]): boolean {
  if (runOn === undefined) return false;
  if (!Array.isArray(runOn)) return true;
  return runOn.some((entry) => typeof entry !== "string" || entry === "destroy");
}

/** The dynamic resource inside the component: its state records the last run. */
class BulkRedactionRun extends pulumi.dynamic.Resource {
  declare readonly matched: pulumi.Output<number>;
  declare readonly redacted: pulumi.Output<number>;
  declare readonly canceled: pulumi.Output<number>;
  declare readonly wouldAct: pulumi.Output<number>;
  declare readonly skipped: pulumi.Output<number>;
  declare readonly skippedByReason: pulumi.Output<Record<string, number>>;
  declare readonly failed: pulumi.Output<number>;
  declare readonly lastRunAt: pulumi.Output<string | null>;
  declare readonly lastRunPhase: pulumi.Output<BulkRedactionPhase | null>;
  declare readonly runAccount: pulumi.Output<string | null>;
  declare readonly pendingRedaction: pulumi.Output<string[]>;
  declare readonly pendingUntracked: pulumi.Output<number>;

  constructor(name: string, args: BulkRedactionArgs, opts: pulumi.CustomResourceOptions) {
    guardKeyConfig();
    // `__` keys: Pulumi never shows them in a diff; the name is for log lines only.
    const props: pulumi.Inputs = {
      ...args,
      __resourceName: name,
      // Hidden: the provider attaches what a run will do (preview) and its progress to this resource's row.
      __resourceUrn: pulumi.createUrn(name, "pulumi-nodejs:dynamic/stripe-identity:BulkRedactionRun", opts.parent),
    };
    // Outputs must be present (undefined) to be registered on the resource object.
    for (const key of OUTPUTS) props[key] = undefined;
    super(serializableProvider("bulkRedaction"), name, props, opts, "stripe-identity", "BulkRedactionRun");
  }
}

export class BulkRedaction extends pulumi.ComponentResource {
  /** Sessions inside the filter at the last run. */
  readonly matched: pulumi.Output<number>;
  readonly redacted: pulumi.Output<number>;
  readonly canceled: pulumi.Output<number>;
  /** Dry runs: sessions a real run would have changed. */
  readonly wouldAct: pulumi.Output<number>;
  /** Matched but needing nothing (already redacted, canceled, processing, ...); see `skippedByReason`. */
  readonly skipped: pulumi.Output<number>;
  readonly skippedByReason: pulumi.Output<Record<string, number>>;
  /** Always 0 in state: a run with failures fails the resource instead. */
  readonly failed: pulumi.Output<number>;
  /** ISO time of the last run; null before any. */
  readonly lastRunAt: pulumi.Output<string | null>;
  readonly lastRunPhase: pulumi.Output<BulkRedactionPhase | null>;
  /** The connected account the runs act on; null: the platform's own. */
  readonly runAccount: pulumi.Output<string | null>;
  /** Sessions the last run redacted whose redaction has not finished (Stripe: up to four days); `pulumi refresh` re-checks them. */
  readonly pendingRedaction: pulumi.Output<string[]>;
  /** Sessions redacted by a run but not tracked in `pendingRedaction` (beyond its 10,000 ids). */
  readonly pendingUntracked: pulumi.Output<number>;
  /** The URN of the run resource: what `pulumi state unprotect` takes before a teardown. */
  readonly runUrn: pulumi.Output<string>;

  constructor(name: string, args: BulkRedactionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stripe-identity:index:BulkRedaction", name, {}, opts);
    const run = new BulkRedactionRun(name, args, { parent: this, protect: opts?.protect ?? (runsAtTeardown(args.runOn) || undefined) });
    this.runUrn = run.urn;
    this.pendingUntracked = run.pendingUntracked;
    this.matched = run.matched;
    this.redacted = run.redacted;
    this.canceled = run.canceled;
    this.wouldAct = run.wouldAct;
    this.skipped = run.skipped;
    this.skippedByReason = run.skippedByReason;
    this.failed = run.failed;
    this.lastRunAt = run.lastRunAt;
    this.lastRunPhase = run.lastRunPhase;
    this.runAccount = run.runAccount;
    this.pendingRedaction = run.pendingRedaction;
    this.registerOutputs({
      matched: this.matched,
      redacted: this.redacted,
      canceled: this.canceled,
      wouldAct: this.wouldAct,
      skipped: this.skipped,
      failed: this.failed,
      lastRunAt: this.lastRunAt,
      pendingRedaction: this.pendingRedaction,
      pendingUntracked: this.pendingUntracked,
    });
  }
}
