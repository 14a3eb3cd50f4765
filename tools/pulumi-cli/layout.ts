// Where `npm run pulumi:cli` keeps the CLI it builds, and which version that is. Shared by the build
// script, the engine tests and the demo, so they all look in one place.
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface CliLayout {
  root: string;
  binDir: string;
  pulumi: string;
  languageHost: string;
  dynamicProvider: string;
  moduleDir: string;
  hostDir: string;
}

/**
 * The CLI's version is the repo's exact `@pulumi/pulumi` devDependency (3.248.0: the last release
 * that runs on Node 20), so the engine and the SDK our programs load are one Pulumi release.
 */
export function pinnedPulumiVersion(repoRoot: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    devDependencies?: Record<string, string>;
  };
  const pinned = manifest.devDependencies?.["@pulumi/pulumi"] ?? "";
  if (!/^\d+\.\d+\.\d+$/.test(pinned)) {
    throw new Error(`package.json must pin devDependencies["@pulumi/pulumi"] to an exact version (found "${pinned}")`);
  }
  return pinned;
}

/** A per-user cache (another clone on this machine, CI's included, reuses the build), never the source tree. */
export function cliCacheRoot(): string {
  const override = process.env.PULUMI_STRIPE_IDENTITY_CLI_CACHE;
  if (override) return path.resolve(override);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-stripe-identity", "pulumi-cli");
}

export function cliLayout(version: string): CliLayout {
  const root = path.join(cliCacheRoot(), `v${version}`);
  const binDir = path.join(root, "bin");
  return {
    root,
    binDir,
    pulumi: path.join(binDir, "pulumi"),
    languageHost: path.join(binDir, "pulumi-language-nodejs"),
    dynamicProvider: path.join(binDir, "pulumi-resource-pulumi-nodejs"),
    moduleDir: path.join(root, "module"),
    hostDir: path.join(root, "language-host"),
  };
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export interface FoundCli {
  binDir: string;
  /** What `pulumi version` printed: always the pin (`v3.248.0`). */
  version: string;
  /** `built`: the folder `npm run pulumi:cli` fills; `path`: a `pulumi` found on PATH. */
  source: "built" | "path";
}

/** `pulumi version` of a binary, or undefined when it does not run. */
export function pulumiVersionOf(binary: string): string | undefined {
  if (!fs.existsSync(binary)) return undefined;
  const result = spawnSync(binary, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * The CLI for this repo's pin: the one `npm run pulumi:cli` built, else a `pulumi` on PATH (with its
 * language host beside it) that reports the pinned version. A CLI of another version is refused
 * with the reason, so a suite never runs against a release it was not written for.
 */
export function findCli(repoRoot: string): { found: FoundCli } | { missing: string } {
  const pinned = `v${pinnedPulumiVersion(repoRoot)}`;
  const built = cliLayout(pinnedPulumiVersion(repoRoot));
  if (fs.existsSync(built.pulumi) && fs.existsSync(built.languageHost)) {
    const version = pulumiVersionOf(built.pulumi);
    if (version === pinned) return { found: { binDir: built.binDir, version, source: "built" } };
  }
  const pulumi = onPath("pulumi");
  if (!pulumi) return { missing: "no Pulumi CLI (run `npm run pulumi:cli`, which needs Go 1.25+, or put pulumi on PATH)" };
  if (!onPath("pulumi-language-nodejs")) return { missing: `${pulumi} has no pulumi-language-nodejs beside it on PATH` };
  const version = pulumiVersionOf(pulumi);
  if (version !== pinned) {
    return { missing: `${pulumi} is Pulumi ${version ?? "(unreadable version)"}, not the pinned ${pinned} (run \`npm run pulumi:cli\`)` };
  }
  return { found: { binDir: path.dirname(fs.realpathSync(pulumi)), version, source: "path" } };
}

/** The folder holding the pinned `pulumi` and `pulumi-language-nodejs`; undefined when there is none. */
export function findCliDir(repoRoot: string): string | undefined {
  const result = findCli(repoRoot);
  return "found" in result ? result.found.binDir : undefined;
}

/**
 * The environment for running `pulumi` offline with no account (docs/architecture.md, "The real Pulumi engine"): this CLI first
 * on PATH, a local file backend, a PULUMI_HOME of its own, no update checks, no plugin downloads.
 */
export function offlineCliEnv(opts: { binDir: string; home: string; backendDir: string; passphrase: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: [opts.binDir, process.env.PATH].join(path.delimiter),
    PULUMI_HOME: opts.home,
    PULUMI_BACKEND_URL: `file://${opts.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: opts.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

/** The Node.js language host's sources (tools/pulumi-cli/host), which `npm run pulumi:cli` transpiles into the cache. */
export const HOST_SOURCES = path.join(__dirname, "host");
export const hostSources = (): string[] => fs.readdirSync(HOST_SOURCES).filter((file) => file.endsWith(".ts")).sort();

/** A digest of the host's sources: a changed source is reinstalled, and a stale install is visible. */
export function hostScriptStamp(): string {
  const hash = createHash("sha256");
  for (const file of hostSources()) hash.update(file).update(fs.readFileSync(path.join(HOST_SOURCES, file)));
  return hash.digest("hex").slice(0, 16);
}

/** Which language host the built CLI has: Pulumi's Go host, this repo's Node host (current or stale), or unknown. */
export function installedHostKind(layout: CliLayout): "go" | "node" | "node (stale: run `npm run pulumi:cli`)" | "unknown" {
  const read = (file: string) => (fs.existsSync(path.join(layout.root, file)) ? fs.readFileSync(path.join(layout.root, file), "utf8").trim() : "");
  const kind = read("language-host.kind");
  if (kind === "go") return "go";
  if (kind !== "node") return "unknown";
  return read("language-host.stamp") === hostScriptStamp() ? "node" : "node (stale: run `npm run pulumi:cli`)";
}
