/**
 * The examples as a user gets them: each folder copied out of the repo, `npm install` run with the
 * example's own package.json and .npmrc (only the `file:` path is rewritten, since the copy is no
 * longer two levels under the repo). Shared by the harness and engine suites.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO, workspace, type Workspace } from "../harness/workspace";

export const EXAMPLES = ["platform", "test-mode-cleanup", "redact-at-teardown", "connect-platform"].filter((name) =>
  fs.existsSync(path.join(REPO, "examples", name, "Pulumi.yaml")),
);

export function npmInstall(dir: string): void {
  const pkgFile = path.join(dir, "package.json");
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { dependencies: Record<string, string> };
  if (pkg.dependencies["pulumi-stripe-identity"] !== "file:../..") {
    throw new Error(`${pkgFile}: expected the "file:../.." dependency on pulumi-stripe-identity`);
  }
  pkg.dependencies["pulumi-stripe-identity"] = `file:${REPO}`;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  // As the example READMEs say for a copy: its lockfile resolves the package at ../.., so it goes too.
  fs.rmSync(path.join(dir, "package-lock.json"), { force: true });
  // --ignore-scripts: the package's `prepare` (a full build) already ran; dist/ is what gets packed.
  execFileSync("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "pipe" });
}

export interface ExampleWorkspace {
  ws: Workspace;
  dirs: Record<string, string>;
}

/** Every example copied into one temp folder; one install serves all (they share their dependencies). */
export function installExamples(prefix: string): ExampleWorkspace {
  if (!fs.existsSync(path.join(REPO, "dist", "sdk", "index.js"))) throw new Error("build first: npx tsc -p tsconfig.build.json");
  const ws = workspace(prefix);
  const dirs: Record<string, string> = {};
  for (const name of EXAMPLES) dirs[name] = ws.add(name, path.join(REPO, "examples", name));
  npmInstall(dirs.platform);
  for (const name of EXAMPLES.slice(1)) fs.symlinkSync(path.join(dirs.platform, "node_modules"), path.join(dirs[name], "node_modules"), "dir");
  return { ws, dirs };
}
