import qs from "qs";
import { z } from "zod";
import { invalidParam, invalidRequest, RestError, unknownParam } from "./errors";

/**
 * Request parameters of the 8 operations, as zod schemas next to their types. Form values are
 * all strings on the wire, so booleans and integers are parsed from text. Every string is capped
 * at 5000 characters (the spec's maxLength; fields without one are capped too, since the object
 * echoes them and its schema caps them at 5000).
 */
const Str = z.string().min(1).max(5000);
const IntText = z.string().regex(/^-?\d{1,15}$/).transform(Number);
const BoolText = z.enum(["true", "false"]).transform((v) => v === "true");
const Expand = z.array(z.string().max(5000)).optional();

/** `metadata`: string values; the limits (50 keys, key <= 40, value <= 500) are checked in the domain. */
const Metadata = z.record(z.string(), z.string());
export type MetadataParam = z.infer<typeof Metadata>;

const DocumentOptions = z.strictObject({
  allowed_types: z.array(z.enum(["driving_license", "id_card", "passport"])).optional(),
  require_id_number: BoolText.optional(),
  require_live_capture: BoolText.optional(),
  require_matching_selfie: BoolText.optional(),
});
/** `options[document]` may be "" to unset it; normalized to null before parsing. */
const SessionOptionsParam = z.strictObject({ document: DocumentOptions.nullable().optional() });
export type SessionOptionsParam = z.infer<typeof SessionOptionsParam>;

const ProvidedDetails = z.strictObject({ email: Str.optional(), phone: Str.optional() });

export const CreateSessionParams = z.strictObject({
  client_reference_id: Str.optional(),
  expand: Expand,
  metadata: Metadata.nullable().optional(),
  options: SessionOptionsParam.optional(),
  provided_details: ProvidedDetails.optional(),
  related_customer: Str.optional(),
  related_customer_account: Str.optional(),
  related_person: z.strictObject({ account: Str, person: Str }).optional(),
  return_url: Str.optional(),
  type: z.enum(["document", "id_number"]).optional(),
  verification_flow: Str.optional(),
});
export type CreateSessionParams = z.infer<typeof CreateSessionParams>;

export const UpdateSessionParams = z.strictObject({
  expand: Expand,
  metadata: Metadata.nullable().optional(),
  options: SessionOptionsParam.optional(),
  provided_details: ProvidedDetails.optional(),
  type: z.enum(["document", "id_number"]).optional(),
});
export type UpdateSessionParams = z.infer<typeof UpdateSessionParams>;

/** Cancel, redact and every retrieve take `expand` only. */
export const ExpandOnlyParams = z.strictObject({ expand: Expand });
export type ExpandOnlyParams = z.infer<typeof ExpandOnlyParams>;

const Created = z.union([
  IntText,
  z.strictObject({ gt: IntText.optional(), gte: IntText.optional(), lt: IntText.optional(), lte: IntText.optional() }),
]);
export type CreatedParam = z.infer<typeof Created>;

const ListCommon = {
  client_reference_id: Str.optional(),
  created: Created.optional(),
  ending_before: Str.optional(),
  expand: Expand,
  limit: IntText.optional(),
  starting_after: Str.optional(),
};

export const ListSessionsParams = z.strictObject({
  ...ListCommon,
  related_customer: Str.optional(),
  related_customer_account: Str.optional(),
  status: z.enum(["canceled", "processing", "requires_input", "verified"]).optional(),
});
export type ListSessionsParams = z.infer<typeof ListSessionsParams>;

export const ListReportsParams = z.strictObject({
  ...ListCommon,
  type: z.enum(["document", "id_number"]).optional(),
  verification_session: Str.optional(),
});
export type ListReportsParams = z.infer<typeof ListReportsParams>;

const QS_OPTIONS: qs.IParseOptions & { decoder?: never } = {
  depth: 5,
  strictDepth: true,
  // A Redaction Job lists its sessions one parameter each (`objects[identity_verification_sessions][i]`);
  // the 1 MB body cap (about 14,000 ids) binds before this does.
  parameterLimit: 20_000,
  throwOnLimitExceeded: true,
  // Brackets make objects, never arrays: `metadata[2024]=v` and `metadata[0]=v` are ordinary keys,
  // as in Stripe. Array params are rebuilt from their indices below (arraysFromIndices).
  parseArrays: false,
  // A repeated key keeps its last value, as Stripe's parser does (`type=document&type=id_number`).
  duplicates: "last",
  plainObjects: true,
};

