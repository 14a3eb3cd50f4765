/**
 * 300 VerificationSessions through the real Pulumi CLI, dynamic face and native face side by side
 * in one run, the emulator at Stripe's test limits (25 req/s global, 25 per endpoint, 150 ms
 * latency): preview, up, refresh, destroy wall time against the API floor (300 calls / 25 per s
 * = 12 s), 429s and failures, and state bytes per session resource.
 *
 * `npx tsx bench/native-engine.ts [sessions]` (writes bench/results/native-engine.json).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EmulatorControl, startEmulator } from "../emulator";
import { ensureBuilt, ROOT } from "../tests/helpers/build";
import { PulumiCliFactory, type PulumiStack } from "../tests/helpers/pulumi-cli";
import { linkProgramModules } from "../tools/link-program";
import { findCliDir } from "../tools/pulumi-cli/layout";

const LIMIT = 25;
const LATENCY_MS = 150;

type Face = "dynamic" | "native";

function program(dir: string, face: Face, sessions: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const plugins = face === "native" ? `plugins:\n  providers:\n    - name: stripe-identity\n      path: ${path.join(ROOT, "native", "plugin")}\n` : "";
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: bench-${face}\nruntime: nodejs\n${plugins}`);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `bench-${face}`, private: true, main: "index.ts" }));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2020", module: "commonjs", moduleResolution: "node", types: ["node"] }, files: ["index.ts"] }));
  const imports =
    face === "native"
      ? `import { VerificationSession, SessionType } from ${JSON.stringify(path.join(ROOT, "sdk", "nodejs"))};\nconst type = SessionType.Document;`
      : `import { VerificationSession } from "pulumi-stripe-identity";\nconst type = "document" as const;`;
  fs.writeFileSync(path.join(dir, "index.ts"), `${imports}\nfor (let i = 0; i < ${sessions}; i++) new VerificationSession(\`s\${i}\`, { type, metadata: { n: String(i) } });\n`);
  linkProgramModules(dir);
}

async function timed(stack: PulumiStack, args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  // Transpile-only: type-checking the program is the same cost for both faces and not what is measured.
  const result = await stack.run([...args, "--non-interactive", "--stack", stack.stackName], { env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } });
  if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${result.output.slice(-3000)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

interface FaceResult {
  previewMs: number;
  upMs: number;
  refreshMs: number;
  destroyMs: number;
  /** API floor (sessions / 25 per s) over wall time: 1.0 would be the binding limit exactly. */
  ofLimit: { up: number; refresh: number; destroy: number };
  rateLimited: number;
  requests: number;
  stateBytesPerSession: number;
}

async function runFace(cli: PulumiCliFactory, control: EmulatorControl, apiBase: string, scratch: string, face: Face, sessions: number): Promise<FaceResult> {
  const dir = path.join(scratch, face);
  program(dir, face, sessions);
  const stack = cli.stack(dir);
  try {
    await stack.init({ "stripe-identity:apiBase": apiBase }, { "stripe-identity:apiKey": `sk_test_emulator_bench_${face}_${Date.now()}` });
    const before = await control.stats();
    const previewMs = await timed(stack, ["preview"]);
    const upMs = await timed(stack, ["up", "--yes", "--skip-preview"]);
    const state = JSON.parse(fs.readFileSync(stack.stateFile(), "utf8")) as { checkpoint: { latest: { resources: { type: string }[] } } };
    const sessionResources = state.checkpoint.latest.resources.filter((r) => r.type.endsWith("VerificationSession"));
    const stateBytesPerSession = Math.round(sessionResources.reduce((sum, r) => sum + JSON.stringify(r).length, 0) / sessionResources.length);
    const refreshMs = await timed(stack, ["refresh", "--yes", "--skip-preview"]);
    const destroyMs = await timed(stack, ["destroy", "--yes", "--skip-preview"]);
    const after = await control.stats();
    const floorMs = (sessions / LIMIT) * 1000;
    const ratio = (ms: number) => +(floorMs / ms).toFixed(2);
    const requests = Object.values(after.requests).reduce((a, b) => a + b, 0) - Object.values(before.requests).reduce((a, b) => a + b, 0);
    return { previewMs, upMs, refreshMs, destroyMs, ofLimit: { up: ratio(upMs), refresh: ratio(refreshMs), destroy: ratio(destroyMs) }, rateLimited: after.rateLimited - before.rateLimited, requests, stateBytesPerSession };
  } finally {
    stack.remove();
  }
}

export async function run(sessions = 300): Promise<unknown> {
  ensureBuilt();
  const binDir = findCliDir(ROOT);
  if (!binDir) return { skipped: "no Pulumi CLI: run `npm run pulumi:cli` first (needs Go)" };
  const emulator = await startEmulator({ port: 0 });
  const control = new EmulatorControl(emulator.url);
  await control.config({ latencyMs: LATENCY_MS, rateLimit: { test: LIMIT, live: 100, perEndpoint: LIMIT } });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-native-"));
  const cli = new PulumiCliFactory(binDir);
  try {
    const faces: Record<Face, FaceResult> = {
      dynamic: await runFace(cli, control, emulator.url, scratch, "dynamic", sessions),
      native: await runFace(cli, control, emulator.url, scratch, "native", sessions),
    };
    const result = { sessions, limits: { globalPerSecond: LIMIT, perEndpointPerSecond: LIMIT, latencyMs: LATENCY_MS }, apiFloorMs: (sessions / LIMIT) * 1000, faces };
    console.log(JSON.stringify(result, null, 2));
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", "native-engine.json"), JSON.stringify(result, null, 2) + "\n");
    return result;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    await emulator.close();
  }
}

if (require.main === module) {
  run(Number(process.argv[2] ?? 300)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
