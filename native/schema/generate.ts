/**
 * The Pulumi package schema, generated from the zod schemas the core validates with: zod's JSON
 * Schema, translated to Pulumi's schema (named object and enum types, secrets, descriptions from
 * ./docs.ts). `schema.json` at the repo root is this function's output (a test keeps them equal).
 */
import { z } from "zod";
import { ProviderConfig } from "../../provider/config";
import { BulkRedactionArgs, RunPhase } from "../../provider/redaction/inputs";
import { SessionArgs, SessionOutputs } from "../../provider/session/schema";
import { ENUM_DOCS, PACKAGE_DESCRIPTION, PROPERTY_DOCS, RESOURCE_DOCS } from "./docs";

export const PACKAGE = "stripe-identity";
export const TOKENS = {
  session: `${PACKAGE}:index:VerificationSession`,
  bulkRedaction: `${PACKAGE}:index:BulkRedaction`,
} as const;

/** The outputs a BulkRedaction run records (provider/redaction/provider.ts BulkRedactionOutputs), as zod for the schema. */
export const BulkRedactionRunOutputs = z.object({
  matched: z.number().int(),
  redacted: z.number().int(),
  canceled: z.number().int(),
  wouldAct: z.number().int(),
  skipped: z.number().int(),
  skippedByReason: z.record(z.string(), z.number().int()),
  failed: z.number().int(),
  lastRunAt: z.string().nullable(),
  lastRunPhase: RunPhase.nullable(),
  runAccount: z.string().nullable(),
  pendingRedaction: z.array(z.string()),
});

/** Args only the faces fill in (from the URN here): never in the schema. */
const INTERNAL = new Set(["pulumiTag", "resourceName"]);
const SECRET = new Set(["VerificationSession.clientSecret", "VerificationSession.url", "config.apiKey"]);

/** Names of nested object types, by the property that holds them. */
const OBJECT_NAMES: Record<string, string> = {
  "VerificationSession.options": "VerificationSessionOptions",
  "VerificationSessionOptions.document": "DocumentOptions",
  "VerificationSession.providedDetails": "ProvidedDetails",
  "VerificationSession.relatedPerson": "RelatedPerson",
  "VerificationSession.lastError": "LastError",
  "VerificationSession.lastVerificationReport": "ReportSummary",
  "ReportSummary.checks": "ReportChecks",
  "BulkRedaction.filter": "RedactionFilter",
  "BulkRedaction.evidence": "Evidence",
};

/** Names of enum types, by the property that holds them (or whose items they are). */
const ENUM_NAMES: Record<string, string> = {
  "VerificationSession.type": "SessionType",
  "VerificationSession.deletionPolicy": "DeletionPolicy",
  "VerificationSession.status": "SessionStatus",
  "VerificationSession.redactionStatus": "RedactionStatus",
  "DocumentOptions.allowedTypes": "DocumentType",
  "ReportChecks.document": "CheckStatus",
  "ReportChecks.selfie": "CheckStatus",
  "ReportChecks.idNumber": "CheckStatus",
  "ReportChecks.email": "CheckStatus",
  "ReportChecks.phone": "CheckStatus",
  "RedactionFilter.status": "SessionStatus",
  "RedactionFilter.type": "FilterType",
  "BulkRedaction.action": "BulkRedactionAction",
  "BulkRedaction.runOn": "RunOn",
  "BulkRedaction.lastRunPhase": "RunPhase",
};

/**
 * Config the core accepts as typed values or their text (stack config is text): the schema offers
 * the typed form.
 */
const TYPE_OVERRIDES: Record<string, { type: string }> = {
  "config.allowLivemode": { type: "boolean" },
  "config.maxNetworkRetries": { type: "integer" },
};

type Json = Record<string, unknown>;
export type PulumiType = Record<string, unknown>;
export interface PulumiProperty extends PulumiType {
  description?: string;
  secret?: boolean;
}
export interface PulumiSchema {
  name: string;
  version: string;
  types: Record<string, PulumiType>;
  resources: Record<string, PulumiType>;
  [key: string]: unknown;
}

class SchemaBuilder {
  readonly types: Record<string, PulumiType> = {};
  readonly missingDocs: string[] = [];

  token(name: string): string {
    return `${PACKAGE}:index:${name}`;
  }

  /** A JSON Schema node as a Pulumi type reference; nested objects and enums become named types. */
  typeOf(node: Json, owner: string, property: string, io: "input" | "output"): PulumiType {
    const anyOf = node.anyOf as Json[] | undefined;
    if (anyOf) {
      const real = anyOf.filter((branch) => branch.type !== "null");
      // z.json() (triggers): any JSON value.
      if (real.length !== 1) return { $ref: "pulumi.json#/Any" };
      return this.typeOf(real[0], owner, property, io);
    }
    if (node.$ref) return { $ref: "pulumi.json#/Any" };
    // `z.string().nullable()` and kin: the type without its null (nullable outputs are not required).
    if (Array.isArray(node.type)) {
      const real = (node.type as string[]).filter((t) => t !== "null");
      return real.length === 1 ? this.typeOf({ ...node, type: real[0] }, owner, property, io) : { $ref: "pulumi.json#/Any" };
    }
    if (Array.isArray(node.enum)) return this.enumType(node.enum as string[], owner, property);
    switch (node.type) {
      case "string":
      case "boolean":
      case "integer":
      case "number":
        return { type: node.type };
      case "array":
        return { type: "array", items: this.typeOf(node.items as Json, owner, property, io) };
      case "object":
        if (!node.properties) return { type: "object", additionalProperties: this.typeOf((node.additionalProperties as Json) ?? {}, owner, property, io) };
        return { $ref: `#/types/${this.objectType(node, owner, property, io)}` };
      default:
        return { $ref: "pulumi.json#/Any" };
    }
  }

