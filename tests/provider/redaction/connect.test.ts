/**
 * Sweeps on connected accounts (issue 13): a run with `stripeAccount` touches that account's
 * sessions only (every session of every account is compared before and after), from the engine,
 * the CLI and BulkRedaction; a teardown with another account configured is refused, naming both.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { runBulkRedaction } from "../../../provider/redaction/run";
import { createBulkRedactionProvider } from "../../../provider/redaction/provider";
import { AccountMismatchError } from "../../../provider/errors";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { ensureBuilt } from "../../helpers/build";
import { parseArgs } from "../../../cli/args";
import { runSweepCli } from "../../../cli/run";
import type { VerificationSession } from "../../../emulator/control-client";

let emu: TestEmulator;
beforeAll(async () => {
  ensureBuilt();
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

const ACCOUNTS = [undefined, "acct_A1", "acct_B2"] as const;

/** A platform key with 20 old sessions in its own account and in each of two connected accounts. */
async function platform(): Promise<string> {
  const key = emu.newKey();
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  for (const account of ACCOUNTS) {
    await emu.control.seed({ apiKey: key, count: 20, created: { from: to - 100, to }, clientReferenceIdPrefix: "app-", ...(account ? { stripeAccount: account } : {}) });
  }
  return key;
}

async function everySession(key: string): Promise<Map<string, VerificationSession[]>> {
  return new Map(await Promise.all(ACCOUNTS.map(async (a) => [a ?? "platform", await emu.control.sessions(key, a)] as const)));
}

function expectOnlyAccountRedacted(before: Map<string, VerificationSession[]>, after: Map<string, VerificationSession[]>, account: string): void {
  for (const [name, sessions] of after) {
    expect(sessions).toHaveLength(before.get(name)!.length);
    if (name === account) expect(sessions.every((s) => s.redaction !== null)).toBe(true);
    else expect(sessions).toEqual(before.get(name));
  }
}

test("the engine on one connected account touches nothing elsewhere", async () => {
  const key = await platform();
  const before = await everySession(key);
  const report = await runBulkRedaction({
    apiKey: key, apiBase: emu.url, stripeAccount: "acct_A1", filter: { createdBefore: "1d" }, action: "redact",
    requestsPerSecond: 2000, endpointRequestsPerSecond: 2000,
  });
  expect(report).toMatchObject({ matched: 20, redacted: 20, failed: 0 });
  expectOnlyAccountRedacted(before, await everySession(key), "acct_A1");
});

test("the CLI with --stripe-account (and STRIPE_ACCOUNT) sweeps that account only; a bad account is a usage error; the key never shows", async () => {
  const key = await platform();
  const before = await everySession(key);
  const bin = path.join(__dirname, "../../../dist/cli/bin.js");
  const sweep = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? "", STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url, ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const run = await sweep(["--created-before", "1d", "--yes", "--json", "--rps", "2000", "--endpoint-rps", "2000", "--stripe-account", "acct_B2"]);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ matched: 20, redacted: 20 });
  expectOnlyAccountRedacted(before, await everySession(key), "acct_B2");
  // The rest in-process (the same parse and run as the binary, without a node start each).
  const inProcess = async (args: string[], env: Record<string, string> = {}) => {
    const parsed = parseArgs(args, { env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url, ...env }, readFile: () => undefined });
    if (parsed.kind !== "run") return { code: 2, stdout: "", stderr: parsed.kind === "usage" ? parsed.message : "" };
    const out = { stdout: "", stderr: "" };
    const code = await runSweepCli(parsed.options, { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } });
    return { code, ...out };
  };
  const plan = await inProcess(["--created-before", "1d"], { STRIPE_ACCOUNT: "acct_A1" });
  expect(plan.stdout).toMatch(/would redact: 20/);
  const bad = await inProcess(["--created-before", "1d", "--stripe-account", "acc_nope"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--stripe-account: expected a connected account id such as acct_/);
  const foreign = await inProcess(["--created-before", "1d", "--yes", "--stripe-account", "acct_Other9"]);
  expect(foreign.code).toBe(2);
  expect(foreign.stderr).toMatch(/does not have access to account 'acct_Other9'/);
  for (const out of [run, plan, bad, foreign]) expect(out.stdout + out.stderr).not.toContain(key);
});

test("BulkRedaction: runs in its account, records it, and a teardown with another account configured is refused naming both", async () => {
  const key = await platform();
  const provider = (account?: string) => {
    const p = createBulkRedactionProvider({ env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url, ...(account ? { STRIPE_ACCOUNT: account } : {}) }, logger: { info: () => undefined, warn: () => undefined } });
    return p;
  };
  const args = { filter: { clientReferenceIdPrefix: "app-" }, action: "redact", runOn: ["destroy"], endpointRequestsPerSecond: 2000, requestsPerSecond: 2000, resourceName: "teardown" };
  const inA = provider("acct_A1");
  const checked = await inA.check!({}, args);
  const created = await inA.create(checked.inputs);
  expect(created.outs.runAccount).toBe("acct_A1");
  expect(await inA.diff!(created.id, created.outs, { ...args, stripeAccount: "acct_B2" })).toMatchObject({ replaces: ["stripeAccount"] });
  const before = await everySession(key);
  const elsewhere = await provider("acct_B2").delete!(created.id, created.outs).catch((e: Error) => e);
  expect(elsewhere).toBeInstanceOf(AccountMismatchError);
  expect((elsewhere as Error).message).toMatch(/its runs act on connected account acct_A1 \(recorded in state\), but connected account acct_B2 is configured/);
  expect(await everySession(key)).toEqual(before);
  await inA.delete!(created.id, created.outs);
  expectOnlyAccountRedacted(before, await everySession(key), "acct_A1");
});