const INDEX = /^\d+$/;

/**
 * Turns `{ "0": a, "1": b }` (what `expand[0]=a&expand[1]=b` parses to) into `[a, b]`, in index
 * order, everywhere but inside `metadata`, whose keys are data. `x[]=a&x[]=b` comes out as
 * `{ "0": [a, b] }` and is flattened the same way.
 */
function arraysFromIndices(value: unknown, key?: string): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (key === "metadata") return value;
  if (entries.length > 0 && entries.every(([k]) => INDEX.test(k))) {
    return entries
      .sort(([a], [b]) => Number(a) - Number(b))
      .flatMap(([, v]) => (Array.isArray(v) ? v : [arraysFromIndices(v)]));
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, arraysFromIndices(v, k)]));
}

/** `metadata[]=x`: an array where Stripe expects a hash (brackets with no key), raw or percent-encoded. */
const ARRAY_FOR_METADATA = /(?:^|&)metadata(?:\[|%5B)(?:\]|%5D)/i;

/** Parses a form body or query string with nested brackets; junk becomes a 400, never a throw. */
export function parseForm(text: string): Record<string, unknown> {
  if (text === "") return {};
  // Stripe refuses an array for a hash; qs would make it the key "0", a value nobody sent.
  if (ARRAY_FOR_METADATA.test(text)) throw invalidParam("metadata", undefined, "Invalid hash");
  try {
    return arraysFromIndices(qs.parse(text, QS_OPTIONS)) as Record<string, unknown>;
  } catch (error) {
    throw invalidRequest(`Invalid request parameters: ${(error as Error).message}.`, { malformed: true });
  }
}

/** Validates parsed params; the first problem (unknown parameters first, as Stripe) becomes a 400. */
export function validate<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  normalizeUnsets(input);
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = [...result.error.issues].sort((a, b) => rank(a) - rank(b));
  throw toRestError(issues[0]);
}

function rank(issue: z.core.$ZodIssue): number {
  return issue.code === "unrecognized_keys" ? 0 : 1;
}

/** "" on `metadata` and `options[document]` means unset: map it to null before validation. */
function normalizeUnsets(input: Record<string, unknown>): void {
  if (input.metadata === "") input.metadata = null;
  const options = input.options;
  if (options && typeof options === "object" && (options as Record<string, unknown>).document === "") {
    (options as Record<string, unknown>).document = null;
  }
}

/** `["options","document","allowed_types",0]` -> `options[document][allowed_types][0]`. */
export function paramName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "";
  return String(path[0]) + path.slice(1).map((p) => `[${String(p)}]`).join("");
}

function describe(input: unknown): string {
  const text = typeof input === "string" ? input : JSON.stringify(input) ?? String(input);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function toRestError(issue: z.core.$ZodIssue): RestError {
  const param = paramName(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return unknownParam(paramName([...issue.path, issue.keys[0]]));
    case "invalid_type":
      if (issue.input === undefined) {
        return invalidParam(param, "parameter_missing", `Missing required param: ${param}.`);
      }
      return invalidParam(param, issue.expected === "int" || issue.expected === "number" ? "parameter_invalid_integer" : undefined, `Invalid ${issue.expected}: ${describe(issue.input)}`);
    case "invalid_value": {
      const values = issue.values.map(String);
      if (values.length === 2 && values.includes("true") && values.includes("false")) {
        return invalidParam(param, undefined, `Invalid boolean: ${describe(issue.input)}`);
      }
      return invalidParam(param, undefined, `Invalid ${param}: must be one of ${values.join(", ")}`);
    }
    case "invalid_format":
      return invalidParam(param, "parameter_invalid_integer", `Invalid integer: ${describe(issue.input)}`);
    case "too_small":
      return invalidParam(
        param,
        "parameter_invalid_empty",
        `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
      );
    case "too_big":
      return invalidParam(
        param,
        undefined,
        `Invalid ${param}: must be at most ${String(issue.maximum)} characters`,
      );
    default:
      return invalidParam(param, undefined, `Invalid ${param || "parameters"}: ${issue.message}`);
  }
}
