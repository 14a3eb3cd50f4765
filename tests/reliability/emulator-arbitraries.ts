/**
 * fast-check arbitraries for raw requests to the emulator: paths at every route (ids known,
 * unknown and malformed), form bodies and query strings (valid, nearly valid, deep brackets, huge
 * arrays, invalid UTF-8, JSON, random bytes), content types, credentials and extra headers.
 */
import fc from "fast-check";

const SESSIONS = "/v1/identity/verification_sessions";
const REPORTS = "/v1/identity/verification_reports";

/** encodeURIComponent that tolerates lone surrogates (they become U+FFFD). */
export function encode(text: string): string {
  return encodeURIComponent(Buffer.from(text, "utf8").toString("utf8"));
}

/** The key an Authorization header presents, read as the emulator reads it ("" for none). */
export function presentedKey(auth: string): string {
  if (/^bearer /i.test(auth)) return auth.slice(7).trim();
  if (/^basic /i.test(auth)) return Buffer.from(auth.slice(6).trim(), "base64").toString("utf8").split(":")[0];
  return "";
}

export interface ArbitraryContext {
  /** The account's key (known once the emulator runs). */
  key: () => string;
  /** Ids of sessions in the account (filled before the first case runs). */
  known: readonly string[];
}

export function requestArbitraries(ctx: ArbitraryContext) {
  const junkText = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: "binary", maxLength: 20 }),
    fc.constantFrom("", " ", "%", "%E0%A4%A", "%FF%FE", "%00", "[", "]", "[]", "=", "&&", "\u0000", "☃", "\ud800", "null", "-1", "1e309", "99999999999999999999", "true"),
    fc.integer({ min: 4990, max: 5010 }).map((n) => "x".repeat(n)),
  );
  const knownId = fc.constantFrom(...Array.from({ length: 24 }, (_, i) => i)).map((i) => ctx.known[i] ?? "vs_missing");
  const idSegment = fc.oneof(knownId, knownId, fc.constant("vs_missing0000000000000000"), junkText.map((s) => encode(s)), junkText.map((s) => s.replace(/[\s?#/]/g, "")));

  /** A key path like `a[b][][c]`, sometimes far deeper than qs's limit. */
  const bracketKey = fc.tuple(
    fc.constantFrom("type", "metadata", "options", "expand", "created", "limit", "starting_after", "ending_before", "status", "provided_details", "related_person", "client_reference_id", "verification_flow", "return_url", "x"),
    fc.array(fc.oneof(fc.constant(""), fc.constantFrom("document", "allowed_types", "gte", "lt", "email", "0", "101"), fc.string({ maxLength: 6 })), { maxLength: 40 }),
  ).map(([head, rest]) => head + rest.map((p) => `[${p}]`).join(""));

  const encodeMaybe = (text: string): string => (text.length % 2 === 0 ? encode(text) : text);
  const validValue = fc.constantFrom("document", "id_number", "passport", "id_card", "true", "false", "3", "100", "0", "last_verification_report", "data.last_verification_report", "requires_input", "verified", "1700000050", "");
  const pair = fc.tuple(bracketKey, fc.oneof(validValue, validValue, junkText, knownId));
  const form = fc.oneof(
    fc.array(pair, { maxLength: 12 }).map((pairs) => pairs.map(([k, v]) => `${encodeMaybe(k)}=${encode(v)}`).join("&")),
    fc.array(pair, { maxLength: 12 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&")),
    fc.constantFrom("type=document", "type=id_number&metadata[a]=b", "verification_flow=vf_1", "type=document&options[document][allowed_types][]=passport", "metadata=", "limit=2", "limit=101", "created[gte]=1700000000&limit=5"),
    fc.integer({ min: 101, max: 1200 }).map((n) => Array.from({ length: n }, (_, i) => `expand[]=e${i}`).join("&")),
    fc.integer({ min: 6, max: 60 }).map((n) => `metadata${"[a]".repeat(n)}=1`),
    junkText,
  );
  const invalidUtf8 = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from("type=document&metadata[k]="), Buffer.from(bytes), Buffer.from([0xc3, 0x28, 0xff])]));
  const body = fc.oneof(
    { weight: 6, arbitrary: form.map((s) => Buffer.from(s, "utf8")) },
    { weight: 2, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "")) },
  );

  const contentType = fc.oneof(
    fc.constantFrom("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "application/json", "text/plain", "multipart/form-data; boundary=x", "", "application/x-www-form-urlencoded\u0000", "APPLICATION/X-WWW-FORM-URLENCODED"),
    fc.string({ maxLength: 40 }),
  );

  function credential(): fc.Arbitrary<string | undefined> {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant(`Bearer ${ctx.key()}`) },
      { weight: 1, arbitrary: fc.constant(`Basic ${Buffer.from(`${ctx.key()}:`).toString("base64")}`) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      {
        weight: 3,
        arbitrary: fc.oneof(
          fc.constantFrom("Bearer", "Bearer ", "Basic", "Basic !!!", "Basic " + Buffer.from(":").toString("base64"), `bearer ${ctx.key()}`, `Token ${ctx.key()}`, `Bearer ${ctx.key()}x`, `Bearer ${ctx.key().replace("sk_test_", "pk_test_")}`, "Bearer sk_test_", "Bearer sk_live_\u00ff\u00fe"),
          fc.string({ maxLength: 60 }).map((s) => `Bearer sk_test_${s}`),
          fc.string({ unit: "binary", maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString("base64")}`),
          fc.integer({ min: 200, max: 9000 }).map((n) => `Bearer sk_test_${"k".repeat(n)}`),
        ),
      },
    );
  }

  /** Header values as raw bytes; CR/LF removed (they would only split the header). */
  const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("latin1")), fc.integer({ min: 8000, max: 20000 }).map((n) => "h".repeat(n)));
  const extraHeaders = fc.array(
    fc.tuple(fc.constantFrom("Idempotency-Key", "Stripe-Version", "Stripe-Account", "Accept", "X-Junk", "Accept-Encoding", "Expect"), headerValue),
    { maxLength: 3 },
  );

  function routeTarget(): fc.Arbitrary<{ method: string; path: string }> {
    const methods = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("GET", "POST") }, { weight: 1, arbitrary: fc.constantFrom("DELETE", "PUT", "PATCH", "OPTIONS", "HEAD", "TRACE") });
    const path = fc.oneof(
      fc.constant(SESSIONS),
      idSegment.map((id) => `${SESSIONS}/${id}`),
      idSegment.map((id) => `${SESSIONS}/${id}/cancel`),
      idSegment.map((id) => `${SESSIONS}/${id}/redact`),
      fc.constant(REPORTS),
      idSegment.map((id) => `${REPORTS}/${id}`),
      fc.constantFrom("/v1/", "/v1/identity", `${SESSIONS}/`, `${SESSIONS}//cancel`, `${SESSIONS}/a/b/c/d`, "/", "/v2/identity/verification_sessions", `${SESSIONS}/%`, "*"),
    );
    return fc.record({ method: methods, path });
  }
  return { junkText, idSegment, form, body, contentType, credential, extraHeaders, routeTarget };
}
