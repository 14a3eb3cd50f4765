/**
 * Every example through the real Pulumi CLI, with the commands its README gives: `stack init`,
 * `config set` (the key as a secret, through stdin), `preview`, `up`, `refresh`, `destroy`,
 * `stack rm`, against the emulator. What the provider says (policies applied, sessions left, the
 * bulk summary) must be in the CLI's normal output.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { verifyChain } from "../../provider/redaction/evidence";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { installExamples, type ExampleWorkspace } from "../helpers/examples";
import { describeEngine, PulumiStack } from "../helpers/pulumi-cli";

jest.setTimeout(240_000);

const DAY = 24 * 3600;
const now = () => Math.floor(Date.now() / 1000);
const redacted = (s: { redaction?: { status: string } | null }) => s.redaction?.status === "redacted";

describeEngine("examples through the Pulumi CLI", (cli) => {
  let emulator: TestEmulator;
  let examples: ExampleWorkspace;
  const stacks: PulumiStack[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator();
    examples = installExamples("engine-examples-");
  });
  afterAll(async () => {
    for (const stack of stacks) stack.remove();
    examples?.ws.remove();
    await emulator?.close();
  });

  async function readmeStack(name: string, key: string): Promise<PulumiStack> {
    const stack = cli.stack(examples.dirs[name]);
    stacks.push(stack);
    await stack.init({ "stripe-identity:apiBase": emulator.url }, { "stripe-identity:apiKey": key });
    return stack;
  }
  /** The documented teardown step: destroy refuses a protected teardown run, naming this command. */
  async function unprotectTeardowns(stack: PulumiStack): Promise<void> {
    const refused = await stack.op("destroy");
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/pulumi state unprotect/);
    for (const r of stack.resources().filter((r) => r.protect && r.type.endsWith("BulkRedactionRun"))) {
      await stack.ok(["state", "unprotect", r.urn, "--stack", stack.stackName, "--yes"]);
    }
  }
  const sessionsOf = async (key: string) => new Map((await emulator.control.sessions(key)).map((s) => [s.id, s]));
  const requestCount = async () => Object.values((await emulator.control.stats()).requests).reduce((a, b) => a + b, 0);

  test("platform: preview, up, refresh, destroy, stack rm as its README says", async () => {
    const key = emulator.newKey();
    const stale = await emulator.control.seed({ apiKey: key, count: 3, status: "requires_input", created: { from: now() - 90 * DAY, to: now() - 40 * DAY }, clientReferenceIdPrefix: "qa-" });
    const app = await emulator.control.seed({ apiKey: key, count: 2, created: { from: now() - 2 * DAY, to: now() }, clientReferenceIdPrefix: "app-dev-" });
    const stack = await readmeStack("platform", key);

    const before = (await emulator.control.stats()).requests;
    const preview = await stack.op("preview");
    expect(preview.code).toBe(0);
    expect(preview.output).toMatch(/\+ 8 to create/);
    // Preview truth: the create-time run says what it will do, counted with list calls only.
    expect(preview.output).toMatch(/BulkRedaction stale-test-sessions: redact every session matching .*: it would redact 3 session\(s\) now/);
    const during = (await emulator.control.stats()).requests;
    const calls = Object.keys(during).filter((route) => during[route] !== (before[route] ?? 0));
    expect(calls).toEqual(["GET /v1/identity/verification_sessions"]);

    const up = await stack.op("up");
    expect(up.code).toBe(0);
    expect(up.output).toMatch(/\+ 8 created/);
    let live = await sessionsOf(key);
    for (const id of stale.ids) expect(redacted(live.get(id)!)).toBe(true);
    for (const id of app.ids) expect(redacted(live.get(id)!)).toBe(false);
    // The bulk policy's summary is in the CLI's normal output.
    expect(up.output).toMatch(/stale-test-sessions.*matched 3; redacted 3/);

    // A no-op preview makes no API call, for the bulk policies as for the sessions.
    const quiet = await requestCount();
    const again = await stack.op("preview");
    expect(again.code).toBe(0);
    expect(again.output).not.toMatch(/to (create|update|replace|delete)/);
    expect(await requestCount()).toBe(quiet);

    // The state file on disk: no key; every serialized provider is the small shim.
    const stateText = fs.readFileSync(stack.stateFile(), "utf8");
    expect(stateText).not.toContain(key);
    const custom = stack.resources().filter((r) => r.custom && r.type.startsWith("pulumi-nodejs:dynamic/"));
    expect(custom).toHaveLength(5);
    for (const r of custom) expect(Buffer.byteLength(String(r.outputs?.__provider))).toBeLessThan(3 * 1024);

    const refresh = await stack.op("refresh");
    expect(refresh.code).toBe(0);

    const sessions = stack.resources().filter((r) => r.type.endsWith("VerificationSession"));
    expect(sessions).toHaveLength(3);
    const byName = Object.fromEntries(sessions.map((r) => [r.urn.split("::").pop(), r.id!]));

    await unprotectTeardowns(stack);
    const destroy = await stack.op("destroy");
    expect(destroy.code).toBe(0);
    expect(destroy.output).toMatch(/- 8 deleted/);
    // The retain policy says what it left, in the output a user reads, through the engine's log
    // (provider/log.ts), not as the `[runtime]` text the dynamic-provider process would print.
    expect(destroy.output).toMatch(/deletionPolicy is retain: the session is kept in Stripe/);
    expect(destroy.output).not.toMatch(/\[runtime\]/);
    live = await sessionsOf(key);
    expect(live.get(byName.onboarding)?.status).toBe("canceled");
    expect(redacted(live.get(byName["payouts-kyc"])!)).toBe(true);
    expect(live.get(byName["compliance-audit"])).toMatchObject({ status: "requires_input", redaction: null });
    for (const id of app.ids) expect(redacted(live.get(id)!)).toBe(true);

    await stack.ok(["stack", "rm", "dev", "--yes", "--non-interactive"]);
  });

  test("test-mode-cleanup: the first up sweeps; a later up sweeps again", async () => {
    const key = emulator.newKey();
    const old = await emulator.control.seed({ apiKey: key, count: 4, created: { from: now() - 30 * DAY, to: now() - 10 * DAY } });
    const recent = await emulator.control.seed({ apiKey: key, count: 2, created: { from: now() - DAY, to: now() } });
    const stack = await readmeStack("test-mode-cleanup", key);
    await stack.setConfig({ keepDays: "7" });
    expect((await stack.op("up")).code).toBe(0);
    let live = await sessionsOf(key);
    for (const id of old.ids) expect(redacted(live.get(id)!)).toBe(true);
    for (const id of recent.ids) expect(redacted(live.get(id)!)).toBe(false);

    const later = await emulator.control.seed({ apiKey: key, count: 2, created: { from: now() - 20 * DAY, to: now() - 9 * DAY } });
    const again = await stack.op("up");
    expect(again.code).toBe(0);
    live = await sessionsOf(key);
    for (const id of later.ids) expect(redacted(live.get(id)!)).toBe(true);

    expect((await stack.op("destroy")).code).toBe(0);
    live = await sessionsOf(key);
    for (const id of recent.ids) expect(redacted(live.get(id)!)).toBe(false);
  });

  test("redact-at-teardown: nothing at up; destroy redacts every session of the app", async () => {
    const key = emulator.newKey();
    await emulator.control.seed({ apiKey: key, count: 3, status: "verified", created: { from: now() - 5 * DAY, to: now() }, clientReferenceIdPrefix: "signup-dev-" });
    const prod = await emulator.control.seed({ apiKey: key, count: 2, created: { from: now() - 5 * DAY, to: now() }, clientReferenceIdPrefix: "signup-prod-" });
    const stack = await readmeStack("redact-at-teardown", key);
    expect((await stack.op("up")).code).toBe(0);
    const byPrefix = async (prefix: string) => [...(await sessionsOf(key)).values()].filter((s) => (s.client_reference_id ?? "").startsWith(prefix));
    expect((await byPrefix("signup-dev-")).filter(redacted)).toEqual([]);

    await unprotectTeardowns(stack);
    expect((await byPrefix("signup-dev-")).filter(redacted)).toEqual([]);
    const destroy = await stack.op("destroy");
    expect(destroy.code).toBe(0);
    expect(destroy.output).toMatch(/redact-signup-sessions \(destroy\).*matched 4; redacted 4/);
    const dev = await byPrefix("signup-dev-");
    expect(dev).toHaveLength(4); // three seeded + the stack's smoke test
    expect(dev.every(redacted)).toBe(true);
    const live = await sessionsOf(key);
    for (const id of prod.ids) expect(redacted(live.get(id)!)).toBe(false);
  });

  test("connect-platform: a session per connected account; destroy redacts each account's app sessions and nothing elsewhere", async () => {
    const key = emulator.newKey();
    const accounts = ["acct_1Shop", "acct_2Clinic"];
    const created = { from: now() - 5 * DAY, to: now() - DAY };
    for (const account of accounts) await emulator.control.seed({ apiKey: key, stripeAccount: account, count: 2, created, clientReferenceIdPrefix: "app-" });
    await emulator.control.connectAccount(key, "acct_3Other");
    const other = await emulator.control.seed({ apiKey: key, stripeAccount: "acct_3Other", count: 2, created, clientReferenceIdPrefix: "app-" });
    const own = await emulator.control.seed({ apiKey: key, count: 2, created, clientReferenceIdPrefix: "app-" });
    const stack = await readmeStack("connect-platform", key);
    const evidence = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "engine-evidence-")), "evidence.jsonl");
    await stack.setConfig({ "stripe-identity-connect-platform:evidenceFile": evidence });
    expect((await stack.op("up")).code).toBe(0);
    for (const account of accounts) expect(await emulator.control.sessions(key, account)).toHaveLength(3);
    const state = stack.resources().filter((r) => r.type.endsWith("VerificationSession"));
    expect(state.map((r) => (r.outputs as { sessionAccount?: string }).sessionAccount).sort()).toEqual(accounts.slice().sort());

    await unprotectTeardowns(stack);
    const destroy = await stack.op("destroy");
    expect(destroy.code).toBe(0);
    for (const account of accounts) {
      expect(destroy.output).toMatch(new RegExp(`redact-${account} \\(destroy, ${account}\\).*matched 3; redacted 3`));
      expect((await emulator.control.sessions(key, account)).every(redacted)).toBe(true);
    }
    // Evidence written by BulkRedaction in Pulumi's provider process: one chain, both accounts' runs.
    const chain = verifyChain(fs.readFileSync(evidence, "utf8"));
    expect(chain.ok).toBe(true);
    if (chain.ok) {
      expect(chain.lines.filter((l) => l.kind === "header").map((l) => (l as { account: string }).account).sort()).toEqual(accounts.slice().sort());
      expect(chain.lines.filter((l) => l.kind === "session" && l.result === "redacted")).toHaveLength(6);
    }
    for (const s of [...(await emulator.control.sessions(key, "acct_3Other")), ...(await emulator.control.sessions(key))]) {
      expect([...other.ids, ...own.ids]).toContain(s.id);
      expect(s.redaction).toBeNull();
    }
  });
});
