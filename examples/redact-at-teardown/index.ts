// Privacy by policy: the sessions an app creates at run time (not by Pulumi) are redacted when the
// stack that owns the app is destroyed. The app marks its sessions with a client_reference_id
// prefix; the policy is data in state, so `pulumi destroy` applies it even years later.
import * as pulumi from "@pulumi/pulumi";
import { BulkRedaction, VerificationSession } from "pulumi-stripe-identity";

const config = new pulumi.Config();
const stack = pulumi.getStack();
const appPrefix = config.get("appReferencePrefix") ?? `signup-${stack}-`;

// A session the stack itself manages (its own deletion policy applies at destroy: redact).
const smokeTest = new VerificationSession("smoke-test", {
  type: "document",
  clientReferenceId: `${appPrefix}smoke-test`,
  metadata: { purpose: "smoke test of the signup flow" },
  deletionPolicy: "redact",
});

// Nothing happens at create or update; at destroy, every session whose client_reference_id starts
// with the app's prefix is redacted (verified ones included: that is the point).
const redactionPolicy = new BulkRedaction("redact-signup-sessions", {
  filter: { clientReferenceIdPrefix: appPrefix },
  action: "redact",
  runOn: ["destroy"],
  maxSessions: config.getNumber("maxSessions") ?? 10000,
});

export const prefix = appPrefix;
export const smokeTestId = smokeTest.id;
export const policy = { urn: redactionPolicy.urn, lastRunAt: redactionPolicy.lastRunAt };
// What `pulumi state unprotect` takes before the teardown (the run is protected by default).
export const teardownRun = redactionPolicy.runUrn;
