// A teardown policy: redact every session of the app (client_reference_id prefix) at destroy.
import * as pulumi from "@pulumi/pulumi";
// By package name at run time, as a user's program does; the types come from this repo's sources
// because the repo's own type-check cannot resolve the package by name from here.
const { BulkRedaction } = require("pulumi-stripe-identity") as typeof import("../../../../sdk");
type Phase = import("../../../../sdk").BulkRedactionPhase;

const config = new pulumi.Config();
const policy = new BulkRedaction("teardown", {
  filter: { clientReferenceIdPrefix: config.require("prefix") },
  action: "redact",
  runOn: (config.get("runOn") ?? "destroy").split(",") as Phase[],
  requestsPerSecond: 500,
  endpointRequestsPerSecond: 500,
  // Teardown runs are protected by default; this fixture is about what a teardown does when it runs
  // (tests/engine/preview-truth.test.ts covers the protection through the real CLI).
}, { protect: false });

export const matched = policy.matched;
export const redacted = policy.redacted;
export const lastRunAt = policy.lastRunAt;
