// Declarative cleanup of test-mode sessions: every `pulumi up` redacts the test-mode sessions
// created more than `keepDays` days before the run (`runOn: ["everyUp"]`: at the first up and at
// every later one, even when nothing in this program changed).
import * as pulumi from "@pulumi/pulumi";
import { BulkRedaction } from "pulumi-stripe-identity";

const config = new pulumi.Config();
const keepDays = config.getNumber("keepDays") ?? 7;

const cleanup = new BulkRedaction("test-mode-cleanup", {
  // A relative date is resolved when the sweep runs: "older than keepDays as of this up".
  filter: { createdBefore: `${keepDays}d` },
  action: "redact",
  runOn: ["everyUp"],
  // Guards: stop, touching nothing, if far more match than expected; live keys are refused
  // (allowLivemode stays false).
  maxSessions: config.getNumber("maxSessions") ?? 10000,
  dryRun: config.getBoolean("dryRun") ?? false,
});

export const matched = cleanup.matched;
export const redacted = cleanup.redacted;
export const skipped = cleanup.skipped;
export const lastRunAt = cleanup.lastRunAt;
