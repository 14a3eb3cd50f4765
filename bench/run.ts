/**
 * `npm run bench`: every benchmark in one run, peers side by side inside each, results as JSON in
 * bench/results/. Pass names to run a subset: `npm run bench -- emulator-throughput`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const BENCHES = ["emulator-throughput", "api-calls", "engine", "sweep-efficiency", "sweep-memory", "fresh-reads", "endpoint-limits", "redaction-jobs", "emulator-timing"] as const;

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(BENCHES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`unknown bench: ${unknown.join(", ")} (known: ${BENCHES.join(", ")})`);
    process.exit(2);
  }
  const selected = wanted.length > 0 ? wanted : [...BENCHES];
  const results: Record<string, unknown> = {};
  for (const name of selected) {
    console.log(`\n=== ${name} ===`);
    const bench = (await import(`./${name}`)) as { run: () => Promise<unknown> };
    results[name] = await bench.run();
  }
  mkdirSync(join(__dirname, "results"), { recursive: true });
  writeFileSync(join(__dirname, "results", "summary.json"), JSON.stringify(results, null, 2) + "\n");
  console.log(`\nresults: bench/results/summary.json`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
