/**
 * API calls per operation for 50 VerificationSessions through the provider, counted by the
 * emulator's stats (docs/architecture.md, "Numbers": diff 0, refresh 1, create 1, update 1 (0 lifecycle-only),
 * delete 1 when state is current), and the `__provider` bytes stored per resource next to a naive
 * dynamic provider that captures a Stripe client.
 *
 * `npx tsx bench/api-calls.ts` (writes bench/results/api-calls.json) or `run()` from bench/run.ts.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { EmulatorControl, startEmulator } from "../emulator";
import { createSessionProvider } from "../provider/session/provider";

import { ensureBuilt, ROOT } from "../tests/helpers/build";

const RESOURCES = 50;
type Provider = Required<pulumi.dynamic.ResourceProvider>;

async function countCalls(control: EmulatorControl, action: () => Promise<unknown>): Promise<{ total: number; byRoute: Record<string, number> }> {
  const before = (await control.stats()).requests;
  await action();
  const after = (await control.stats()).requests;
  const byRoute: Record<string, number> = {};
  for (const [route, n] of Object.entries(after)) if (n - (before[route] ?? 0) > 0) byRoute[route] = n - (before[route] ?? 0);
  return { total: Object.values(byRoute).reduce((a, b) => a + b, 0), byRoute };
}

/**
 * Measured in a plain `node` child (not tsx, whose transpiled closures differ from what ships):
 * each script serializes `() => provider` exactly as pulumi.dynamic.Resource does.
 */
const SIZE_SCRIPTS: Record<string, string> = {
  // What users get: the compiled shim from dist/ (run `npm run build` first).
  pulumiStripeIdentity: `const { serializableProvider } = require("./dist/sdk/shim"); provider = serializableProvider("session");`,
  // The pattern docs/architecture.md, "Serialization rule" warns against: methods closing over an SDK client.
  naiveCapturedClient: `const stripe = new (require("stripe"))(KEY);
    provider = { async create(i) { const s = await stripe.identity.verificationSessions.create({ type: i.type }); return { id: s.id, outs: {} }; },
                 async delete(id) { await stripe.identity.verificationSessions.cancel(id); } };`,
  // The other shortcut: build the client inside, closing over the key and the SDK module.
  naiveCapturedKeyAndModule: `const Stripe = require("stripe"); const key = KEY; const client = () => new Stripe(key);
    provider = { async create(i) { const s = await client().identity.verificationSessions.create({ type: i.type }); return { id: s.id, outs: {} }; },
                 async delete(id) { await client().identity.verificationSessions.cancel(id); } };`,
};

type SizeResult = { bytes: number; containsKey: boolean } | { error: string };

function serializedSize(body: string, apiKey: string): SizeResult {
  const script = `const pulumi = require("@pulumi/pulumi"); const KEY = ${JSON.stringify(apiKey)}; let provider; ${body}
    pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true }).then(
      (s) => console.log(JSON.stringify({ bytes: Buffer.byteLength(s.text), containsKey: s.text.includes(KEY) })),
      (e) => console.log(JSON.stringify({ error: String(e.message).split("\\n")[0] })));`;
  try {
    const out = execFileSync(process.execPath, ["--no-deprecation", "--no-warnings", "-e", script], { cwd: ROOT, encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").pop() ?? "{}") as SizeResult;
  } catch (error) {
    return { error: (error instanceof Error ? error.message : String(error)).split("\n")[0] };
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const emulator = await startEmulator({ port: 0 });
  const control = new EmulatorControl(emulator.url);
  try {
    const apiKey = `sk_test_bench${Date.now().toString(36)}`;
    const provider = createSessionProvider({
      env: { STRIPE_API_KEY: apiKey, STRIPE_API_BASE: emulator.url },
      logger: { info: () => undefined, warn: () => undefined },
    }) as Provider;
    const ids: string[] = [];
    let states: Record<string, unknown>[] = [];
    const args = (i: number, extra: Record<string, unknown> = {}) => ({ type: "document", clientReferenceId: `bench_${i}`, metadata: { run: "1" }, ...extra });

    const create = await countCalls(control, async () => {
      for (let i = 0; i < RESOURCES; i++) {
        const checked = await provider.check({}, args(i));
        const created = await provider.create(checked.inputs);
        ids.push(created.id);
        states.push(created.outs);
      }
    });
    const changed = await Promise.all(states.map(async (_, i) => (await provider.check({}, args(i, { metadata: { run: "2" } }))).inputs));
    const diff = await countCalls(control, async () => {
      for (let i = 0; i < RESOURCES; i++) await provider.diff(ids[i], states[i], changed[i]);
    });
    const refresh = await countCalls(control, async () => {
      states = await Promise.all(ids.map(async (id, i) => (await provider.read(id, states[i])).props as Record<string, unknown>));
    });
    const update = await countCalls(control, async () => {
      for (let i = 0; i < RESOURCES; i++) states[i] = (await provider.update(ids[i], states[i], changed[i])).outs;
    });
    const lifecycleOnly = await countCalls(control, async () => {
      for (let i = 0; i < RESOURCES; i++) {
        states[i] = (await provider.update(ids[i], states[i], { ...changed[i], deletionPolicy: "redact", processingTimeoutSeconds: 30 })).outs;
      }
    });
    const del = await countCalls(control, async () => {
      for (let i = 0; i < RESOURCES; i++) await provider.delete(ids[i], states[i]);
    });

    ensureBuilt(); // the shipped text comes from dist/
    const sizes = Object.fromEntries(Object.entries(SIZE_SCRIPTS).map(([name, body]) => [name, serializedSize(body, apiKey)]));
    const perResource = (c: { total: number }) => c.total / RESOURCES;
    const result = {
      resources: RESOURCES,
      apiCallsPerResource: {
        diff: perResource(diff),
        refresh: perResource(refresh),
        create: perResource(create),
        update: perResource(update),
        updateLifecycleOnly: perResource(lifecycleOnly),
        delete: perResource(del),
      },
      targets: { diff: 0, refresh: 1, create: 1, update: 1, updateLifecycleOnly: 0, delete: 1 },
      byRoute: { create: create.byRoute, diff: diff.byRoute, refresh: refresh.byRoute, update: update.byRoute, updateLifecycleOnly: lifecycleOnly.byRoute, delete: del.byRoute },
      providerBytesPerResource: { ...sizes, limit: 3072 },
    };
    mkdirSync(join(__dirname, "results"), { recursive: true });
    writeFileSync(join(__dirname, "results", "api-calls.json"), JSON.stringify(result, null, 2) + "\n");
    console.log(JSON.stringify(result, null, 2));
    return result;
  } finally {
    await emulator.close();
  }
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
