/**
 * `GET /v1/account` (Stripe's "retrieve your own account"): the id a key acts on, which plans,
 * evidence and state bind to. Through the real SDK and the core's accountIdentity().
 */
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { accountIdentity } from "../../provider/stripe/account";
import { createStripeClient } from "../../provider/stripe/client";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

test("a key's account: stable across calls, shared by its test, live and restricted keys, distinct per key", async () => {
  const first = await emu.stripe("sk_test_emulatorAccountOne1").accounts.retrieveCurrent();
  expect(first).toMatchObject({ object: "account", id: expect.stringMatching(/^acct_[0-9a-f]{16}$/) });
  expect((await emu.stripe("sk_test_emulatorAccountOne1").accounts.retrieveCurrent()).id).toBe(first.id);
  expect((await emu.stripe("sk_live_emulatorAccountOne1").accounts.retrieveCurrent()).id).toBe(first.id);
  expect((await emu.stripe("rk_test_emulatorAccountOne1").accounts.retrieveCurrent()).id).toBe(first.id);
  expect((await emu.stripe("sk_test_emulatorAccountTwo2").accounts.retrieveCurrent()).id).not.toBe(first.id);
});

test("with Stripe-Account, the connected account itself", async () => {
  const key = emu.newKey();
  await emu.control.connectAccount(key, "acct_Conn3ct3d");
  const connected = createStripeClient({ apiKey: key, apiBase: emu.url, stripeAccount: "acct_Conn3ct3d", maxNetworkRetries: 0 });
  expect(await accountIdentity(connected)).toEqual({ known: true, accountId: "acct_Conn3ct3d" });
});

test("accountIdentity asks once per client", async () => {
  const key = emu.newKey();
  const client = emu.stripe(key);
  const before = (await emu.control.stats()).requests["GET /v1/account"] ?? 0;
  const [a, b] = await Promise.all([accountIdentity(client), accountIdentity(client)]);
  expect(a).toEqual(b);
  expect(await accountIdentity(client)).toEqual(a);
  expect((await emu.control.stats()).requests["GET /v1/account"]).toBe(before + 1);
});

test("other methods on /v1/account are unknown routes", async () => {
  const res = await fetch(`${emu.url}/v1/account`, { method: "POST", headers: { Authorization: `Bearer ${emu.newKey()}` } });
  expect(res.status).toBe(404);
});
