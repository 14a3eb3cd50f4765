// A Stripe Connect platform that runs Identity for its connected accounts: each account gets its
// own onboarding session, and its own privacy policy: when the stack is torn down, every session
// the platform's app made in that account (client_reference_id prefix `app-`) is redacted. Every
// request of a resource carries its account (the `Stripe-Account` header); the account is recorded
// in state, so a destroy from another machine acts on the same accounts.
import * as pulumi from "@pulumi/pulumi";
import { BulkRedaction, VerificationSession } from "pulumi-stripe-identity";

const config = new pulumi.Config();
// The connected accounts this stack serves (acct_... ids of your platform's accounts).
const accounts = config.getObject<string[]>("connectedAccounts") ?? ["acct_1Shop", "acct_2Clinic"];
const appPrefix = config.get("appReferencePrefix") ?? "app-";
// Where the teardown redactions append their evidence (check it with `stripe-identity-sweep verify`).
const evidenceFile = config.get("evidenceFile");

export const perAccount = accounts.map((account) => {
  const onboarding = new VerificationSession(`onboarding-${account}`, {
    stripeAccount: account,
    type: "document",
    clientReferenceId: `${appPrefix}onboarding`,
    deletionPolicy: "redact",
  });
  const teardown = new BulkRedaction(`redact-${account}`, {
    stripeAccount: account,
    filter: { clientReferenceIdPrefix: appPrefix },
    action: "redact",
    runOn: ["destroy"],
    maxSessions: config.getNumber("maxSessions") ?? 10000,
    ...(evidenceFile ? { evidence: { path: evidenceFile } } : {}),
  });
  return { account, sessionId: onboarding.id, sessionAccount: onboarding.sessionAccount, policy: teardown.urn };
});
