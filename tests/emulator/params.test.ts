import fc from "fast-check";
import Stripe from "stripe";
import { startTestAccount, TestEmulator } from "../helpers/emulator";

/**
 * Bad input: unknown parameters, wrong types, bad enums, huge values, malformed and oversized
 * bodies, deeply nested junk. Always a 400 naming the parameter, never a 500, never a crash.
 */
let emu: TestEmulator;
let key: string;
let stripe: Stripe;

beforeAll(async () => ({ emu, key, stripe } = await startTestAccount()));
afterAll(() => emu.close());

const SESSIONS = "/v1/identity/verification_sessions";

async function post(path: string, body: string, contentType = "application/x-www-form-urlencoded") {
  const res = await fetch(`${emu.url}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": contentType },
    body,
  });
  return { status: res.status, error: ((await res.json()) as { error?: { type: string; code?: string; param?: string; message: string } }).error };
}

async function get(pathAndQuery: string) {
  const res = await fetch(`${emu.url}${pathAndQuery}`, { headers: { Authorization: `Bearer ${key}` } });
  return { status: res.status, error: ((await res.json()) as { error?: { code?: string; param?: string } }).error };
}

test.each([
  ["unknown top-level", "type=document&colour=red", "parameter_unknown", "colour"],
  ["unknown nested", "type=document&options[document][foo]=1", "parameter_unknown", "options[document][foo]"],
  ["unknown options key", "type=document&options[email][x]=1", "parameter_unknown", "options[email]"],
  ["bad enum", "type=selfie", undefined, "type"],
  ["bad array enum", "type=document&options[document][allowed_types][0]=library_card", undefined, "options[document][allowed_types][0]"],
  ["bad boolean", "type=document&options[document][require_live_capture]=maybe", undefined, "options[document][require_live_capture]"],
  ["object for string", "type=document&client_reference_id[a]=x", undefined, "client_reference_id"],
  ["array for string", "type=document&client_reference_id[]=a", undefined, "client_reference_id"],
  ["string for object", "type=document&options=abc", undefined, "options"],
  ["nested metadata", "type=document&metadata[a][b]=c", undefined, "metadata[a]"],
  ["missing required nested", "type=document&related_person[account]=acct_1", "parameter_missing", "related_person[person]"],
  ["empty string", "type=document&client_reference_id=", "parameter_invalid_empty", "client_reference_id"],
  ["huge value", `type=document&client_reference_id=${"x".repeat(5001)}`, undefined, "client_reference_id"],
  ["huge unbounded value", `type=document&return_url=${"x".repeat(6000)}`, undefined, "return_url"],
  ["huge metadata value", `type=document&metadata[k]=${"v".repeat(501)}`, undefined, "metadata[k]"],
  ["expand not an array", "type=document&expand=last_verification_report", undefined, "expand"],
])("create with %s -> 400", async (_name, body, code, param) => {
  const res = await post(SESSIONS, body);
  expect(res.status).toBe(400);
  expect(res.error).toMatchObject({ type: "invalid_request_error", param });
  // Only codes Stripe sends (error-codes.test.ts); none where Stripe sends none.
  expect(res.error?.code).toBe(code);
});

test.each([
  ["limit not a number", "?limit=ten", "limit"],
  ["limit too big", "?limit=1000", "limit"],
  ["created junk", "?created[gt]=yesterday", "created[gt]"],
  ["created unknown op", "?created[between]=1", "created[between]"],
  ["status enum", "?status=done", "status"],
  ["unknown query param", "?colour=red", "colour"],
])("list with %s -> 400", async (_name, query, param) => {
  const res = await get(`${SESSIONS}${query}`);
  expect(res.status).toBe(400);
  expect(res.error?.param).toBe(param);
});

test("update and cancel reject parameters they do not take", async () => {
  const { id } = await stripe.identity.verificationSessions.create({ type: "document" });
  expect((await post(`${SESSIONS}/${id}`, "client_reference_id=x")).error).toMatchObject({ code: "parameter_unknown", param: "client_reference_id" });
  expect((await post(`${SESSIONS}/${id}/cancel`, "metadata[a]=b")).error).toMatchObject({ code: "parameter_unknown", param: "metadata" });
  expect((await get(`${SESSIONS}/${id}?foo=bar`)).error).toMatchObject({ code: "parameter_unknown", param: "foo" });
});

test.each([
  ["percent junk", "type=%E0%A4%A", "application/x-www-form-urlencoded"],
  ["deep nesting", "type=document&options[document][a][b][c][d][e][f][g]=1", "application/x-www-form-urlencoded"],
  ["too many params", Array.from({ length: 1500 }, (_, i) => `metadata[k${i}]=v`).join("&"), "application/x-www-form-urlencoded"],
  ["a JSON body", JSON.stringify({ type: "document" }), "application/json"],
  ["binary junk", "\u0000\u0001\uffff=\u0002&[[[]]]=]]", "application/x-www-form-urlencoded"],
  ["brackets only", "[]=1&[a]=2&a[=3", "application/x-www-form-urlencoded"],
  ["prototype keys", "__proto__[polluted]=1&constructor[prototype][x]=1&type=document", "application/x-www-form-urlencoded"],
])("malformed body (%s) -> 400, emulator keeps serving", async (_name, body, contentType) => {
  const res = await post(SESSIONS, body, contentType);
  expect(res.status).toBe(400);
  expect(res.error?.type).toBe("invalid_request_error");
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect((await stripe.identity.verificationSessions.list({ limit: 1 })).object).toBe("list");
});

test("an oversized body is a 400", async () => {
  const res = await post(SESSIONS, `type=document&client_reference_id=${"x".repeat(2 * 1024 * 1024)}`);
  expect(res.status).toBe(400);
});

test("ids that are too long or badly encoded never cause a 500", async () => {
  expect((await get(`${SESSIONS}/${"v".repeat(6000)}`)).status).toBe(404);
  expect((await get(`${SESSIONS}/%E0%A4%A`)).status).toBe(404);
  expect((await get(`${SESSIONS}/vs_${encodeURIComponent("a/b?c")}`)).status).toBe(404);
});

test("random form bodies and queries never get a 5xx", async () => {
  const token = fc.constantFrom(
    "type", "options", "[document]", "[allowed_types]", "[]", "[0]", "metadata", "[k]", "expand", "limit", "created",
    "[gt]", "=", "&", "%", "%20", "passport", "true", "document", "x", "\u00e9", "[", "]", "0", "-1", "99999999999999999999",
  );
  const text = fc.array(token, { maxLength: 30 }).map((parts) => parts.join(""));
  await fc.assert(
    fc.asyncProperty(text, text, async (body, query) => {
      const created = await post(SESSIONS, body);
      expect(created.status).toBeLessThan(500);
      const listed = await get(`${SESSIONS}?${query}`);
      expect(listed.status).toBeLessThan(500);
    }),
    { numRuns: 150 },
  );
});

describe("form parsing as Stripe's (issue 11, fidelity)", () => {
  it("numeric metadata keys are ordinary keys, through the SDK", async () => {
    const created = await stripe.identity.verificationSessions.create({ type: "document", metadata: { "2024": "year", "0": "zero", a: "b" } });
    expect(created.metadata).toEqual({ "0": "zero", "2024": "year", a: "b" });
    const updated = await stripe.identity.verificationSessions.update(created.id, { metadata: { "7": "seven" } });
    expect(updated.metadata).toEqual({ "0": "zero", "2024": "year", a: "b", "7": "seven" });
  });

  it("a repeated key keeps its last value", async () => {
    const res = await fetch(`${emu.url}${SESSIONS}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: "type=document&type=id_number",
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { type: string }).type).toBe("id_number");
  });

  it("arrays still come from indexed and bracket-only forms, in index order", async () => {
    const body = "type=document&options[document][allowed_types][1]=id_card&options[document][allowed_types][0]=passport&expand[]=last_verification_report";
    const res = await fetch(`${emu.url}${SESSIONS}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(res.status).toBe(200);
    const session = (await res.json()) as { options: { document: { allowed_types: string[] } } };
    expect(session.options.document.allowed_types).toEqual(["passport", "id_card"]);
  });
});
