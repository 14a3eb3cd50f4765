/**
 * The emulator's timing promises, measured instead of asserted (tests must not fail on a loaded
 * machine): with latency L, ten requests at once take about L, not 10 x L (the delay blocks no
 * other request); the control API answers at once while /v1 requests wait out their latency; after
 * a reset that had latency configured, a /v1 request is answered with no delay; a list page deep
 * inside 100,000 sessions costs about what the first page does. Reported as ratios (to the
 * configured latency, or deep page / first page).
 *
 *   npx tsx bench/emulator-timing.ts
 *
 * Writes bench/results/emulator-timing.json. `run()` is exported for bench/run.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startTestEmulator } from "../tests/helpers/emulator";

const LATENCY_MS = 150;
const ROUNDS = 5;

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(call: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await call();
  return performance.now() - t0;
}

export async function run(options: { log?: (line: string) => void; output?: string | null } = {}): Promise<unknown> {
  const log = options.log ?? ((line: string) => console.log(line));
  const emu = await startTestEmulator();
  const concurrent: number[] = [];
  const controlDuringLatency: number[] = [];
  const afterReset: number[] = [];
  const deepPages: number[] = [];
  const topPages: number[] = [];
  try {
    const stripe = emu.stripe();
    for (let i = 0; i < ROUNDS; i++) {
      await emu.control.config({ latencyMs: LATENCY_MS, jitterMs: 0 });
      const lists = timed(() => Promise.all(Array.from({ length: 10 }, () => stripe.identity.verificationSessions.list())));
      controlDuringLatency.push(await timed(() => emu.control.stats()));
      concurrent.push(await lists);
      await emu.control.config({ latencyMs: 500 });
      await emu.control.reset();
      afterReset.push(await timed(() => stripe.identity.verificationSessions.list()));
    }
    // Twenty pages of 100, from the top and from deep inside 100,000 sessions.
    const key = emu.newKey();
    const { ids } = await emu.control.seed({ apiKey: key, count: 100_000, created: { from: 1_600_000_000, to: 1_700_000_000 } });
    const pages = (cursor: string | undefined) => timed(async () => {
      for (let i = 0; i < 20; i++) await emu.stripe(key).identity.verificationSessions.list({ limit: 100, starting_after: cursor });
    });
    for (let i = 0; i < ROUNDS; i++) {
      deepPages.push(await pages(ids[99_000]));
      topPages.push(await pages(undefined));
    }
  } finally {
    await emu.close();
  }
  const result = {
    benchmark: "emulator-timing",
    date: new Date().toISOString(),
    latencyMs: LATENCY_MS,
    // ~1.0 when the ten requests wait concurrently; ~10 if the delay serialized them.
    tenConcurrentOverLatency: round(median(concurrent) / LATENCY_MS),
    // ~0 when the control API skips the latency; >= 1 if it waited like a /v1 request.
    controlCallOverLatency: round(median(controlDuringLatency) / LATENCY_MS),
    // ~0 when reset dropped the 500 ms latency.
    listAfterResetOverLatency: round(median(afterReset) / LATENCY_MS),
    // ~1.0 when a cursor deep in the list is found without walking the list.
    deepPageOverFirstPage: round(median(deepPages) / median(topPages)),
    msMedians: { tenConcurrent: round(median(concurrent)), controlCall: round(median(controlDuringLatency)), listAfterReset: round(median(afterReset)) },
  };
  log(`ten requests at once: ${result.tenConcurrentOverLatency} x latency; control call during latency: ${result.controlCallOverLatency} x; list after reset: ${result.listAfterResetOverLatency} x; deep page / first page: ${result.deepPageOverFirstPage}`);
  const output = options.output === undefined ? path.join(__dirname, "results", "emulator-timing.json") : options.output;
  if (output) {
    mkdirSync(path.dirname(output), { recursive: true });
    writeFileSync(output, JSON.stringify(result, null, 2) + "\n");
  }
  return result;
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
