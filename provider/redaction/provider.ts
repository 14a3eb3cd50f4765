// PLACEHOLDER: replaced by the BulkRedaction provider (issue 4).
import type * as pulumi from "@pulumi/pulumi";
export function createBulkRedactionProvider(): pulumi.dynamic.ResourceProvider {
  throw new Error("BulkRedaction provider not implemented yet");
}
