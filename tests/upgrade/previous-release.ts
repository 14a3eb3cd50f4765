/**
 * The previous release as users installed it: the tarball `npm pack` made from its commit, built once
 * and kept in the per-user cache beside the Pulumi CLI (keyed by commit, so it never goes stale).
 * Its commit is the last one before 0.2.0's work began; the repo has no tags, so the test names it
 * `v0.1.0` here and nowhere else.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cliCacheRoot } from "../../tools/pulumi-cli/layout";
import { ROOT } from "../helpers/build";

export const PREVIOUS_RELEASE = { tag: "v0.1.0", version: "0.1.0", commit: "b6394c7fdd7fc77f03247576c66775585b1cd35c" };

function git(args: string[]): string {
  return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The previous release's tarball: from the cache, or built from its commit (git archive, tsc, npm pack). */
export function previousReleaseTarball(): string {
  const cacheDir = path.join(path.dirname(cliCacheRoot()), "releases");
  const tarball = path.join(cacheDir, `pulumi-stripe-identity-${PREVIOUS_RELEASE.version}-${PREVIOUS_RELEASE.commit.slice(0, 12)}.tgz`);
  if (fs.existsSync(tarball)) return tarball;
  try {
    git(["cat-file", "-e", `${PREVIOUS_RELEASE.commit}^{commit}`]);
  } catch {
    throw new Error(`the upgrade test needs commit ${PREVIOUS_RELEASE.commit} (${PREVIOUS_RELEASE.tag}) in this clone's history: run \`git fetch --unshallow\``);
  }
  const source = fs.mkdtempSync(path.join(os.tmpdir(), "previous-release-"));
  try {
    execFileSync("sh", ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, ROOT, PREVIOUS_RELEASE.commit, source]);
    // Its dependencies and compiler are this repo's (the release pinned the same ones).
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(source, "node_modules"), "dir");
    execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(source, "tsconfig.build.json")], { stdio: "pipe" });
    fs.mkdirSync(cacheDir, { recursive: true });
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--loglevel=error", "--pack-destination", source], { cwd: source, encoding: "utf8", stdio: "pipe" }),
    ) as { filename: string }[];
    // Renamed into place: a concurrent run sees the whole file or none.
    const tmp = `${tarball}.${process.pid}`;
    fs.copyFileSync(path.join(source, packed[0].filename), tmp);
    fs.renameSync(tmp, tarball);
    return tarball;
  } finally {
    fs.rmSync(source, { recursive: true, force: true });
  }
}

/** Installs a tarball into a program's node_modules as npm would lay it out; its dependencies come from this repo's node_modules. */
export function installTarball(programDir: string, tarball: string): void {
  const target = path.join(programDir, "node_modules", "pulumi-stripe-identity");
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  execFileSync("tar", ["xzf", tarball, "-C", target, "--strip-components=1"]);
  const manifest = JSON.parse(fs.readFileSync(path.join(target, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(manifest.dependencies)) linkModule(programDir, dep, path.join(ROOT, "node_modules", dep));
}

/** Installs this checkout (its built dist/) in place of whatever version the program had. */
export function installThisVersion(programDir: string): void {
  const target = path.join(programDir, "node_modules", "pulumi-stripe-identity");
  fs.rmSync(target, { recursive: true, force: true });
  fs.symlinkSync(ROOT, target, "dir");
}

/** node_modules/<name> -> the real folder (one copy of @pulumi/pulumi: links resolve to real paths). */
export function linkModule(programDir: string, name: string, target: string): void {
  const link = path.join(programDir, "node_modules", name);
  if (fs.existsSync(link)) return;
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(fs.realpathSync(target), link, "dir");
}
