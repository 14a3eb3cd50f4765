/**
 * The SDK's public arg types (sdk/BulkRedaction.ts, no zod in users' programs) against the zod
 * schemas the provider validates with: drift fails type-checking (npm run typecheck) here.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { BulkRedactionArgs as SdkArgs, BulkRedactionFilterArgs } from "../../../sdk/BulkRedaction";
import type { RedactionFilter } from "../../../provider/redaction/filter";
import type { BulkRedactionArgsInput } from "../../../provider/redaction/inputs";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assignable<From, To> = [From] extends [To] ? true : false;

type SdkFilter = pulumi.Unwrap<BulkRedactionFilterArgs>;
type SchemaFilter = z.input<typeof RedactionFilter>;

// Every filter field, same names, same value types, both ways.
const filterKeys: Equal<keyof SdkFilter, keyof SchemaFilter> = true;
const filterToSchema: Assignable<SdkFilter, SchemaFilter> = true;
const schemaToFilter: Assignable<SchemaFilter, SdkFilter> = true;

// The args: what the SDK accepts is what the provider's schema accepts (minus the SDK-set name and
// the filter, checked above; triggers are any JSON on one side and unknown on the other).
type SdkRest = Omit<pulumi.Unwrap<SdkArgs>, "filter" | "triggers">;
type SchemaRest = Omit<BulkRedactionArgsInput, "filter" | "triggers" | "resourceName">;
const argKeys: Equal<keyof SdkRest, keyof SchemaRest> = true;
const argsToSchema: Assignable<SdkRest, SchemaRest> = true;
const schemaToArgs: Assignable<SchemaRest, SdkRest> = true;

test("SDK arg types and provider schemas agree (checked by the compiler)", () => {
  expect([filterKeys, filterToSchema, schemaToFilter, argKeys, argsToSchema, schemaToArgs]).toEqual([true, true, true, true, true, true]);
});
