/**
 * Toolchains the SDK checks need, kept outside the tree beside the CLI's cache: Go (its build
 * cache is shared with the CLI build) and a Python virtualenv with Pulumi's Python SDK pinned to
 * the CLI's version (from PyPI), mypy, and what the generated package imports. Missing Go or
 * Python is one line saying so; where the engine is required (CI) the test then fails.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cliLayout, pinnedPulumiVersion } from "../../tools/pulumi-cli/layout";
import { ROOT } from "../helpers/build";

export const required = (): boolean => process.env.STRIPE_IDENTITY_ENGINE === "required" || process.env.CI === "true";

export function has(command: string, args: string[] = ["--version"]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  return { code: result.status ?? -1, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
}

/** Like run(), without blocking: for a child that talks to an emulator served by this process. */
export function runAsync(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, output }));
  });
}

/** Pinned: the Python SDK at the CLI's version, and the tools the check uses. */
const PYTHON_PACKAGES = (pulumi: string) => [`pulumi==${pulumi}`, "mypy==1.13.0", "wheel==0.45.1", "parver==0.5", "semver==3.0.2"];

/** The virtualenv's python, created (and its packages installed) on first use. */
export function pythonEnv(): string {
  const version = pinnedPulumiVersion(ROOT);
  const venv = path.join(cliLayout(version).root, "python-venv");
  const python = path.join(venv, "bin", "python");
  const stamp = path.join(venv, "packages.txt");
  const wanted = PYTHON_PACKAGES(version).join("\n");
  if (fs.existsSync(python) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === wanted) return python;
  for (const [command, args, cwd] of [
    ["python3", ["-m", "venv", venv], ROOT],
    [python, ["-m", "pip", "install", "-q", ...PYTHON_PACKAGES(version)], ROOT],
  ] as const) {
    const result = run(command, [...args], cwd);
    if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.output}`);
  }
  fs.writeFileSync(stamp, wanted);
  return python;
}
