/**
 * The provider object Pulumi serializes into every resource's state (`__provider`).
 *
 * Pulumi turns this object, and everything its functions capture, into source text that it runs
 * later in another process (docs/architecture.md, "The serialization rule"). So: no imports in this file, nothing
 * captured but the `kind` string, and the real provider is loaded by package name at run time.
 * Keep it this way: a captured module, schema, client or key ends up in every stack's state.
 *
 * One object per kind: Pulumi caches a serialized closure by object identity, so a stack of many
 * resources serializes each kind once instead of once per resource (about half a large preview).
 */
import type * as pulumi from "@pulumi/pulumi";

type Kind = "session" | "bulkRedaction";

const cache = new Map<Kind, pulumi.dynamic.ResourceProvider>();

export function serializableProvider(kind: Kind): pulumi.dynamic.ResourceProvider {
  const cached = cache.get(kind);
  if (cached) return cached;
  const made = makeProvider(kind);
  cache.set(kind, made);
  return made;
}

function makeProvider(kind: Kind): pulumi.dynamic.ResourceProvider {
  const load = (): pulumi.dynamic.ResourceProvider => {
    let entry: { provider(kind: Kind): pulumi.dynamic.ResourceProvider };
    try {
      entry = require("pulumi-stripe-identity/provider/entry");
    } catch (error) {
      if (error && (error as { code?: string }).code === "MODULE_NOT_FOUND" && String(error).includes("pulumi-stripe-identity")) {
        throw new Error(
          "pulumi-stripe-identity is not installed where this Pulumi program runs (" + process.cwd() + "). " +
            "Run `npm install pulumi-stripe-identity` in the program's folder, then retry.",
        );
      }
      throw error;
    }
    return entry.provider(kind);
  };
  // async: a failed load (package missing) becomes a rejected promise, like any provider error.
  return {
    configure: async (req) => load().configure!(req),
    check: async (olds, news) => load().check!(olds, news),
    diff: async (id, olds, news) => load().diff!(id, olds, news),
    create: async (inputs) => load().create(inputs),
    read: async (id, props) => load().read!(id, props),
    update: async (id, olds, news) => load().update!(id, olds, news),
    delete: async (id, props) => load().delete!(id, props),
  };
}
