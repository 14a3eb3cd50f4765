// Declarative cleanup of test-mode sessions: every `pulumi up` redacts the test-mode sessions
// created before a cut-off (`keepDays` ago). The cut-off is computed at each run, so the
// resource's input changes on every up and its `update` step sweeps again.
import * as pulumi from "@pulumi/pulumi";
import { BulkRedaction } from "pulumi-stripe-identity";

const config = new pulumi.Config();
const keepDays = config.getNumber("keepDays") ?? 7;
const cutoff = new Date(Date.now() - keepDays * 24 * 3600 * 1000);
// Whole minutes: two runs within the same minute are a no-op, like any unchanged resource.
cutoff.setUTCSeconds(0, 0);

const cleanup = new BulkRedaction("test-mode-cleanup", {
  filter: {
    status: ["requires_input", "verified", "canceled"],
    createdBefore: cutoff.toISOString(),
  },
  action: "redact",
  runOn: ["create", "update"],
  // Test keys only: a live key makes the sweep refuse (allowLivemode stays false).
  maxSessions: config.getNumber("maxSessions") ?? 10000,
  dryRun: config.getBoolean("dryRun") ?? false,
});

export const cutoffDate = cutoff.toISOString();
export const matched = cleanup.matched;
export const redacted = cleanup.redacted;
export const skipped = cleanup.skipped;
export const failed = cleanup.failed;
export const lastRunAt = cleanup.lastRunAt;
