import Stripe from "stripe";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";

/** Auth (Bearer, Basic, missing, malformed), accounts per key, and livemode by key prefix. */
let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

const LIST = "/v1/identity/verification_sessions";

async function get(headers: Record<string, string>): Promise<{ status: number; body: { error?: { type: string; message: string; code?: string } } }> {
  const res = await fetch(`${emu.url}${LIST}`, { headers });
  return { status: res.status, body: (await res.json()) as { error?: { type: string; message: string } } };
}

test("a missing key is a 401 invalid_request_error", async () => {
  const res = await get({});
  expect(res.status).toBe(401);
  expect(res.body.error?.type).toBe("invalid_request_error");
  expect(res.body.error?.message).toMatch(/did not provide an API key/);
  expect((await get({ Authorization: "Bearer " })).status).toBe(401);
  expect((await get({ Authorization: "Token abc" })).status).toBe(401);
});

test("a malformed key is a 401 whose message shows only its last four characters", async () => {
  const key = "sk_test_this-is-not-valid-wxyz";
  const error = await emu.stripe(key).identity.verificationSessions.list().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  const message = (error as Error).message;
  expect(message).toContain("wxyz");
  expect(message).not.toContain("this-is-not-valid");
  const publishable = await get({ Authorization: "Bearer pk_test_abcdef123456" });
  expect(publishable.status).toBe(401);
  expect(publishable.body.error?.message).not.toContain("abcdef12");
});

test("Basic auth with the key as username works like Bearer", async () => {
  const key = emu.newKey();
  await emu.stripe(key).identity.verificationSessions.create({ type: "document" });
  const basic = await get({ Authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` });
  expect(basic.status).toBe(200);
  expect((basic.body as unknown as { data: unknown[] }).data).toHaveLength(1);
  const restricted = await get({ Authorization: "Bearer rk_test_restricted123" });
  expect(restricted.status).toBe(200);
});

test("each key is its own account: no reads, writes or lists across keys", async () => {
  const a = emu.stripe(emu.newKey());
  const b = emu.stripe(emu.newKey());
  const s = await a.identity.verificationSessions.create({ type: "document" });
  await expect(b.identity.verificationSessions.retrieve(s.id)).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  await expect(b.identity.verificationSessions.cancel(s.id)).rejects.toMatchObject({ statusCode: 404 });
  expect((await b.identity.verificationSessions.list()).data).toEqual([]);
  expect((await a.identity.verificationSessions.retrieve(s.id)).status).toBe("requires_input");
});

test("sk_live_ and rk_live_ keys see livemode objects; test keys never do", async () => {
  for (const key of [emu.newKey("live"), "rk_live_emulatorrestricted1"]) {
    const s = await emu.stripe(key).identity.verificationSessions.create({ type: "document" });
    expect(s.livemode).toBe(true);
  }
  const t = await emu.stripe(emu.newKey("test")).identity.verificationSessions.create({ type: "document" });
  expect(t.livemode).toBe(false);
});
