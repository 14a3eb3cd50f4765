/**
 * tools/pack-manifest.js (prepack/postpack): the tarball's package.json has no install-time script,
 * the repo's package.json comes back byte for byte, and a pack that died in between is repaired
 * without losing an edit made since. Run on a copy: never on the repo's own package.json.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../helpers/build";

const ORIGINAL = `{\n  "name": "x",\n  "scripts": { "build": "tsc", "prepare": "node tools/prepare.js", "postinstall": "echo hi" }\n}\n`;
let root: string;
const manifest = () => path.join(root, "package.json");
const run = (mode: string) => spawnSync(process.execPath, [path.join(root, "tools", "pack-manifest.js"), mode], { encoding: "utf8" });
const scripts = () => (JSON.parse(fs.readFileSync(manifest(), "utf8")) as { scripts: Record<string, string> }).scripts;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "pack-manifest-"));
  fs.mkdirSync(path.join(root, "tools"));
  fs.copyFileSync(path.join(ROOT, "tools", "pack-manifest.js"), path.join(root, "tools", "pack-manifest.js"));
  fs.writeFileSync(manifest(), ORIGINAL);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test("strip takes out every install-time script and says which; restore gives back the file byte for byte", () => {
  const strip = run("strip");
  expect(strip.status).toBe(0);
  expect(strip.stderr).toContain("leaves out postinstall, prepare (install-time scripts)");
  expect(scripts()).toEqual({ build: "tsc" });
  expect(run("restore").status).toBe(0);
  expect(fs.readFileSync(manifest(), "utf8")).toBe(ORIGINAL);
  expect(fs.existsSync(path.join(root, "package.json.prepack"))).toBe(false);
});

test("a pack that died after strip: the next strip starts from the original, and its restore ends there", () => {
  run("strip"); // no restore: the pack died
  expect(run("strip").status).toBe(0);
  run("restore");
  expect(fs.readFileSync(manifest(), "utf8")).toBe(ORIGINAL);
});

test("a stale backup older than an edit of package.json is dropped, not restored over the edit", () => {
  run("strip");
  const edited = ORIGINAL.replace('"build": "tsc"', '"build": "tsc -b"');
  fs.writeFileSync(manifest(), edited); // someone restored by hand and edited, leaving the backup
  run("strip");
  run("restore");
  expect(fs.readFileSync(manifest(), "utf8")).toBe(edited);
});

test("an unknown mode is a usage error", () => {
  const result = run("nope");
  expect(result.status).toBe(2);
  expect(result.stderr).toContain("usage: pack-manifest.js strip|restore");
});
