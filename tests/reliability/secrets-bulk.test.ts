/**
 * Secrets and live-mode refusals on the bulk side (issue 6 item 4): the sweep CLI with --json and
 * without, errors on purpose (bad ids, a malformed key, no key, an unbounded filter), live keys
 * refused unless allowed (CLI, engine, BulkRedaction resource); every output scanned for the keys
 * and for client secrets.
 */
import { spawn } from "node:child_process";
import type * as pulumi from "@pulumi/pulumi";
import { LivemodeRefusedError } from "../../provider/redaction/guards";
import { createBulkRedactionProvider } from "../../provider/redaction/provider";
import { runBulkRedaction } from "../../provider/redaction/run";
import type { TestEmulator } from "../helpers/emulator";
import { requireBuilt, SWEEP_CLI } from "./processes";
import { ArtifactScan } from "./secret-scan";
import { attempt } from "./support";

let emulator: TestEmulator;
const scan = new ArtifactScan();
const { secrets } = scan;
const keep = scan.keep.bind(scan);
const keepError = scan.keepError.bind(scan);
const leaks = (): string[] => scan.leaks();

beforeAll(async () => {
  emulator = await scan.startEmulator();
});
afterAll(() => scan.close());

/** Async: the emulator runs in this process, so a synchronous spawn would starve it. */
async function sweepCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; out: string }> {
  const child = spawn(process.execPath, [SWEEP_CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const status = await new Promise<number | null>((resolve) => child.once("close", resolve));
  keep(`sweep ${args.join(" ")}: stdout`, stdout);
  keep(`sweep ${args.join(" ")}: stderr`, stderr);
  return { status, out: stdout + stderr };
}

test("sweep CLI, with --json and without, errors on purpose: no key or client secret in its output; live keys refused unless allowed", async () => {
  requireBuilt(SWEEP_CLI);
  const key = emulator.newKey();
  const liveKey = emulator.newKey("live");
  const malformed = "sk_test_malformed key 0123456789";
  secrets.push(key, liveKey, malformed);
  const old = { from: 1_700_000_000, to: 1_700_100_000 };
  for (const k of [key, liveKey]) {
    // requires_input sessions carry client secrets: the CLI must never print them.
    await emulator.control.seed({ apiKey: k, count: 30, created: old, metadata: { batch: "s" }, clientReferenceIdPrefix: "s_" });
    await emulator.control.seed({ apiKey: k, count: 10, created: old, status: "verified", metadata: { batch: "s" } });
  }
  const base = ["--metadata", "batch=s", "--api-base", emulator.url];
  const env = { STRIPE_API_KEY: key };

  expect((await sweepCli([...base], env)).status).toBe(0); // the plan
  expect((await sweepCli([...base, "--dry-run", "--json"], env)).status).toBe(0);
  expect((await sweepCli([...base, "--exclude-ids", "no/such/file.txt", "--yes"], env)).status).toBe(2);
  expect((await sweepCli([...base, "--exclude-ids", "vs_nope,,vs_x", "--yes"], env)).status).toBe(2);
  expect((await sweepCli(["--status", "verified", "--yes", "--api-base", emulator.url], env)).status).toBe(2); // unbounded
  expect((await sweepCli([...base, "--yes", "--json"], { STRIPE_API_KEY: malformed })).status).toBe(2);
  expect((await sweepCli([...base, "--yes"], { STRIPE_API_KEY: malformed })).status).toBe(2);
  expect((await sweepCli([...base, "--yes"], {})).status).toBe(2); // no key
  expect((await sweepCli([...base, "--yes", "--client-reference-id-prefix", "s_1", "--action", "cancel"], env)).status).toBe(0);
  const done = await sweepCli([...base, "--yes", "--json"], env);
  expect(done.status).toBe(0);
  expect((await emulator.control.sessions(key)).every((s) => s.redaction !== null || s.status === "canceled")).toBe(true);

  // Live keys: refused (exit 2, nothing touched) unless --allow-livemode or the environment allows it.
  const liveBefore = JSON.stringify(await emulator.control.sessions(liveKey));
  for (const args of [[...base, "--yes"], [...base, "--yes", "--json"], [...base, "--dry-run"]]) {
    const refused = await sweepCli(args, { STRIPE_API_KEY: liveKey });
    expect({ args, status: refused.status }).toEqual({ args, status: 2 });
    expect(refused.out).toMatch(/live/);
  }
  expect((await sweepCli([...base, "--yes"], { STRIPE_API_KEY: liveKey, STRIPE_IDENTITY_ALLOW_LIVEMODE: "false" })).status).toBe(2);
  expect(JSON.stringify(await emulator.control.sessions(liveKey))).toBe(liveBefore);
  expect((await sweepCli([...base, "--yes", "--json", "--client-reference-id-prefix", "s_2", "--allow-livemode"], { STRIPE_API_KEY: liveKey })).status).toBe(0);
  expect((await sweepCli([...base, "--yes", "--json"], { STRIPE_API_KEY: liveKey, STRIPE_IDENTITY_ALLOW_LIVEMODE: "true" })).status).toBe(0);
  expect((await emulator.control.sessions(liveKey)).filter((s) => s.redaction === null && s.status !== "canceled")).toEqual([]);

  expect(leaks()).toEqual([]);
});

test("bulk engine: a live key is refused before any request unless allowLivemode; the refusal names the switch, not the key", async () => {
  const liveKey = emulator.newKey("live");
  secrets.push(liveKey);
  await emulator.control.seed({ apiKey: liveKey, count: 5, created: { from: 1_700_000_000, to: 1_700_000_100 } });
  const before = await emulator.control.stats();
  for (const key of [liveKey, liveKey.replace("sk_live_", "rk_live_")]) {
    const refused = await attempt(() => runBulkRedaction({ apiKey: key, apiBase: emulator.url, filter: { createdBefore: "1d" }, action: "redact" }));
    expect(refused).toMatchObject({ ok: false, error: expect.any(LivemodeRefusedError) });
    if (!refused.ok) keepError("bulk run with a live key", refused.error);
  }
  const after = await emulator.control.stats();
  expect(Object.values(after.requests).reduce((a, b) => a + b, 0)).toBe(Object.values(before.requests).reduce((a, b) => a + b, 0));
  // The BulkRedaction resource: create, update and a teardown delete all refuse; the delete
  // throws, so the resource stays in state.
  const logs: string[] = [];
  const bulk = (env: Record<string, string>) =>
    createBulkRedactionProvider({ env: { STRIPE_API_KEY: liveKey, STRIPE_API_BASE: emulator.url, ...env }, logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) } }) as Required<pulumi.dynamic.ResourceProvider>;
  const args = { filter: { createdBefore: "1d" }, action: "redact", runOn: ["create", "update", "destroy"] };
  const checked = (await bulk({}).check({}, args)).inputs;
  for (const [name, call] of [
    ["create", () => bulk({}).create(checked)],
    ["update", () => bulk({}).update("bulkredaction-1", checked, checked)],
    ["delete", () => bulk({}).delete("bulkredaction-1", checked)],
    ["create (allowLivemode false in the environment)", () => bulk({ STRIPE_IDENTITY_ALLOW_LIVEMODE: "false" }).create(checked)],
  ] as const) {
    const outcome = await attempt(call as () => Promise<unknown>);
    expect({ name, ok: outcome.ok, code: outcome.ok ? undefined : (outcome.error as { code?: string }).code }).toEqual({ name, ok: false, code: "livemode_not_allowed" });
    if (!outcome.ok) keepError(`BulkRedaction ${name} with a live key`, outcome.error);
  }
  const untouched = await emulator.control.stats();
  expect(Object.values(untouched.requests).reduce((a, b) => a + b, 0)).toBe(Object.values(before.requests).reduce((a, b) => a + b, 0));
  // A malformed key: the 401 ends the run; the error says so without the key.
  const malformed = "sk_test_bulk malformed key 0123456789";
  secrets.push(malformed);
  const refusedKey = await attempt(() => bulk({ STRIPE_API_KEY: malformed }).create(checked));
  expect(refusedKey.ok).toBe(false);
  if (!refusedKey.ok) {
    keepError("BulkRedaction create with a malformed key", refusedKey.error);
    expect((refusedKey.error as Error).message).toMatch(/401|API key|not a Stripe secret or restricted key/i);
  }
  const viaEnv = await bulk({ STRIPE_IDENTITY_ALLOW_LIVEMODE: "true" }).create({ ...checked, dryRun: true });
  expect(viaEnv.outs).toMatchObject({ wouldAct: 5 });
  const viaArgs = await bulk({}).create({ ...checked, allowLivemode: true });
  expect(viaArgs.outs).toMatchObject({ redacted: 5, failed: 0 });
  for (const line of logs) keep("BulkRedaction log", line);
  expect(leaks()).toEqual([]);
});
