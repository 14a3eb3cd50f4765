/**
 * The lifecycle scenarios through three routes, one scenario sequence each: the real Pulumi CLI
 * with this repo's language host (tools/pulumi-cli/language-host.js); Pulumi's own Automation API
 * with an inline program (no language host at all: the second judge, which Pulumi wrote); and the
 * harness. The Automation API must agree with the CLI on steps, outputs, state and what Stripe saw
 * (sessions and API calls, normalised: ids, times, secrets); the harness must agree on steps
 * (docs/architecture.md, "Two judges of the language host"). Each test runs the routes it
 * compares (once per file: later tests reuse a route's record), so each also passes alone under -t.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine, type PulumiStack } from "../helpers/pulumi-cli";
import { linkProgramModules } from "../../tools/link-program";
import { AutomationDriver, CliDriver, HarnessDriver, type Command, type Driver, type Outcome } from "./drivers";
import { IdNames, normaliseSessions, normaliseState } from "./judge-normalize";

jest.setTimeout(400_000);

const FIXTURE = path.join(__dirname, "fixtures", "lifecycle");
const PROJECT = "engine-lifecycle";

interface Scenario {
  title: string;
  command: Command;
  config: Record<string, string>;
  /** Out-of-band changes in Stripe before the command (a user, Stripe itself). */
  before?: (ctx: Context) => Promise<void>;
  check: (outcome: Outcome, ctx: Context, calls: Record<string, number>) => Promise<void> | void;
  /**
   * Routes whose count depends on real time: the provider polls a processing session until its
   * processingTimeoutSeconds pass, so how many reads fit in depends on the machine's load. Routes
   * compare as "called", not by count.
   */
  timed?: string[];
}

interface Context {
  driver: Driver;
  key: string;
  emulator: TestEmulator;
  ids: () => Record<string, string>;
  root: string;
}

// Independent resources register in the order their inputs resolve, which neither engine fixes:
// steps are compared as sets per command.
const sorted = (steps: string[]) => [...steps].sort();
const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const ref1b = { tier: "gold", ref: "user_1b", swapRef: "swap_2" };

