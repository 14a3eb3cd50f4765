/**
 * `prepare` where TypeScript is not installed: npm packing the repo for an example's `file:`
 * dependency (before the repo's own `npm ci`) once failed with `sh: 1: tsc: not found`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../helpers/build";

function checkoutWithoutModules(withDist: boolean): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "prepare-"));
  fs.mkdirSync(path.join(root, "tools"));
  fs.copyFileSync(path.join(ROOT, "tools", "prepare.js"), path.join(root, "tools", "prepare.js"));
  if (withDist) {
    fs.mkdirSync(path.join(root, "dist", "sdk"), { recursive: true });
    fs.writeFileSync(path.join(root, "dist", "sdk", "index.js"), "");
  }
  return root;
}

test.each([
  [true, 0, /using the dist\/ already built/],
  [false, 1, /dist\/ is not built and TypeScript is not installed .*\nRun `npm ci` there first/],
])("with dist/ built: %s -> exit %i", (withDist, code, message) => {
  const root = checkoutWithoutModules(withDist);
  try {
    const result = spawnSync(process.execPath, [path.join(root, "tools", "prepare.js")], { encoding: "utf8" });
    expect(result.status).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/tsc: not found/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
