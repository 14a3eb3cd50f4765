// What a program depends on, read from its folder as Pulumi's host reads it: the Pulumi packages
// (plugins) its node_modules carry (GetRequiredPackages), its package manager, and its npm
// dependencies (GetProgramDependencies, About).
import * as fs from "node:fs";
import * as path from "node:path";
import type { PackageManagerName } from "./options";

export interface RequiredPackage {
  name: string;
  version: string;
  server: string;
  parameterization?: { name: string; version: string; value: string };
}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  pulumi?: { resource?: boolean; name?: string; version?: string; server?: string; parameterization?: { name: string; version: string; value: string } };
}

const readJson = (file: string): PackageJson => JSON.parse(fs.readFileSync(file, "utf8")) as PackageJson;

/** A package.json marked `pulumi.resource` names a plugin the program needs (Pulumi's getPackageInfo). */
export function pluginOf(info: PackageJson): RequiredPackage | undefined {
  if (!info.pulumi?.resource) return undefined;
  let name = info.pulumi.name;
  if (!name) {
    if (!info.name) throw new Error('missing expected "name" property');
    if (!info.name.startsWith("@pulumi/")) {
      throw new Error(`Missing property "name" for the third-party plugin '${info.name}' inside package.json under the "pulumi" section.`);
    }
    name = info.name.slice("@pulumi/".length);
  }
  const version = info.pulumi.version || info.version;
  if (!version) throw new Error('Missing expected "version" property');
  return { name, version: version.startsWith("v") ? version : `v${version}`, server: info.pulumi.server ?? "", parameterization: info.pulumi.parameterization };
}

export interface PackageScan {
  packages: RequiredPackage[];
  /** Every @pulumi/pulumi copy found, by package.json path. */
  pulumiCopies: Map<string, string>;
  errors: string[];
}

/** Walks every node_modules below the program folder (following links once; skipping nested policy packs). */
export function scanPackages(programDirectory: string): PackageScan {
  const scan: PackageScan = { packages: [], pulumiCopies: new Map(), errors: [] };
  const visited = new Set<string>();
  const walk = (dir: string, inNodeModules: boolean) => {
    const real = fs.realpathSync(dir);
    if (visited.has(real)) return;
    visited.add(real);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      scan.errors.push(`reading plugin dir ${dir}: ${(error as Error).message}`);
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          isDir = fs.statSync(full).isDirectory();
        } catch (error) {
          scan.errors.push(`resolving link in plugin dir ${full}: ${(error as Error).message}`);
          continue;
        }
      }
      if (isDir) {
        // A policy pack's plugins are not the program's.
        if (fs.existsSync(path.join(full, "PulumiPolicy.yaml"))) continue;
        walk(full, inNodeModules || path.basename(dir) === "node_modules");
      } else if (inNodeModules && entry.name === "package.json") {
        try {
          const info = readJson(full);
          if (info.name === "@pulumi/pulumi" && info.version) scan.pulumiCopies.set(full, info.version);
          const plugin = pluginOf(info);
          if (plugin) scan.packages.push(plugin);
        } catch (error) {
          scan.errors.push(`${full}: ${(error as Error).message}`);
        }
      }
    }
  };
  walk(programDirectory, false);
  return scan;
}

/** Pulumi's warning when two @pulumi/pulumi copies differ in major version (or minor, below 1.0). */
export function incompatiblePulumiCopies(copies: Map<string, string>): string | undefined {
  const entries = [...copies.entries()];
  if (entries.length < 2) return undefined;
  const [firstPath, firstVersion] = entries[0];
  const [firstMajor, firstMinor] = firstVersion.split(".").map(Number);
  for (const [otherPath, version] of entries.slice(1)) {
    const [major, minor] = version.split(".").map(Number);
    const compatible = major === 0 && firstMajor === 0 ? minor === firstMinor : major === firstMajor || (major <= 2 && firstMajor <= 2 && major >= 1 && firstMajor >= 1);
    if (!compatible) {
      return `Found incompatible versions of @pulumi/pulumi. Differing major versions are not supported.\n  Version ${firstVersion} referenced at ${firstPath}\n  Version ${version} referenced at ${otherPath}\n`;
    }
  }
  return undefined;
}

function searchUp(start: string, names: readonly string[]): boolean {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (names.some((name) => fs.existsSync(path.join(dir, name)))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/** Pulumi's choice for `auto`: PULUMI_PREFER_YARN or a yarn.lock, then pnpm-lock.yaml, then a bun lock, else npm. */
export function resolvePackageManager(choice: PackageManagerName, programDirectory: string, env: NodeJS.ProcessEnv = process.env): Exclude<PackageManagerName, "auto"> {
  if (choice !== "auto") return choice;
  if (/^(1|true|yes)$/i.test(env.PULUMI_PREFER_YARN ?? "") || searchUp(programDirectory, ["yarn.lock"])) return "yarn";
  if (searchUp(programDirectory, ["pnpm-lock.yaml"])) return "pnpm";
  if (searchUp(programDirectory, ["bun.lock", "bun.lockb"])) return "bun";
  return "npm";
}

export const INSTALL_ARGS: Record<Exclude<PackageManagerName, "auto">, string[]> = {
  npm: ["install", "--loglevel=error"],
  yarn: ["install"],
  pnpm: ["install", "--use-stderr"],
  bun: ["install"],
};

/** The program's dependencies as installed (Pulumi's reads the lock file; the installed copies say the same after an install). */
export function programDependencies(programDirectory: string, transitive: boolean): Array<{ name: string; version: string }> {
  const manifest = path.join(programDirectory, "package.json");
  if (!fs.existsSync(manifest)) throw new Error(`no package.json in ${programDirectory}`);
  const info = readJson(manifest);
  const names = Object.keys({ ...info.dependencies, ...info.devDependencies }).sort();
  const installed = (name: string) => {
    try {
      return readJson(require.resolve(`${name}/package.json`, { paths: [programDirectory] })).version ?? "";
    } catch {
      return "";
    }
  };
  if (!transitive) return names.map((name) => ({ name, version: installed(name) }));
  const all = new Map<string, string>();
  const modules = path.join(programDirectory, "node_modules");
  const visit = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir)) {
      if (entry.startsWith(".")) continue;
      if (entry.startsWith("@")) visit(path.join(dir, entry));
      else {
        const file = path.join(dir, entry, "package.json");
        if (fs.existsSync(file)) {
          const pkg = readJson(file);
          if (pkg.name) all.set(`${pkg.name}@${pkg.version}`, pkg.version ?? "");
        }
      }
    }
  };
  visit(modules);
  return [...all.entries()].map(([key, version]) => ({ name: key.slice(0, key.lastIndexOf("@")), version })).sort((a, b) => a.name.localeCompare(b.name));
}