const SCENARIOS: Scenario[] = [
  {
    title: "up creates every session, one API call each",
    command: "up",
    config: {},
    check: (o, _ctx, calls) => {
      expect(sorted(o.steps)).toEqual(["create audit", "create guarded", "create kyc", "create onboarding", "create pinned", "create slow", "create swapped"]);
      expect(calls).toEqual({ "POST /v1/identity/verification_sessions": 7 });
    },
  },
  {
    title: "preview with no change makes no API call",
    command: "preview",
    config: {},
    check: (o, _ctx, calls) => {
      expect(o.ok).toBe(true);
      expect(o.steps).toEqual([]);
      expect(total(calls)).toBe(0);
    },
  },
  {
    title: "a lifecycle-only change is an update with no API call",
    command: "up",
    config: { timeout: "60" },
    check: (o, _ctx, calls) => {
      expect(o.steps).toEqual(["update onboarding"]);
      expect(total(calls)).toBe(0);
    },
  },
  {
    title: "an updatable change updates in place with one API call",
    command: "up",
    config: { timeout: "60", tier: "gold" },
    check: async (o, ctx, calls) => {
      expect(o.steps).toEqual(["update onboarding"]);
      expect(calls).toEqual({ "POST /v1/identity/verification_sessions/:id": 1 });
      expect((await ctx.emulator.control.sessions(ctx.key)).find((s) => s.id === ctx.ids().onboarding)?.metadata?.tier).toBe("gold");
    },
  },
  {
    title: "a create-only change replaces (create first; deleteBeforeReplace deletes first)",
    command: "up",
    config: ref1b,
    check: async (o, ctx) => {
      expect(sorted(o.steps)).toEqual(["replace onboarding", "replace swapped"]);
      const live = new Map((await ctx.emulator.control.sessions(ctx.key)).map((s) => [s.id, s]));
      const canceled = [...live.values()].filter((s) => s.status === "canceled").map((s) => s.client_reference_id).sort();
      expect(canceled).toEqual(["swap_1", "user_1"]);
      expect(live.get(ctx.ids().onboarding)).toMatchObject({ status: "requires_input", client_reference_id: "user_1b" });
    },
  },
  {
    title: "refresh sees drift made outside Pulumi, one read per session",
    command: "refresh",
    config: ref1b,
    before: async (ctx) => {
      await ctx.emulator.control.transition(ctx.ids().onboarding, "processing");
      await ctx.emulator.control.transition(ctx.ids().onboarding, "verified");
      await ctx.emulator.stripe(ctx.key).identity.verificationSessions.cancel(ctx.ids().kyc);
    },
    check: (o, _ctx, calls) => {
      expect(o.steps.filter((s) => s.startsWith("read "))).toHaveLength(7);
      expect(calls).toEqual({ "GET /v1/identity/verification_sessions/:id": 7 });
    },
  },
  {
    title: "up after refresh recreates the canceled session and leaves the verified one",
    command: "up",
    config: ref1b,
    check: async (o, ctx) => {
      expect(o.steps).toEqual(["replace kyc"]); // the verified onboarding session is left as it is
      const kyc = (await ctx.emulator.control.sessions(ctx.key)).find((s) => s.id === ctx.ids().kyc);
      expect(kyc?.status).toBe("requires_input");
    },
  },
  {
    title: "a bad arg fails preview naming the field, and nothing is created",
    command: "preview",
    config: { ...ref1b, bad: "true" },
    before: async (ctx) => {
      sessionsBefore.set(ctx.driver.name, (await ctx.emulator.control.sessions(ctx.key)).length);
    },
    check: async (o, ctx, calls) => {
      expect(o.ok).toBe(false);
      expect(o.output).toMatch(/options\.document\.allowedTypes\[1\]/);
      expect(o.output).not.toMatch(/\n\s+at .*\.(js|ts):\d+/); // no stack trace
      expect(total(calls)).toBe(0);
      expect((await ctx.emulator.control.sessions(ctx.key)).length).toBe(sessionsBefore.get(ctx.driver.name));
    },
  },
  {
    title: "destroy refuses while a resource is protected, and deletes nothing",
    command: "destroy",
    config: ref1b,
    check: async (o, ctx, calls) => {
      expect(o.ok).toBe(false);
      expect(o.output).toMatch(/protect/);
      expect(ctx.driver.state()).toHaveLength(7);
      expect(total(calls)).toBe(0);
    },
  },
  {
    title: "unprotecting is an up with no API call",
    command: "up",
    config: { ...ref1b, protect: "false" },
    check: (o, ctx, calls) => {
      expect(o.steps).toEqual([]);
      expect(total(calls)).toBe(0);
      expect(ctx.driver.state().find((r) => r.name === "guarded")?.protect).toBe(false);
    },
  },
  {
    title: "destroy with a session still processing times out, keeps it in state, deletes the rest",
    command: "destroy",
    timed: ["GET /v1/identity/verification_sessions/:id"],
    config: { ...ref1b, protect: "false" },
    before: async (ctx) => {
      await ctx.emulator.control.transition(ctx.ids().slow, "processing");
      // The program and its state move to another path before the destroy.
      ctx.driver.moveTo(path.join(ctx.root, "moved"));
    },
    check: async (o, ctx) => {
      expect(o.ok).toBe(false);
      expect(o.output).toMatch(/still processing after 2s \(processingTimeoutSeconds\)/);
      expect(o.output).not.toMatch(/\n\s+at .*\.(js|ts):\d+/); // a user error, not a stack trace
      expect(ctx.driver.state().map((r) => r.name)).toEqual(["slow"]);
      const live = new Map((await ctx.emulator.control.sessions(ctx.key)).map((s) => [s.id, s]));
      expect(live.get(ctx.ids().slow)?.status).toBe("processing");
      expect(live.get(ctx.ids().swapped)?.status).toBe("canceled");
      expect(live.get(ctx.ids().kyc)?.redaction?.status).toBe("redacted");
      expect(live.get(ctx.ids().audit)?.status).toBe("requires_input");
      expect(live.get(ctx.ids().pinned)?.status).toBe("requires_input");
      expect(live.get(ctx.ids().onboarding)?.status).toBe("verified"); // cancel policy: verified is left
      expect(o.output).toMatch(/a verified session cannot be canceled: left as it is/);
      expect(live.get(ctx.ids().guarded)?.status).toBe("canceled");
    },
  },
  {
    title: "once Stripe finishes, a later destroy finishes with one API call",
    command: "destroy",
    config: { ...ref1b, protect: "false" },
    before: async (ctx) => {
      await ctx.emulator.control.transition(ctx.ids().slow, "requires_input");
    },
    check: async (o, ctx, calls) => {
      expect(o.ok).toBe(true);
      expect(ctx.driver.state()).toEqual([]);
      expect(calls).toEqual({ "POST /v1/identity/verification_sessions/:id/cancel": 1 });
      expect((await ctx.emulator.control.sessions(ctx.key)).find((s) => s.id === ctx.ids().slow)?.status).toBe("canceled");
    },
  },
];
const sessionsBefore = new Map<string, number>();

