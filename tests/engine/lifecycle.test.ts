/**
 * The lifecycle scenarios through the real Pulumi CLI, then the same commands through the harness,
 * which must agree with the engine step for step (DESIGN section 10: the harness is held to the
 * engine). Each command's API calls are counted from the emulator's stats.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { describeEngine } from "../helpers/pulumi-cli";
import { workspace, type Workspace } from "../harness/workspace";
import { linkProgramModules } from "../../tools/link-program";
import { CliDriver, HarnessDriver, type Command, type Driver, type Outcome } from "./drivers";

jest.setTimeout(300_000);

const FIXTURE = path.join(__dirname, "fixtures", "lifecycle");
const PROJECT = "engine-lifecycle";

interface Scenario {
  title: string;
  command: Command;
  config: Record<string, string>;
  /** Out-of-band changes in Stripe before the command (a user, Stripe itself). */
  before?: (ctx: Context) => Promise<void>;
  check: (outcome: Outcome, ctx: Context, calls: Record<string, number>) => Promise<void> | void;
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

describeEngine("lifecycle through the Pulumi CLI, and the harness held to it", (cli) => {
  let emulator: TestEmulator;
  let ws: Workspace;
  const recorded: Record<string, string[][]> = {};
  const idsSeen: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    emulator = await startTestEmulator();
    ws = workspace("engine-lifecycle-");
  });
  afterAll(async () => {
    ws?.remove();
    await emulator?.close();
  });

  async function runAll(driver: Driver, key: string, root: string, stateCheck: () => unknown): Promise<void> {
    const steps: string[][] = (recorded[driver.name] = []);
    let ids: Record<string, string> = {};
    const ctx: Context = { driver, key, emulator, root, ids: () => ids };
    for (const scenario of SCENARIOS) {
      await scenario.before?.(ctx);
      const before = (await emulator.control.stats()).requests;
      const outcome = await driver.run(scenario.command, scenario.config);
      const after = (await emulator.control.stats()).requests;
      const calls = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, n]) => Number(n) > 0));
      ids = { ...ids, ...Object.fromEntries(driver.state().map((r) => [r.name, r.id])) };
      idsSeen[driver.name] = ids;
      steps.push(outcome.steps);
      try {
        await scenario.check(outcome, ctx, calls);
      } catch (error) {
        throw new Error(`${driver.name}, "${scenario.title}": ${(error as Error).message}\n--- output ---\n${outcome.output.slice(-4000)}`);
      }
      if (scenario.title.startsWith("up creates")) await stateCheck();
    }
  }

  /** A fresh account and a copy of the fixture under `<workspace>/<name>/program`. */
  function arrange(name: string): { key: string; root: string; programDir: string } {
    const root = path.join(ws.root, name);
    const programDir = path.join(root, "program");
    fs.cpSync(FIXTURE, programDir, { recursive: true });
    linkProgramModules(programDir);
    return { key: emulator.newKey(), root, programDir };
  }

  test("every scenario through the real CLI", async () => {
    const { key, root, programDir } = arrange("cli");
    const stack = cli.stack(programDir);
    await stack.init({ "stripe-identity:apiBase": emulator.url }, { "stripe-identity:apiKey": key });
    const driver = new CliDriver(stack, PROJECT);
    await runAll(driver, key, root, () => {
      // The state file on disk, not only `pulumi stack export`.
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
      return emulator.control.sessions(key).then((live) => {
        for (const s of live) {
          expect(text).not.toContain(s.client_secret!);
          expect(text).not.toContain(s.url!);
        }
      });
    });
    stack.remove();
  });

  test("the same scenarios through the harness agree with the engine, step for step", async () => {
    const { key, root, programDir } = arrange("harness");
    const driver = new HarnessDriver(programDir, { config: { "stripe-identity:apiBase": emulator.url }, secrets: { "stripe-identity:apiKey": key } }, PROJECT);
    await runAll(driver, key, root, () => undefined);
    const engine = recorded["pulumi CLI"];
    expect(engine).toBeDefined();
    expect(engine).toHaveLength(SCENARIOS.length);
    SCENARIOS.forEach((scenario, i) => {
      expect({ scenario: scenario.title, steps: sorted(recorded.harness[i]) }).toEqual({ scenario: scenario.title, steps: sorted(engine[i]) });
    });
  });
});
