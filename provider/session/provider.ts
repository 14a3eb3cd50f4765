// PLACEHOLDER: replaced by the VerificationSession provider (issue 3).
import type * as pulumi from "@pulumi/pulumi";
export function createSessionProvider(): pulumi.dynamic.ResourceProvider {
  throw new Error("VerificationSession provider not implemented yet");
}