/** What one route did in one scenario, normalised for comparison. */
interface RouteRecord {
  scenario: string;
  ok: boolean;
  steps: string[];
  calls: Record<string, number | "called">;
  /** What Stripe holds for the account after the command. */
  sessions: unknown[];
  /** The stack's outputs and resources (engine routes only). */
  state?: Record<string, unknown>;
}

describeEngine("engine lifecycle: three routes, one scenario sequence each", (cli) => {
  // One temp folder for the routes' programs (another absolute path than the repo's).
  let root: string;
  const emulators: TestEmulator[] = [];
  const closers: (() => void)[] = [];
  const runs = new Map<string, Promise<RouteRecord[]>>();

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "engine-lifecycle-"));
  });
  afterAll(async () => {
    for (const close of closers) close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    await Promise.all(emulators.map((e) => e.close()));
  });

  /** A route's whole scenario sequence, run once per file, on its own emulator (calls are counted per emulator). */
  function recordOf(name: string, start: (emulator: TestEmulator, key: string, root: string, programDir: string) => Promise<{ driver: Driver; stack?: PulumiStack; stateCheck?: () => unknown }>): Promise<RouteRecord[]> {
    let run = runs.get(name);
    if (!run) {
      run = (async () => {
        const emulator = await startTestEmulator();
        emulators.push(emulator);
        const routeRoot = path.join(root, name);
        const programDir = path.join(routeRoot, "program");
        fs.cpSync(FIXTURE, programDir, { recursive: true });
        linkProgramModules(programDir);
        const key = emulator.newKey();
        const { driver, stack, stateCheck } = await start(emulator, key, routeRoot, programDir);
        return runAll(driver, { key, emulator, root: routeRoot, stack, stateCheck });
      })();
      runs.set(name, run);
    }
    return run;
  }

  async function runAll(driver: Driver, opts: { key: string; emulator: TestEmulator; root: string; stack?: PulumiStack; stateCheck?: () => unknown }): Promise<RouteRecord[]> {
    const { key, emulator, root, stack } = opts;
    const records: RouteRecord[] = [];
    let ids: Record<string, string> = {};
    const names = new IdNames();
    const ctx: Context = { driver, key, emulator, root, ids: () => ids };
    for (const scenario of SCENARIOS) {
      await scenario.before?.(ctx);
      const before = (await emulator.control.stats()).requests;
      const outcome = await driver.run(scenario.command, scenario.config);
      const after = (await emulator.control.stats()).requests;
      const calls = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, n]) => Number(n) > 0));
      names.learn(driver.state());
      ids = { ...ids, ...Object.fromEntries(driver.state().map((r) => [r.name, r.id])) };
      try {
        await scenario.check(outcome, ctx, calls);
        if (scenario.title.startsWith("up creates")) await opts.stateCheck?.();
      } catch (error) {
        throw new Error(`${driver.name}, "${scenario.title}": ${(error as Error).message}\n--- output ---\n${outcome.output.slice(-4000)}`);
      }
      records.push({
        scenario: scenario.title,
        ok: outcome.ok,
        steps: sorted(outcome.steps),
        calls: Object.fromEntries(Object.entries(calls).map(([route, n]): [string, number | "called"] => [route, scenario.timed?.includes(route) ? "called" : Number(n)])),
        sessions: normaliseSessions(await emulator.control.sessions(key), names),
        state: stack ? normaliseState(stack.resources(), names) : undefined,
      });
    }
    return records;
  }

  const cliRecord = () =>
    recordOf("cli", async (emulator, key, _root, programDir) => {
      const stack = cli.stack(programDir);
      closers.push(() => stack.remove());
      await stack.init({ "stripe-identity:apiBase": emulator.url }, { "stripe-identity:apiKey": key });
      return { driver: new CliDriver(stack, PROJECT), stack, stateCheck: () => checkStateOnDisk(stack, emulator, key) };
    });

  const automationRecord = () =>
    recordOf("automation", async (emulator, key, _root, programDir) => {
      const stack = cli.stack(programDir);
      const driver = new AutomationDriver(stack, PROJECT, { config: { "stripe-identity:apiBase": emulator.url }, secrets: { "stripe-identity:apiKey": key } });
      closers.push(() => driver.close(), () => stack.remove());
      return { driver, stack, stateCheck: () => checkStateOnDisk(stack, emulator, key) };
    });

  test("the second judge: Pulumi's Automation API (inline program, no language host) agrees with the CLI: steps, outputs, state, what Stripe saw", async () => {
    // The two routes run side by side (each has its own emulator and account), to save wall time.
    const [engine, automation] = await Promise.all([cliRecord(), automationRecord()]);
    expect(automation).toHaveLength(SCENARIOS.length);
    // One scenario at a time, so a difference names the first scenario where the routes part.
    SCENARIOS.forEach((_scenario, i) => expect(automation[i]).toEqual(engine[i]));
  });

  test("every scenario through the real CLI (this repo's language host)", async () => {
    expect(await cliRecord()).toHaveLength(SCENARIOS.length);
  });

  test("the same scenarios through the harness agree with the engine, step for step", async () => {
    const engine = await cliRecord();
    const harness = await recordOf("harness", async (emulator, key, _root, programDir) => ({
      driver: new HarnessDriver(programDir, { config: { "stripe-identity:apiBase": emulator.url }, secrets: { "stripe-identity:apiKey": key } }, PROJECT),
    }));
    SCENARIOS.forEach((scenario, i) => {
      expect({ scenario: scenario.title, steps: harness[i].steps }).toEqual({ scenario: scenario.title, steps: engine[i].steps });
    });
  });
});

/** The state file on disk, not only `pulumi stack export`: no key, no clear secret, small providers. */
async function checkStateOnDisk(stack: PulumiStack, emulator: TestEmulator, key: string): Promise<void> {
  const text = fs.readFileSync(stack.stateFile(), "utf8");
  expect(text).not.toContain(key);
  const state = JSON.parse(text) as { checkpoint: { latest: { resources: { custom?: boolean; type: string; outputs?: Record<string, unknown> }[] } } };
  const sessions = state.checkpoint.latest.resources.filter((r) => r.custom && r.type.endsWith("VerificationSession"));
  expect(sessions).toHaveLength(7);
  for (const r of sessions) {
    expect(Buffer.byteLength(String(r.outputs?.__provider))).toBeLessThanOrEqual(3 * 1024);
    expect(r.outputs?.clientSecret).toMatchObject({ ciphertext: expect.any(String) });
    expect(r.outputs?.url).toMatchObject({ ciphertext: expect.any(String) });
  }
  for (const s of await emulator.control.sessions(key)) {
    expect(text).not.toContain(s.client_secret!);
    expect(text).not.toContain(s.url!);
  }
}
