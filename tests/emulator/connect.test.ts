/**
 * Connect in the emulator (issue 13): sessions belong to (key, connected account); `Stripe-Account`
 * sees only that account's, no header only the platform's; an account the key may not act for is
 * Stripe's 403, naming it, with the key masked.
 */
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { createStripeClient } from "../../provider/stripe/client";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

test("isolation both ways: platform vs connected account, and two connected accounts", async () => {
  const key = emu.newKey();
  await emu.control.connectAccount(key, "acct_A1");
  await emu.control.seed({ apiKey: key, stripeAccount: "acct_B2", count: 2 });
  const platform = emu.stripe(key);
  const a = createStripeClient({ apiKey: key, apiBase: emu.url, stripeAccount: "acct_A1", maxNetworkRetries: 0 });
  const b = createStripeClient({ apiKey: key, apiBase: emu.url, stripeAccount: "acct_B2", maxNetworkRetries: 0 });
  const own = await platform.identity.verificationSessions.create({ type: "document" });
  const inA = await a.identity.verificationSessions.create({ type: "document" });
  const ids = async (client: typeof platform) => (await client.identity.verificationSessions.list({ limit: 100 })).data.map((s) => s.id);
  expect(await ids(platform)).toEqual([own.id]);
  expect(await ids(a)).toEqual([inA.id]);
  expect(await ids(b)).toHaveLength(2);
  await expect(platform.identity.verificationSessions.retrieve(inA.id)).rejects.toMatchObject({ statusCode: 404 });
  await expect(b.identity.verificationSessions.cancel(inA.id)).rejects.toMatchObject({ statusCode: 404 });
  await expect(a.identity.verificationSessions.redact(own.id)).rejects.toMatchObject({ statusCode: 404 });
  expect((await emu.control.sessions(key, "acct_A1")).map((s) => s.id)).toEqual([inA.id]);
  expect((await emu.control.sessions(key)).map((s) => s.id)).toEqual([own.id]);
  const stats = await emu.control.stats();
  expect(stats.requestsByAccount.acct_A1).toBeGreaterThanOrEqual(3);
});

test.each([
  ["an account the key was never connected to", "acct_Unknown9"],
  ["a malformed account id", "not-an-account"],
])("%s: 403 account_invalid naming it, the key masked", async (_name, account) => {
  const key = emu.newKey();
  const client = createStripeClient({ apiKey: key, apiBase: emu.url, stripeAccount: account, maxNetworkRetries: 0 });
  const error: Error = await client.identity.verificationSessions.list().then(
    () => new Error("expected a refusal"),
    (e: Error) => e,
  );
  expect(error).toMatchObject({ statusCode: 403, code: "account_invalid", type: "StripePermissionError" });
  expect(error.message).toContain(account);
  expect(error.message).not.toContain(key);
  expect(error.message).toContain(key.slice(-4));
});
