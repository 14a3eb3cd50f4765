import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import spec from "../../spec/identity.json";

/**
 * Validators for the response schemas of `spec/identity.json`. OpenAPI 3.0 `nullable` becomes a
 * JSON-schema `null` alternative, and every object without its own `additionalProperties` gets
 * `additionalProperties: false`, so a field the spec does not define fails validation.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function convert(node: Json): Json {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== "object") return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("x-") || key === "description" || key === "nullable") continue;
    out[key] = key === "properties" ? mapValues(value, convert) : convert(value);
  }
  if (typeof out.$ref === "string") out.$ref = `spec${out.$ref}`;
  const isObject = out.type === "object" || out.properties !== undefined;
  if (isObject && out.additionalProperties === undefined) out.additionalProperties = false;
  if ((node as { nullable?: boolean }).nullable) return { anyOf: [out, { type: "null" }] };
  return out;
}

function mapValues(value: Json, fn: (v: Json) => Json): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)]));
}

let ajv: Ajv | undefined;

function instance(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat("unix-time", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= 0 });
  ajv.addSchema({ $id: "spec", components: convert(spec.components as unknown as Json) } as object);
  return ajv;
}

/** A validator for a component schema, e.g. `identity.verification_session` or `error`. */
export function componentValidator(name: string): ValidateFunction {
  return instance().compile({ $ref: `spec#/components/schemas/${name}` });
}

/** The 200 response schema of an operation, e.g. ("get", "/v1/identity/verification_sessions"). */
export function responseValidator(method: "get" | "post", path: string): ValidateFunction {
  const paths = spec.paths as unknown as Record<string, Record<string, { responses: { "200": { content: { "application/json": { schema: Json } } } } }>>;
  const schema = paths[path][method].responses["200"].content["application/json"].schema;
  return instance().compile(convert(schema) as object);
}
