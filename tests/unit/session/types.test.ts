/**
 * Two-way type test: the parts of Stripe.Identity.VerificationSession (and its params) we map must
 * keep matching our schema's types. A change in either side fails `tsc` (and this test file).
 */
import type Stripe from "stripe";
import type { CreateParams, UpdateParams } from "../../../provider/session/mapping";
import type { SessionStatus, RedactionStatus, LastError, DocumentOptions, RelatedPerson, SessionArgsInput, SessionOutputs } from "../../../provider/session/schema";
import { DOCUMENT_TYPES, SESSION_TYPES } from "../../../provider/session/schema";
import type * as sdk from "../../../sdk/types";

type VS = Stripe.Identity.VerificationSession;
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assignable<A, B> = [A] extends [B] ? true : false;
const assert = <T extends true>(): T => true as T;

// Known values, with Stripe's `| OtherString` escape hatch removed.
type Known<T> = T extends string ? (string extends T ? never : T) : never;

// Status: ours is exactly Stripe's known statuses, both ways.
assert<Equals<SessionStatus, Known<VS["status"]>>>();
assert<Equals<sdk.SessionStatus, SessionStatus>>();
// Redaction status: both ways.
assert<Equals<RedactionStatus, Known<NonNullable<VS["redaction"]>["status"]>>>();
assert<Equals<sdk.RedactionStatus, RedactionStatus>>();
// last_error: Stripe's shape fits ours, ours fits Stripe's known codes.
assert<Assignable<{ code: string | null; reason: string | null }, LastError>>();
assert<Assignable<NonNullable<VS["last_error"]>, LastError>>();
// Object fields we read: present with these types.
assert<Assignable<VS["livemode"], boolean>>();
assert<Assignable<VS["created"], number>>();
assert<Assignable<VS["client_secret"], string | null>>();
assert<Assignable<VS["url"], string | null>>();
assert<Assignable<NonNullable<VS["related_person"]>, RelatedPerson>>();
assert<Assignable<RelatedPerson, NonNullable<VS["related_person"]>>>();
// Document types and session types: ours equal Stripe's known values, both ways.
assert<Equals<(typeof DOCUMENT_TYPES)[number], Known<NonNullable<NonNullable<NonNullable<VS["options"]>["document"]>["allowed_types"]>[number]>>>();
assert<Equals<(typeof SESSION_TYPES)[number], Known<NonNullable<Stripe.Identity.VerificationSessionCreateParams["type"]>>>>();
assert<Equals<sdk.DocumentType, (typeof DOCUMENT_TYPES)[number]>>();
assert<Equals<sdk.SessionType, (typeof SESSION_TYPES)[number]>>();
// Our document options have exactly the API's four keys (camelCase).
type Snake<S extends string> = S extends `${infer H}${infer T}` ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}` : S;
assert<Equals<Snake<keyof DocumentOptions & string>, keyof NonNullable<NonNullable<VS["options"]>["document"]>>>();
// The params we build are the SDK's params.
assert<Equals<CreateParams, Stripe.Identity.VerificationSessionCreateParams>>();
assert<Equals<UpdateParams, Stripe.Identity.VerificationSessionUpdateParams>>();

// The SDK's public args are the schema's args (minus the hidden tag source), and each SDK output is an output.
assert<Equals<keyof sdk.VerificationSessionArgs, Exclude<keyof SessionArgsInput, "pulumiTag">>>();
assert<Equals<keyof sdk.DocumentOptionsArgs, keyof DocumentOptions>>();
assert<Assignable<SessionOutputs["lastVerificationReport"], sdk.ReportSummary | null>>();
assert<Assignable<SessionOutputs["lastError"], sdk.LastError | null>>();
assert<Assignable<SessionOutputs["redactionStatus"], sdk.RedactionStatus | null>>();

describe("types", () => {
  it("compile-time assertions hold (this file type-checks)", () => {
    expect(DOCUMENT_TYPES).toEqual(["driving_license", "id_card", "passport"]);
  });
});
