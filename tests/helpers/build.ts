/**
 * Tests and benches that run compiled code (the CLI bin, the serialized provider, the emulator in
 * a child process) need dist/ to match the sources. `npm test` builds first; this covers running a
 * single file with jest or tsx during development.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
const SOURCE_DIRS = ["provider", "native", "sdk", "emulator", "cli", "harness", "testing"];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Rebuilds dist/ when any source is newer than the last build. */
export function ensureBuilt(): void {
  const marker = join(ROOT, "dist", "sdk", "index.js");
  const builtAt = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const stale = SOURCE_DIRS.some((dir) => newestSource(join(ROOT, dir)) > builtAt);
  if (!stale) return;
  try {
    execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")], { stdio: "pipe" });
  } catch {
    // tsc emits even when some file has a type error; the test that loads dist/ shows whether it works.
  }
}
