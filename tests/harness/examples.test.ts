/**
 * The examples as a user gets them (tests/helpers/examples.ts), then `up` and `destroy` through the
 * harness and the real dynamic-provider process against the emulator. Also checks the one-copy
 * rule both ways. tests/engine/examples.test.ts runs them through the real Pulumi CLI.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Harness, HarnessError, type Summary } from "../../harness";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { EXAMPLES, installExamples } from "../helpers/examples";
import { findEngineDir } from "../helpers/pulumi-cli";
import { verifyChain } from "../../provider/redaction/evidence";
import { REPO, type Workspace } from "./workspace";

jest.setTimeout(120_000);

const DAY = 24 * 3600;
let emulator: TestEmulator;
let ws: Workspace;
let dirs: Record<string, string> = {};

beforeAll(async () => {
  emulator = await startTestEmulator();
  ({ ws, dirs } = installExamples("harness-examples-"));
});
afterAll(async () => {
  ws?.remove();
  await emulator?.close();
});

// The examples' lifecycles run through the real Pulumi CLI in tests/engine/examples.test.ts, and
// the harness is held to the engine by tests/engine/lifecycle.test.ts. Here they run through the
// harness only where there is no CLI (a machine without Go), so the examples are always run once.
const lifecycleTest = findEngineDir() ? test.skip : test;

const open = (name: string, key: string, config: Record<string, string> = {}): Promise<Harness> =>
  Harness.open({ programDir: dirs[name], config: { "stripe-identity:apiBase": emulator.url, ...config }, secrets: { "stripe-identity:apiKey": key } });
const byRef = async (key: string, prefix: string) => (await emulator.control.sessions(key)).filter((s) => (s.client_reference_id ?? "").startsWith(prefix));
const redacted = (s: { redaction?: { status: string } | null }) => s.redaction?.status === "redacted";
const oneCopy = (summary: Summary) =>
  expect(summary.pulumiCopies).toEqual([fs.realpathSync(path.join(dirs.platform, "node_modules", "@pulumi", "pulumi"))]);

test("npm install with the example's .npmrc installs a packed copy, not a symlink to the repo", () => {
  const installed = path.join(dirs.platform, "node_modules", "pulumi-stripe-identity");
  expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
  expect(fs.existsSync(path.join(installed, "dist", "provider", "entry.js"))).toBe(true);
  for (const name of EXAMPLES) expect(fs.readFileSync(path.join(REPO, "examples", name, ".npmrc"), "utf8")).toMatch(/^install-links=true$/m);
  // Each example carries its lockfile, so its `npm install` leaves no untracked file behind.
  for (const name of EXAMPLES) expect(fs.existsSync(path.join(REPO, "examples", name, "package-lock.json"))).toBe(true);
  // What a user imports to test their own program.
  const testing = require.resolve("pulumi-stripe-identity/testing", { paths: [dirs.platform] });
  expect(testing).toBe(path.join(installed, "dist", "harness", "index.js"));
  expect(fs.existsSync(path.join(installed, "dist", "harness", "runner.js"))).toBe(true);
});

test("each example type-checks against the installed package's published types", () => {
  // One tsc run over the three programs (each resolves through its own node_modules link).
  const config = path.join(dirs.platform, "tsconfig.all-examples.json");
  const base = JSON.parse(fs.readFileSync(path.join(dirs.platform, "tsconfig.json"), "utf8")) as { compilerOptions: object };
  fs.writeFileSync(config, JSON.stringify({ compilerOptions: { ...base.compilerOptions, noEmit: true }, files: EXAMPLES.map((n) => `../${n}/index.ts`) }));
  const tsc = path.join(dirs.platform, "node_modules", "typescript", "bin", "tsc");
  let errors = "";
  try {
    execFileSync(process.execPath, [tsc, "-p", config], { cwd: dirs.platform, stdio: "pipe" });
  } catch (error) {
    errors = String((error as { stdout?: Buffer }).stdout ?? error);
  }
  expect(errors).toBe("");
});

test("the root Pulumi.yaml runs the platform example from its folder, as the CLI does", async () => {
  const root = await Harness.open({ programDir: REPO });
  expect(root.programDir).toBe(path.join(REPO, "examples", "platform"));
  expect(root.project).toBe((await Harness.open({ programDir: path.join(REPO, "examples", "platform") })).project);
});

lifecycleTest("platform: up creates the sessions and sweeps stale ones; destroy applies every policy", async () => {
  const key = emulator.newKey();
  const now = Math.floor(Date.now() / 1000);
  const stale = await emulator.control.seed({ apiKey: key, count: 4, status: "requires_input", created: { from: now - 90 * DAY, to: now - 40 * DAY }, clientReferenceIdPrefix: "qa-" });
  const app = await emulator.control.seed({ apiKey: key, count: 3, created: { from: now - 2 * DAY, to: now }, clientReferenceIdPrefix: "app-dev-" });
  const other = await emulator.control.seed({ apiKey: key, count: 2, created: { from: now - 2 * DAY, to: now }, clientReferenceIdPrefix: "risk-" });
  const up = await (await open("platform", key)).up();
  oneCopy(up);
  const sessions = up.outputs.sessions as Record<string, { id: string; status: string }>;
  expect(Object.values(sessions).map((s) => s.status)).toEqual(["requires_input", "requires_input", "requires_input"]);
  let live = new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
  for (const id of stale.ids) expect(redacted(live.get(id)!)).toBe(true);
  for (const id of [...app.ids, ...other.ids]) expect(redacted(live.get(id)!)).toBe(false);

  // A no-op preview makes no API call, for the bulk policies as for the sessions.
  const before = Object.values((await emulator.control.stats()).requests).reduce((a, b) => a + b, 0);
  const preview = await (await open("platform", key)).preview();
  expect(preview.steps.filter((s) => s.op !== "same")).toEqual([]);
  expect(Object.values((await emulator.control.stats()).requests).reduce((a, b) => a + b, 0)).toBe(before);

  // The installed package's serialized providers are the few-line shim, not the module by value.
  const stateText = fs.readFileSync(up.stateFile, "utf8");
  expect(stateText).not.toContain(key);
  const state = JSON.parse(stateText) as { resources: { custom: boolean; type: string; outputs: { __provider?: string } }[] };
  const custom = state.resources.filter((r) => r.custom);
  expect(custom.map((r) => r.type.split(":").pop()).sort()).toEqual(["BulkRedactionRun", "BulkRedactionRun", "VerificationSession", "VerificationSession", "VerificationSession"]);
  for (const r of custom) expect(Buffer.byteLength(r.outputs.__provider ?? "x".repeat(4096))).toBeLessThan(3 * 1024);

  const destroy = await (await open("platform", key)).destroy();
  oneCopy(destroy);
  live = new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
  expect(live.get(sessions.onboarding.id)?.status).toBe("canceled");
  expect(redacted(live.get(sessions.payouts.id)!)).toBe(true);
  expect(live.get(sessions.audit.id)).toMatchObject({ status: "requires_input", redaction: null });
  for (const id of app.ids) expect(redacted(live.get(id)!)).toBe(true);
  for (const id of other.ids) expect(live.get(id)).toMatchObject({ status: "requires_input", redaction: null });
});

lifecycleTest("test-mode-cleanup: every up sweeps sessions older than the cut-off", async () => {
  const key = emulator.newKey();
  const now = Math.floor(Date.now() / 1000);
  const old = await emulator.control.seed({ apiKey: key, count: 5, created: { from: now - 30 * DAY, to: now - 10 * DAY } });
  const recent = await emulator.control.seed({ apiKey: key, count: 2, created: { from: now - DAY, to: now } });
  const up = await (await open("test-mode-cleanup", key)).up();
  oneCopy(up);
  expect(up.outputs.redacted).toBe(5);
  const live = new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
  for (const id of old.ids) expect(redacted(live.get(id)!)).toBe(true);
  for (const id of recent.ids) expect(redacted(live.get(id)!)).toBe(false);
  // The next up, with nothing changed, is an update all the same (runOn everyUp) and sweeps again.
  const later = await emulator.control.seed({ apiKey: key, count: 2, created: { from: now - 20 * DAY, to: now - 9 * DAY } });
  const again = await (await open("test-mode-cleanup", key)).up();
  expect(again.steps.find((s) => s.type.endsWith("BulkRedactionRun"))?.op).toBe("update");
  expect(again.outputs.redacted).toBe(2);
  for (const s of await emulator.control.sessions(key)) if (later.ids.includes(s.id)) expect(redacted(s)).toBe(true);
  await (await open("test-mode-cleanup", key)).destroy();
  for (const id of recent.ids) expect(redacted((await emulator.control.sessions(key)).find((s) => s.id === id)!)).toBe(false);
});

lifecycleTest("redact-at-teardown: nothing at up; at destroy every session of the app is redacted", async () => {
  const key = emulator.newKey();
  const now = Math.floor(Date.now() / 1000);
  await emulator.control.seed({ apiKey: key, count: 3, status: "verified", created: { from: now - 5 * DAY, to: now }, clientReferenceIdPrefix: "signup-dev-" });
  await emulator.control.seed({ apiKey: key, count: 2, created: { from: now - 5 * DAY, to: now }, clientReferenceIdPrefix: "signup-prod-" });
  const up = await (await open("redact-at-teardown", key)).up();
  oneCopy(up);
  expect((await byRef(key, "signup-dev-")).filter(redacted)).toEqual([]);
  await (await open("redact-at-teardown", key)).destroy();
  const dev = await byRef(key, "signup-dev-");
  expect(dev).toHaveLength(4); // three seeded + the stack's smoke test
  expect(dev.every(redacted)).toBe(true);
  expect((await byRef(key, "signup-prod-")).some(redacted)).toBe(false);
});

// Not skipped where the CLI exists: the harness is the one run of BulkRedaction's evidence through
// the real dynamic-provider process without the CLI (tests/engine/examples.test.ts runs it with).
test("connect-platform: per-account teardowns through the harness, with evidence in one chain", async () => {
  const key = emulator.newKey();
  const now = Math.floor(Date.now() / 1000);
  for (const account of ["acct_1Shop", "acct_2Clinic"]) {
    await emulator.control.seed({ apiKey: key, stripeAccount: account, count: 2, created: { from: now - 5 * DAY, to: now - DAY }, clientReferenceIdPrefix: "app-" });
  }
  const evidence = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harness-evidence-")), "evidence.jsonl");
  const config = { "stripe-identity-connect-platform:evidenceFile": evidence };
  oneCopy(await (await open("connect-platform", key, config)).up());
  oneCopy(await (await open("connect-platform", key, config)).destroy());
  for (const account of ["acct_1Shop", "acct_2Clinic"]) expect((await emulator.control.sessions(key, account)).every(redacted)).toBe(true);
  const chain = verifyChain(fs.readFileSync(evidence, "utf8"));
  expect(chain.ok).toBe(true);
  if (chain.ok) expect(chain.lines.filter((l) => l.kind === "header")).toHaveLength(2);
});

test("a program that loads a second @pulumi/pulumi is refused before any step", async () => {
  // What npm does without install-links: the package is a symlink to the repo, so its own
  // require("@pulumi/pulumi") finds the repo's copy while the program uses its own.
  const dir = ws.add("two-copies", path.join(__dirname, "fixtures", "sessions"));
  fs.mkdirSync(path.join(dir, "node_modules", "@pulumi"), { recursive: true });
  fs.symlinkSync(path.join(dirs.platform, "node_modules", "@pulumi", "pulumi"), path.join(dir, "node_modules", "@pulumi", "pulumi"), "dir");
  fs.symlinkSync(REPO, path.join(dir, "node_modules", "pulumi-stripe-identity"), "dir");
  const key = emulator.newKey();
  const harness = await Harness.open({ programDir: dir, config: { "stripe-identity:apiBase": emulator.url }, secrets: { "stripe-identity:apiKey": key } });
  const error = (await harness.up().catch((e: HarnessError) => e)) as HarnessError;
  expect(error).toBeInstanceOf(HarnessError);
  expect(error.message).toMatch(/loaded 2 copies of @pulumi\/pulumi/);
  expect(error.summary.pulumiCopies).toHaveLength(2);
  expect(await emulator.control.sessions(key)).toEqual([]);
});
