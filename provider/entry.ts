/**
 * What the serialized shim (sdk/shim.ts) loads, by package name, inside Pulumi's dynamic-provider
 * process: `require("pulumi-stripe-identity/provider/entry").provider(kind)`.
 *
 * Each kind's provider is a singleton per process so that `configure` (called once per serialized
 * provider text) and later CRUD calls share the same configuration.
 */
import type * as pulumi from "@pulumi/pulumi";

export type ProviderKind = "session" | "bulkRedaction";

const instances = new Map<ProviderKind, pulumi.dynamic.ResourceProvider>();

function build(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  switch (kind) {
    case "session":
      // Loaded lazily so one kind's dependencies never slow the other's start.
      return (require("./session/provider") as typeof import("./session/provider")).createSessionProvider();
    case "bulkRedaction":
      return (require("./redaction/provider") as typeof import("./redaction/provider")).createBulkRedactionProvider();
    default:
      throw new Error(`pulumi-stripe-identity: unknown provider kind "${String(kind)}"`);
  }
}

export function provider(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  let instance = instances.get(kind);
  if (!instance) {
    instance = build(kind);
    instances.set(kind, instance);
  }
  return instance;
}