  private enumType(values: string[], owner: string, property: string): PulumiType {
    const name = ENUM_NAMES[`${owner}.${property}`] ?? `${owner}${property[0].toUpperCase()}${property.slice(1)}`;
    const token = this.token(name);
    this.types[token] = {
      description: ENUM_DOCS[name],
      type: "string",
      enum: values.map((value) => ({ value, name: value.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase()) })),
    };
    return { $ref: `#/types/${token}` };
  }

  private objectType(node: Json, owner: string, property: string, io: "input" | "output"): string {
    const name = OBJECT_NAMES[`${owner}.${property}`] ?? `${owner}${property[0].toUpperCase()}${property.slice(1)}`;
    const token = this.token(name);
    const { properties, required } = this.properties(node, name, io);
    // An input type and an output type of one name are one shape here: merge their properties.
    const previous = this.types[token] as { properties?: Json } | undefined;
    this.types[token] = { description: undefined, type: "object", properties: { ...(previous?.properties ?? {}), ...properties }, ...(required.length ? { required } : {}) };
    return token;
  }

  properties(node: Json, owner: string, io: "input" | "output"): { properties: Record<string, PulumiProperty>; required: string[] } {
    const properties: Record<string, PulumiProperty> = {};
    const requiredIn = new Set((node.required as string[] | undefined) ?? []);
    const required: string[] = [];
    for (const [key, child] of Object.entries((node.properties as Record<string, Json>) ?? {})) {
      if (INTERNAL.has(key) || key.startsWith("__")) continue; // internal state (`__` keys): never a user arg or output
      const docKey = `${owner}.${key}`;
      const description = PROPERTY_DOCS[docKey];
      if (!description) this.missingDocs.push(docKey);
      const fallback = child.default !== undefined && io === "input" ? ` Default: \`${JSON.stringify(child.default)}\`.` : "";
      const type = TYPE_OVERRIDES[docKey] ?? this.typeOf(child, owner, key, io);
      properties[key] = { ...type, description: `${description ?? ""}${fallback}`.trim(), ...(SECRET.has(docKey) ? { secret: true } : {}) };
      const nullable = (Array.isArray(child.anyOf) && (child.anyOf as Json[]).some((b) => b.type === "null")) || (Array.isArray(child.type) && child.type.includes("null"));
      if (requiredIn.has(key) && !nullable) required.push(key);
    }
    return { properties, required };
  }
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function resourceSpec(builder: SchemaBuilder, name: string, inputs: z.ZodType, outputs: z.ZodType): PulumiType {
  const input = builder.properties(jsonSchema(inputs, "input"), name, "input");
  const output = builder.properties(jsonSchema(outputs, "output"), name, "output");
  return {
    description: RESOURCE_DOCS[name],
    properties: output.properties,
    ...(output.required.length ? { required: output.required } : {}),
    inputProperties: input.properties,
    ...(input.required.length ? { requiredInputs: input.required } : {}),
  };
}

export function buildSchema(version: string): { schema: PulumiSchema; missingDocs: string[] } {
  const builder = new SchemaBuilder();
  const config = builder.properties(jsonSchema(ProviderConfig, "input"), "config", "input");
  const resources = {
    [TOKENS.session]: resourceSpec(builder, "VerificationSession", SessionArgs, SessionOutputs),
    [TOKENS.bulkRedaction]: resourceSpec(builder, "BulkRedaction", BulkRedactionArgs, BulkRedactionArgs.extend(BulkRedactionRunOutputs.shape)),
  };
  for (const [token, type] of Object.entries(builder.types)) {
    const name = token.split(":").pop() as string;
    if (type.type === "object") type.description = `${name} (see the resource that uses it).`;
  }
  const schema: PulumiSchema = {
    name: PACKAGE,
    displayName: "Stripe Identity",
    version,
    description: PACKAGE_DESCRIPTION,
    keywords: ["pulumi", "stripe", "identity", "kind/native", "category/utility"],
    license: "MIT",
    publisher: "pulumi-stripe-identity",
    meta: { moduleFormat: "(.*)" },
    config: { variables: config.properties },
    provider: {
      description: "The stripe-identity provider. An explicit provider with `stripeAccount` manages one connected account's sessions.",
      inputProperties: config.properties,
      properties: Object.fromEntries(Object.entries(config.properties).filter(([, p]) => p.type === "string")),
    },
    resources,
    types: sorted(builder.types),
    language: {
      nodejs: { packageName: "@pulumi-stripe-identity/stripe-identity", packageDescription: PACKAGE_DESCRIPTION, dependencies: { "@pulumi/pulumi": "3.248.0" } },
      python: { packageName: "pulumi_stripe_identity", requires: { pulumi: ">=3.248.0,<4.0.0" } },
      go: { importBasePath: "github.com/pulumi-stripe-identity/pulumi-stripe-identity/sdk/go/stripeidentity", generateResourceContainerTypes: false },
    },
  };
  return { schema, missingDocs: builder.missingDocs };
}

/** The schema as the plugin serves it and as schema.json holds it. */
export function providerSchemaText(version: string): string {
  return `${JSON.stringify(buildSchema(version).schema, null, 2)}\n`;
}
