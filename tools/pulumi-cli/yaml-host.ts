// Pulumi's YAML language host (`pulumi-language-yaml`), built from the Go module
// github.com/pulumi/pulumi-yaml into the folder `npm run pulumi:cli` prints, so YAML programs
// (examples/yaml-platform) run through the real engine. Called once from build.ts.
//
// pulumi-yaml v1.25.0 is built against its own Pulumi SDK (v3.206.0): forcing the CLI's v3.248.0
// onto it does not compile (plugin.NewContextWithRoot changed), so the wrapper module requires
// pulumi-yaml alone and takes its Pulumi version. The host speaks the same gRPC protocol to the
// newer engine. A cold build took 104 s on this 2-core machine (26 s `go mod tidy`, 78 s
// `go build` with Pulumi's packages partly in the Go build cache).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { CliLayout } from "./layout";

export const YAML_HOST_MODULE = "github.com/pulumi/pulumi-yaml";
export const YAML_HOST_VERSION = "v1.25.0";

export function yamlHostPath(binDir: string): string {
  return path.join(binDir, "pulumi-language-yaml");
}

/**
 * Builds the host unless this version is there already. A failure is reported, not thrown: YAML
 * programs are one face among several, and the engine suite says when it skips them.
 */
export function ensureYamlLanguageHost(layout: CliLayout, progress: (message: string) => void): boolean {
  const binary = yamlHostPath(layout.binDir);
  const moduleDir = path.join(layout.root, "yaml-host-module");
  const stamp = path.join(moduleDir, "built.version");
  if (fs.existsSync(binary) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8").trim() === YAML_HOST_VERSION) return true;
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) {
    progress("YAML language host not built: Go is not installed");
    return false;
  }
  fs.mkdirSync(moduleDir, { recursive: true });
  fs.writeFileSync(path.join(moduleDir, "go.mod"), ["module pulumi-stripe-identity/pulumi-language-yaml", "", "go 1.25", "", `require ${YAML_HOST_MODULE} ${YAML_HOST_VERSION}`, ""].join("\n"));
  fs.writeFileSync(path.join(moduleDir, "tools.go"), ["//go:build tools", "", "package tools", "", `import _ "${YAML_HOST_MODULE}/cmd/pulumi-language-yaml"`, ""].join("\n"));
  const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };
  const started = Date.now();
  progress(`building Pulumi's YAML language host (${YAML_HOST_MODULE}@${YAML_HOST_VERSION}; about two minutes cold on 2 cores)`);
  for (const args of [["mod", "tidy"], ["build", "-o", `${binary}.partial`, `${YAML_HOST_MODULE}/cmd/pulumi-language-yaml`]]) {
    const result = spawnSync("go", args, { cwd: moduleDir, env, encoding: "utf8" });
    if (result.status !== 0) {
      progress(`YAML language host not built: go ${args[0]} failed:\n${(result.stderr ?? "").trim().split("\n").slice(0, 6).join("\n")}`);
      return false;
    }
  }
  fs.renameSync(`${binary}.partial`, binary);
  fs.writeFileSync(stamp, `${YAML_HOST_VERSION}\n`);
  progress(`built pulumi-language-yaml ${YAML_HOST_VERSION} in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}
