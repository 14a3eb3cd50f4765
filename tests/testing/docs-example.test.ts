/**
 * docs/testing.md's "A complete test" is what a user copies: this runs exactly that file, with the
 * jest config the doc gives, from a scratch project whose node_modules holds the package as an
 * install would (a link to this repo's built dist/) and `pulumi` on the PATH, as a user has it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeEngine } from "../helpers/pulumi-cli";
import { ensureBuilt, ROOT } from "../helpers/build";

jest.setTimeout(240_000);

/** The first ```ts block under a heading of docs/testing.md. */
function example(heading: string): string {
  const doc = fs.readFileSync(path.join(ROOT, "docs", "testing.md"), "utf8");
  const section = doc.slice(doc.indexOf(`## ${heading}`));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`docs/testing.md: no ts block under "## ${heading}"`);
  return block[1];
}

/** A user's project: the test file, the jest config the doc names, node_modules as installed. */
function userProject(testSource: string, jestConfig: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-example-"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "user-infra", private: true }));
  fs.writeFileSync(path.join(dir, "jest.config.js"), jestConfig);
  fs.writeFileSync(path.join(dir, "infra.test.ts"), testSource);
  const modules = path.join(dir, "node_modules");
  for (const scope of ["@pulumi", "@types"]) fs.mkdirSync(path.join(modules, scope), { recursive: true });
  const link = (name: string, target = path.join(ROOT, "node_modules", name)) => fs.symlinkSync(fs.realpathSync(target), path.join(modules, name), "dir");
  for (const name of ["@pulumi/pulumi", "jest", "ts-jest", "typescript", "@types/jest", "@types/node"]) link(name);
  link("pulumi-stripe-identity", ROOT);
  return dir;
}

describeEngine("docs/testing.md's jest test, as a user runs it", (cli) => {
  test("passes through the real Pulumi CLI", () => {
    ensureBuilt();
    const doc = fs.readFileSync(path.join(ROOT, "docs", "testing.md"), "utf8");
    const jestConfig = /`jest\.config\.js`: `(module\.exports = [^`]+)`/.exec(doc);
    expect(jestConfig).not.toBeNull();
    const dir = userProject(example("A complete test (jest)"), `${jestConfig![1]}\n`);
    try {
      const run = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--ci", "--runInBand", "--verbose"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, PATH: [cli.binDir, process.env.PATH].join(path.delimiter), STRIPE_API_KEY: "", STRIPE_API_BASE: "" },
      });
      const output = `${run.stdout}\n${run.stderr}`;
      expect({ status: run.status, output }).toEqual({ status: 0, output: expect.stringContaining("✓ a verified session is redacted when the stack is destroyed") });
      expect(output).toMatch(/Tests: +1 passed, 1 total/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
