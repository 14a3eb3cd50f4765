/**
 * VerificationSession on connected accounts (issue 13): the session is made in the account the
 * resource names (or the config's default), that account is recorded in state, and acting on it
 * with another account configured is an error that names both and changes nothing.
 */
import { AccountMismatchError } from "../../../provider/errors";
import { createSessionProvider } from "../../../provider/session/provider";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { createSession, type Bound } from "./fixture";
import type * as pulumi from "@pulumi/pulumi";

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());

/** A provider for `key` whose config default account is `account` (none: the platform's own). */
function providerWith(key: string, account?: string): Bound {
  const provider = createSessionProvider({
    env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emulator.url, ...(account ? { STRIPE_ACCOUNT: account } : {}) },
    logger: { info: () => undefined, warn: () => undefined },
    pollPolicy: { baseMs: 50, maxMs: 200 },
  }) as Required<pulumi.dynamic.ResourceProvider>;
  return { provider, key, logs: [] };
}

async function connectedKey(...accounts: string[]): Promise<string> {
  const key = emulator.newKey();
  for (const account of accounts) await emulator.control.connectAccount(key, account);
  return key;
}

it("creates in the arg's account, else the config's, else the platform's; records it in state", async () => {
  const key = await connectedKey("acct_A1", "acct_B2");
  const viaConfig = providerWith(key, "acct_A1");
  const inA = await createSession(viaConfig, { type: "document" });
  const inB = await createSession(viaConfig, { type: "document", stripeAccount: "acct_B2" });
  const own = await createSession(providerWith(key), { type: "document" });
  expect([inA.state.sessionAccount, inB.state.sessionAccount, own.state.sessionAccount]).toEqual(["acct_A1", "acct_B2", null]);
  expect((await emulator.control.sessions(key, "acct_A1")).map((s) => s.id)).toEqual([inA.id]);
  expect((await emulator.control.sessions(key, "acct_B2")).map((s) => s.id)).toEqual([inB.id]);
  expect((await emulator.control.sessions(key)).map((s) => s.id)).toEqual([own.id]);
  // Read and delete act in the recorded account.
  expect((await viaConfig.provider.read(inB.id, inB.state)).id).toBe(inB.id);
  await viaConfig.provider.delete(inB.id, inB.state);
  expect((await emulator.control.sessions(key, "acct_B2"))[0].status).toBe("canceled");
});

it("read, update and delete with another account configured: an error naming both, nothing changed, never a removal", async () => {
  const key = await connectedKey("acct_A1", "acct_B2");
  const { id, state } = await createSession(providerWith(key, "acct_A1"), { type: "document", metadata: { a: "1" } });
  const before = await emulator.control.sessions(key, "acct_A1");
  for (const other of [providerWith(key, "acct_B2"), providerWith(key)]) {
    const read = await other.provider.read(id, state).catch((e: Error) => e);
    expect(read).toBeInstanceOf(AccountMismatchError);
    expect((read as Error).message).toMatch(/lives in connected account acct_A1 \(recorded in state\), but (connected account acct_B2|the platform's own account \(no stripeAccount\)) is configured/);
    expect((read as Error).message).not.toContain(key);
    await expect(other.provider.update(id, state, { type: "document", metadata: { a: "2" } })).rejects.toBeInstanceOf(AccountMismatchError);
    await expect(other.provider.delete(id, state)).rejects.toBeInstanceOf(AccountMismatchError);
  }
  expect(await emulator.control.sessions(key, "acct_A1")).toEqual(before);
});

it("a change of the stripeAccount arg replaces the session", async () => {
  const bound = providerWith(await connectedKey("acct_A1"));
  const { id, state } = await createSession(bound, { type: "document", stripeAccount: "acct_A1" });
  expect(await bound.provider.diff(id, state, { type: "document" })).toMatchObject({ changes: true, replaces: ["stripeAccount"] });
});

it("adoptSessionId looks in the configured account only", async () => {
  const key = await connectedKey("acct_A1");
  const { id } = await createSession(providerWith(key, "acct_A1"), { type: "document" });
  const elsewhere = await createSession(providerWith(key), { adoptSessionId: id }).catch((e: Error) => e);
  expect((elsewhere as Error).message).toMatch(new RegExp(`adoptSessionId: no VerificationSession ${id} is visible to this test-mode key in the platform's own account`));
  const adopted = await createSession(providerWith(key), { adoptSessionId: id, stripeAccount: "acct_A1" });
  expect(adopted.state).toMatchObject({ sessionAccount: "acct_A1", status: "requires_input" });
});

it("a malformed stripeAccount is refused by check, naming the field; a bad STRIPE_ACCOUNT names the variable", async () => {
  const bound = providerWith(emulator.newKey());
  const checked = await bound.provider.check({}, { type: "document", stripeAccount: "acc_1" });
  expect(checked.failures).toEqual([{ property: "stripeAccount", reason: expect.stringMatching(/expected a connected account id such as acct_/) }]);
  const badEnv = providerWith(emulator.newKey(), "nope");
  await expect(createSession(badEnv, { type: "document" })).rejects.toThrow(/the STRIPE_ACCOUNT environment variable \(stripe-identity:stripeAccount\): expected a connected account id/);
});
