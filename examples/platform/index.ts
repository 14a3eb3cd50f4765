// A platform's Stripe Identity setup: one session per use case, each with the deletion policy its
// data calls for, plus two bulk policies: clean stale test-mode sessions on every change, and
// redact at teardown every session this stack's app created.
import * as pulumi from "@pulumi/pulumi";
import { BulkRedaction, VerificationSession } from "pulumi-stripe-identity";

const config = new pulumi.Config();
const stack = pulumi.getStack();
// The app tags the sessions it creates at run time with this client_reference_id prefix.
const appPrefix = config.get("appReferencePrefix") ?? `app-${stack}-`;
const supportEmail = config.get("supportEmail") ?? "kyc-team@example.com";

// Onboarding: a hosted document + selfie check. Canceled at teardown if nobody finished it
// (the default policy); a verified one is left as it is.
const onboarding = new VerificationSession("onboarding", {
  type: "document",
  options: {
    document: {
      allowedTypes: ["passport", "id_card", "driving_license"],
      requireLiveCapture: true,
      requireMatchingSelfie: true,
    },
  },
  clientReferenceId: `platform-${stack}-onboarding`,
  metadata: { useCase: "onboarding", owner: "growth" },
  returnUrl: "https://example.com/onboarding/done",
  deletionPolicy: "cancel",
});

// Payouts KYC: an ID-number check whose personal data must not outlive the stack: redacted.
const payouts = new VerificationSession("payouts-kyc", {
  type: "id_number",
  providedDetails: { email: supportEmail },
  clientReferenceId: `platform-${stack}-payouts`,
  metadata: { useCase: "payouts", owner: "finance" },
  deletionPolicy: "redact",
});

// Compliance keeps its evidence: the session stays in Stripe when the stack goes.
const audit = new VerificationSession("compliance-audit", {
  type: "document",
  options: { document: { allowedTypes: ["passport"], requireIdNumber: true } },
  clientReferenceId: `platform-${stack}-audit`,
  metadata: { useCase: "audit", owner: "compliance" },
  deletionPolicy: "retain",
});

// Housekeeping: test-mode sessions nobody finished in 30 days are redacted at create, and again
// whenever these args change (see examples/test-mode-cleanup for a sweep on every up).
const staleCleanup = new BulkRedaction("stale-test-sessions", {
  filter: { status: ["requires_input"], createdBefore: config.get("staleAfter") ?? "30d" },
  action: "redact",
  runOn: ["create", "update"],
  maxSessions: 5000,
  // On a shared test account you may want to see what it would do first.
  dryRun: config.getBoolean("staleCleanupDryRun") ?? false,
});

// Privacy policy: when this stack is destroyed, redact every session its app created.
const teardown = new BulkRedaction("redact-app-sessions", {
  filter: { clientReferenceIdPrefix: appPrefix },
  action: "redact",
  runOn: ["destroy"],
  maxSessions: 5000,
});

export const sessions = {
  onboarding: { id: onboarding.id, status: onboarding.status, policy: onboarding.deletionPolicy },
  payouts: { id: payouts.id, status: payouts.status, policy: payouts.deletionPolicy },
  audit: { id: audit.id, status: audit.status, policy: audit.deletionPolicy },
};
// Secret: the hosted page the onboarding user is sent to.
export const onboardingUrl = onboarding.url;
export const staleCleanupResult = { matched: staleCleanup.matched, redacted: staleCleanup.redacted };
export const appSessionPrefix = appPrefix;
export const teardownLastRun = teardown.lastRunAt;
