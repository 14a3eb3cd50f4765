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

/**
 * Pulumi's dynamic-provider host prints `${error}: ${error.stack}` to stderr for a failed check,
 * diff, read or delete, then reports the same error again: a user read it three times, the first as
 * `IdentityError: ...:`. Our deliberate errors have no stack (errors.ts), so that copy ends in ": "
 * and is dropped here; the engine still shows the error under the resource and in the summary.
 */
let quieted = false;
function quietDuplicateErrors(): void {
  if (quieted) return;
  quieted = true;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]): void => {
    if (args.length === 1 && typeof args[0] === "string" && /^[A-Za-z]*Error: [\s\S]*: $/.test(args[0])) return;
    original(...args);
  };
}

export function provider(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  quietDuplicateErrors();
  let instance = instances.get(kind);
  if (!instance) {
    instance = build(kind);
    instances.set(kind, instance);
  }
  return instance;
}
