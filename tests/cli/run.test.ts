/**
 * runSweepCli in-process: the paths that need a scripted API (sessions that keep failing).
 */
import Stripe from "stripe";
import { runSweepCli } from "../../cli/run";
import type { SweepCliOptions } from "../../cli/args";
import { stripeSweepApi } from "../../provider/redaction/api";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
});

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t), isTTY: false },
    },
  };
}

test("exit 1 when sessions fail, naming them; no key in the output", async () => {
  const key = emu.newKey();
  const now = Math.floor(Date.now() / 1000);
  const { ids } = await emu.control.seed({ apiKey: key, count: 30, status: "verified", created: { from: now - 20 * 86_400, to: now - 10 * 86_400 } });
  const doomed = new Set(ids.slice(0, 3));
  const real = stripeSweepApi(emu.stripe(key));
  const api = {
    ...real,
    act: (action: "redact" | "cancel", id: string, idempotencyKey: string) =>
      doomed.has(id) ? Promise.reject(new Stripe.errors.StripeAPIError({ statusCode: 503, type: "api_error", message: `unavailable for ${key}` })) : real.act(action, id, idempotencyKey),
  };
  const options: SweepCliOptions = { filter: { createdBefore: "7d" }, action: "redact", dryRun: false, yes: true, json: false, allowLivemode: false, apiKey: key, apiBase: emu.url, rps: 500 };
  const { out, io } = capture();
  const code = await runSweepCli(options, { ...io, runOverrides: { api, retry: { transientAttempts: 2, policy: { baseMs: 1, maxMs: 2 } } } });
  expect(code).toBe(1);
  expect(out.stdout).toMatch(/^Done: matched 30; redacted 27; skipped 0; failed 3;/);
  for (const id of doomed) expect(out.stderr).toContain(`failed: ${id}: 503: unavailable for sk_test_`);
  expect(out.stdout + out.stderr).not.toContain(key);

  const json = capture();
  expect(await runSweepCli({ ...options, json: true }, { ...json.io, runOverrides: { api, retry: { transientAttempts: 1 } } })).toBe(1);
  const summary = JSON.parse(json.out.stdout);
  expect(summary).toMatchObject({ failed: 3, redacted: 0 });
  expect(summary.failures.map((f: { id: string }) => f.id).sort()).toEqual([...doomed].sort());
  expect(json.out.stdout).not.toContain(key);
});
