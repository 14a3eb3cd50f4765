/**
 * Through the real Pulumi CLI (`npm run pulumi:cli`): API calls per operation for N sessions,
 * counted by the emulator's stats (docs/architecture.md, "Numbers": preview 0, refresh 1 per resource, create 1,
 * update 1, lifecycle-only update 0, delete 1), and the platform example's `up` and `destroy` wall
 * time through the CLI next to the harness, in one run.
 *
 * `npx tsx bench/engine.ts` (writes bench/results/engine.json) or `run()` from bench/run.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EmulatorControl, startEmulator } from "../emulator";
import { Harness } from "../harness";
import { ensureBuilt, ROOT } from "../tests/helpers/build";
import { PulumiCliFactory, type PulumiStack } from "../tests/helpers/pulumi-cli";
import { linkProgramModules } from "../tools/link-program";
import { findCliDir } from "../tools/pulumi-cli/layout";

const SESSIONS = 10;
const ROUNDS = 3;

function sessionsProgram(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bench-engine\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bench-engine", private: true, main: "index.ts" }));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2020", module: "commonjs", moduleResolution: "node", types: ["node"] }, files: ["index.ts"] }));
  fs.writeFileSync(
    path.join(dir, "index.ts"),
    `import * as pulumi from "@pulumi/pulumi";
import { VerificationSession } from "pulumi-stripe-identity";
const config = new pulumi.Config();
for (let i = 0; i < ${SESSIONS}; i++) {
  new VerificationSession(\`s\${i}\`, { type: "document", metadata: { tier: config.get("tier") ?? "basic" }, processingTimeoutSeconds: config.getNumber("timeout") ?? 120 });
}
`,
  );
  linkProgramModules(dir);
}

async function calls(control: EmulatorControl, action: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = (await control.stats()).requests;
  await action();
  const after = (await control.stats()).requests;
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, n]) => Number(n) > 0));
}

const perSession = (byRoute: Record<string, number>) => Object.values(byRoute).reduce((a, b) => a + b, 0) / SESSIONS;

async function timed<T>(action: () => Promise<T>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function run(): Promise<unknown> {
  ensureBuilt();
  const binDir = findCliDir(ROOT);
  if (!binDir) {
    console.log("no Pulumi CLI: run `npm run pulumi:cli` first (needs Go)");
    return { skipped: "no Pulumi CLI" };
  }
  const emulator = await startEmulator({ port: 0 });
  const control = new EmulatorControl(emulator.url);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-engine-"));
  const cli = new PulumiCliFactory(binDir);
  try {
    // 1. API calls per operation, N sessions, through the CLI.
    const key = `sk_test_emulator_bench_${Date.now()}`;
    const programDir = path.join(scratch, "sessions");
    sessionsProgram(programDir);
    const stack = cli.stack(programDir);
    await stack.init({ "stripe-identity:apiBase": emulator.url }, { "stripe-identity:apiKey": key });
    const ok = async (s: PulumiStack, command: "preview" | "up" | "refresh" | "destroy", extra: string[] = []) => {
      const result = await s.op(command, extra);
      if (result.code !== 0) throw new Error(`pulumi ${command} failed:\n${result.output.slice(-2000)}`);
    };
    const apiCalls: Record<string, { byRoute: Record<string, number>; perSession: number }> = {};
    const measure = async (name: string, action: () => Promise<unknown>) => {
      const byRoute = await calls(control, action);
      apiCalls[name] = { byRoute, perSession: perSession(byRoute) };
    };
    await measure("create (up)", () => ok(stack, "up"));
    await measure("preview, no change", () => ok(stack, "preview"));
    await measure("refresh (pulumi refresh --yes: its preview reads too)", () => ok(stack, "refresh"));
    await measure("refresh --skip-preview", () => ok(stack, "refresh", ["--skip-preview"]));
    await stack.setConfig({ "bench-engine:tier": "gold" });
    await measure("update (up)", () => ok(stack, "up"));
    await stack.setConfig({ "bench-engine:timeout": "60" });
    await measure("lifecycle-only update (up)", () => ok(stack, "up"));
    await measure("delete (destroy)", () => ok(stack, "destroy"));
    stack.remove();

    // 2. The platform example's up and destroy: the CLI next to the harness, ROUNDS each, alternating.
    const wall = { cli: { up: [] as number[], destroy: [] as number[] }, harness: { up: [] as number[], destroy: [] as number[] } };
    for (let round = 0; round < ROUNDS; round++) {
      const cliKey = `sk_test_emulator_bench_cli_${round}_${Date.now()}`;
      const cliRoot = path.join(scratch, `cli-${round}`);
      fs.cpSync(path.join(ROOT, "examples", "platform"), path.join(cliRoot, "platform"), { recursive: true, filter: (src) => !/node_modules/.test(src) });
      linkProgramModules(cliRoot);
      const platform = cli.stack(path.join(cliRoot, "platform"));
      await platform.init({ "stripe-identity:apiBase": emulator.url }, { "stripe-identity:apiKey": cliKey });
      wall.cli.up.push(await timed(() => ok(platform, "up", ["--skip-preview"])));
      wall.cli.destroy.push(await timed(() => ok(platform, "destroy", ["--skip-preview"])));
      platform.remove();

      const harnessRoot = path.join(scratch, `harness-${round}`);
      fs.cpSync(path.join(ROOT, "examples", "platform"), path.join(harnessRoot, "platform"), { recursive: true, filter: (src) => !/node_modules/.test(src) });
      linkProgramModules(harnessRoot);
      const open = () =>
        Harness.open({
          programDir: path.join(harnessRoot, "platform"),
          config: { "stripe-identity:apiBase": emulator.url },
          secrets: { "stripe-identity:apiKey": `sk_test_emulator_bench_h_${round}_${Date.now()}` },
          // The harness type-checks as the CLI does; both pay for it.
          env: { PULUMI_NODEJS_TRANSPILE_ONLY: "" },
        });
      const harness = await open();
      wall.harness.up.push(await timed(() => harness.up()));
      wall.harness.destroy.push(await timed(() => harness.destroy()));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const wallTime = {
      rounds: ROUNDS,
      cliUpMs: median(wall.cli.up),
      cliDestroyMs: median(wall.cli.destroy),
      harnessUpMs: median(wall.harness.up),
      harnessDestroyMs: median(wall.harness.destroy),
      upRatioCliOverHarness: +(median(wall.cli.up) / median(wall.harness.up)).toFixed(2),
      destroyRatioCliOverHarness: +(median(wall.cli.destroy) / median(wall.harness.destroy)).toFixed(2),
      raw: wall,
    };
    const result = { sessions: SESSIONS, apiCalls, wallTime };
    console.log(JSON.stringify({ apiCallsPerSession: Object.fromEntries(Object.entries(apiCalls).map(([k, v]) => [k, v.perSession])), ...wallTime, raw: undefined }, null, 2));
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", "engine.json"), JSON.stringify(result, null, 2) + "\n");
    return result;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    await emulator.close();
  }
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
