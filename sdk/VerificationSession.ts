/**
 * A Stripe Identity VerificationSession as a Pulumi resource (type token
 * `pulumi-nodejs:dynamic/stripe-identity:VerificationSession`). The provider it stores in state is
 * the few-line shim of sdk/shim.ts; behaviour lives in provider/session/.
 */
import * as pulumi from "@pulumi/pulumi";
import { guardKeyConfig } from "./key-guard";
import { serializableProvider } from "./shim";
import type { DeletionPolicy, LastError, RedactionStatus, ReportSummary, SessionStatus, VerificationSessionArgs } from "./types";

/** Outputs holding bearer secrets for the hosted flow; Pulumi encrypts them in state. */
const SECRET_OUTPUTS = ["clientSecret", "url"];

export class VerificationSession extends pulumi.dynamic.Resource {
  // `declare`: with ES2022 class fields a plain declaration would reset what the base constructor set.
  /** `requires_input`, `processing`, `verified` or `canceled`, as of the last create/update/refresh. */
  declare readonly status: pulumi.Output<SessionStatus>;
  /** The API's type; `verification_flow` for a session made from a flow. */
  declare readonly type: pulumi.Output<string>;
  declare readonly livemode: pulumi.Output<boolean>;
  /** Unix seconds. */
  declare readonly created: pulumi.Output<number>;
  /** Secret. For Stripe.js; expires after 24 h. */
  declare readonly clientSecret: pulumi.Output<string | null>;
  /** Secret. The hosted verification page; expires after 48 h. */
  declare readonly url: pulumi.Output<string | null>;
  declare readonly lastError: pulumi.Output<LastError | null>;
  declare readonly lastVerificationReport: pulumi.Output<ReportSummary | null>;
  declare readonly redactionStatus: pulumi.Output<RedactionStatus | null>;
  /** The connected account the session lives in; null: the platform's own. */
  declare readonly sessionAccount: pulumi.Output<string | null>;
  declare readonly stripeAccount: pulumi.Output<string | undefined>;

  declare readonly verificationFlow: pulumi.Output<string | undefined>;
  declare readonly options: pulumi.Output<{ document?: Record<string, unknown> } | undefined>;
  declare readonly providedDetails: pulumi.Output<{ email?: string; phone?: string } | undefined>;
  declare readonly metadata: pulumi.Output<Record<string, string> | undefined>;
  declare readonly clientReferenceId: pulumi.Output<string | undefined>;
  declare readonly relatedCustomer: pulumi.Output<string | undefined>;
  declare readonly relatedCustomerAccount: pulumi.Output<string | undefined>;
  declare readonly relatedPerson: pulumi.Output<{ account: string; person: string } | undefined>;
  declare readonly returnUrl: pulumi.Output<string | undefined>;
  declare readonly deletionPolicy: pulumi.Output<DeletionPolicy>;
  declare readonly processingTimeoutSeconds: pulumi.Output<number>;
  declare readonly recreateOnCanceled: pulumi.Output<boolean>;
  declare readonly adoptSessionId: pulumi.Output<string | undefined>;
  declare readonly tagMetadata: pulumi.Output<boolean>;
  declare readonly includeReportSummary: pulumi.Output<boolean>;

  constructor(name: string, args: VerificationSessionArgs, opts?: pulumi.CustomResourceOptions) {
    guardKeyConfig();
    const props: pulumi.Inputs = {
      ...args,
      // Hidden input (a `__` key: never shown in a diff): the values of the metadata tag, so an
      // orphaned session names its owner.
      __pulumiTag: { project: pulumi.getProject(), stack: pulumi.getStack(), resource: name },
      // Hidden: the provider attaches its warnings (what a replace will do to the old session) to it.
      __resourceUrn: pulumi.createUrn(name, "pulumi-nodejs:dynamic/stripe-identity:VerificationSession", opts?.parent),
      // Outputs must be present (undefined) to be registered on the resource object.
      status: undefined,
      type: args.type,
      livemode: undefined,
      created: undefined,
      clientSecret: undefined,
      url: undefined,
      lastError: undefined,
      lastVerificationReport: undefined,
      redactionStatus: undefined,
      sessionAccount: undefined,
    };
    const secrets = [...new Set([...(opts?.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS])];
    super(serializableProvider("session"), name, props, { ...opts, additionalSecretOutputs: secrets }, "stripe-identity", "VerificationSession");
  }
}
