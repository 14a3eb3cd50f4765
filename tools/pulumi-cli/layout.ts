// Where `npm run pulumi:cli` keeps the CLI it builds, and which version that is. Shared by the build
// script, the engine tests and the demo, so they all look in one place.
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

/**
 * The folder holding `pulumi` and `pulumi-language-nodejs`: the one `npm run pulumi:cli` built for
 * this repo's pin, else a `pulumi` on PATH with its language host; undefined when there is none.
 */
export function findCliDir(repoRoot: string): string | undefined {
  const built = cliLayout(pinnedPulumiVersion(repoRoot));
  if (fs.existsSync(built.pulumi) && fs.existsSync(built.languageHost)) return built.binDir;
  const pulumi = onPath("pulumi");
  if (pulumi && onPath("pulumi-language-nodejs")) return path.dirname(fs.realpathSync(pulumi));
  return undefined;
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
