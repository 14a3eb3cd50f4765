// `npm run pulumi:cli`: find or build the Pulumi CLI (and a Node.js language host) for this repo's
// pinned Pulumi version, and print the folder that holds `pulumi` and `pulumi-language-nodejs` as
// the last line of stdout. Progress and errors go to stderr, so stdout stays that one line.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { cliLayout, HOST_SOURCES, hostScriptStamp, hostSources, pinnedPulumiVersion, pulumiVersionOf, type CliLayout } from "./layout";
import { goHostRefusedRecently, rememberGoHostRefusal } from "./go-host-refusal";
import { ensureYamlLanguageHost } from "./yaml-host";

class BuildError extends Error {}

function progress(message: string): void {
  process.stderr.write(`pulumi:cli: ${message}\n`);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new BuildError(missing ? `\`${command}\` is not on PATH` : `${command} failed to start: ${result.error.message}`);
  }
  return result;
}

/** Names the module the Go proxy refused, or the compiler's first error, instead of a wall of output. */
export function explainGoFailure(step: string, output: string): string {
  const refused = output.match(/([\w./-]+@[\w.+-]+): (?:reading|invalid version)[^\n]*?(\d{3} [A-Za-z ]+)/);
  if (refused) return `${step}: the Go module proxy refused ${refused[1]} (${refused[2].trim()})`;
  const network = output.match(/dial tcp[^\n]*|no such host[^\n]*|connection refused[^\n]*/);
  if (network) return `${step}: could not reach the Go module proxy (${network[0].trim()}); check GOPROXY and the network`;
  const firstLines = output.trim().split("\n").slice(0, 6).join("\n");
  return `${step} failed:\n${firstLines}`;
}

function goAvailable(): boolean {
  return spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
}

function requireGo(): string {
  if (!goAvailable()) throw new BuildError("Go is not installed (`go` is not on PATH): the Pulumi CLI is built from its Go modules; install Go 1.25 or later");
  const result = run("go", ["version"], process.cwd());
  const version = result.stdout.match(/go(\d+)\.(\d+)/);
  if (!version) throw new BuildError(`could not read the Go version from \`go version\`: ${result.stdout.trim()}`);
  const [major, minor] = [Number(version[1]), Number(version[2])];
  // pkg/v3's go.mod at the pinned tag declares go 1.25.
  if (major < 1 || (major === 1 && minor < 25)) {
    throw new BuildError(`Go ${version[1]}.${version[2]} is too old: building Pulumi needs Go 1.25 or later`);
  }
  return result.stdout.trim();
}

function wrapperModule(version: string): { goMod: string; tools: string } {
  // pkg/v3's own go.mod has replace directives, so `go install .../cmd/pulumi@vX` refuses; a module of
  // our own that requires pkg and sdk at the same version builds the same command.
  const goMod = [
    "module pulumi-stripe-identity/pulumi-cli",
    "",
    "go 1.25",
    "",
    "require (",
    `\tgithub.com/pulumi/pulumi/pkg/v3 v${version}`,
    `\tgithub.com/pulumi/pulumi/sdk/v3 v${version}`,
    ")",
    "",
  ].join("\n");
  const tools = ["//go:build tools", "", "package tools", "", 'import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"', ""].join("\n");
  return { goMod, tools };
}

function buildPulumiBinary(layout: CliLayout, version: string): void {
  fs.mkdirSync(layout.moduleDir, { recursive: true });
  const { goMod, tools } = wrapperModule(version);
  fs.writeFileSync(path.join(layout.moduleDir, "go.mod"), goMod);
  fs.writeFileSync(path.join(layout.moduleDir, "tools.go"), tools);
  const env = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" };

  progress(`resolving github.com/pulumi/pulumi/pkg/v3@v${version} and its dependencies (go mod tidy)`);
  const tidy = run("go", ["mod", "tidy"], layout.moduleDir, env);
  if (tidy.status !== 0) throw new BuildError(explainGoFailure("go mod tidy", tidy.stderr));

  progress("compiling the Pulumi CLI (go build; a cold build takes several minutes on 2 cores)");
  const started = Date.now();
  const partial = `${layout.pulumi}.partial`;
  const build = run(
    "go",
    [
      "build",
      "-o",
      partial,
      "-ldflags",
      `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`,
      "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
    ],
    layout.moduleDir,
    env,
  );
  if (build.status !== 0) throw new BuildError(explainGoFailure("go build", build.stderr));
  fs.renameSync(partial, layout.pulumi);
  progress(`built pulumi v${version} in ${Math.round((Date.now() - started) / 1000)} s`);
}

type GoHostOutcome = "installed" | "refused" | "unavailable";

/** Pulumi's Go language host is its own module, with no tags of its own: ask for the pkg tag's commit. */
function tryGoLanguageHost(layout: CliLayout, version: string): GoHostOutcome {
  // No Go here (a CLI built earlier, or found on this machine's cache): keep the host there is.
  if (!goAvailable()) return "unavailable";
  const refused = goHostRefusedRecently(layout.root);
  if (refused) {
    progress(`not asking the Go proxy for Pulumi's Go language host again: it was refused at ${refused.at} (${refused.reason}); delete ${refused.file} to ask now`);
    return "refused";
  }
  fs.mkdirSync(layout.moduleDir, { recursive: true });
  const commit = tagCommit(layout, version);
  if (!commit) {
    // The module cache answers `go list` without the tag's commit: only the proxy could name it.
    rememberGoHostRefusal(layout.root, `the commit of github.com/pulumi/pulumi/pkg/v3@v${version} is unknown here, so the host module cannot be named`);
    return "refused";
  }
  const module = `github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@${commit}`;
  progress(`trying Pulumi's Go language host (${module})`);
  const env = { ...process.env, CGO_ENABLED: "0", GOBIN: layout.binDir };
  const ldflags = `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`;
  const install = run("go", ["install", "-ldflags", ldflags, module], layout.moduleDir, env);
  if (install.status === 0) return "installed";
  const reason = explainGoFailure("Pulumi's Go language host", install.stderr);
  progress(reason);
  rememberGoHostRefusal(layout.root, reason);
  return "refused";
}

/**
 * The fallback: this repo's Node.js host (tools/pulumi-cli/host/*.ts, transpiled), which runs
 * programs through the program's own @pulumi/pulumi, as Pulumi's host does.
 */
function installNodeLanguageHost(layout: CliLayout, version: string): void {
  progress("installing the Node.js language host of tools/pulumi-cli, with @pulumi/pulumi for its gRPC protocol");
  fs.mkdirSync(layout.hostDir, { recursive: true });
  fs.writeFileSync(
    path.join(layout.hostDir, "package.json"),
    JSON.stringify({ name: "pulumi-language-nodejs-host", private: true, dependencies: { "@pulumi/pulumi": version } }, null, 2),
  );
  if (!fs.existsSync(path.join(layout.hostDir, "node_modules", "@pulumi", "pulumi", "package.json"))) {
    const install = run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], layout.hostDir);
    if (install.status !== 0) {
      const tail = install.stderr.trim().split("\n").slice(-6).join("\n");
      throw new BuildError(`npm install of @pulumi/pulumi@${version} for the language host failed:\n${tail}`);
    }
  }
  const scripts = path.join(layout.hostDir, "host");
  fs.rmSync(scripts, { recursive: true, force: true });
  fs.mkdirSync(scripts);
  for (const file of hostSources()) {
    const source = fs.readFileSync(path.join(HOST_SOURCES, file), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    fs.writeFileSync(path.join(scripts, file.replace(/\.ts$/, ".js")), outputText);
  }
  fs.rmSync(path.join(layout.hostDir, "language-host.js"), { force: true });
  // The engine runs the `pulumi-language-nodejs` it finds beside `pulumi`: a launcher for the script.
  fs.writeFileSync(layout.languageHost, `#!/bin/sh\nexec node "${path.join(scripts, "main.js")}" "$@"\n`, { mode: 0o755 });
}

/** The tag's commit, for the language host module, which has no tags of its own. */
function tagCommit(layout: CliLayout, version: string): string | undefined {
  const result = run("go", ["list", "-m", "-json", `github.com/pulumi/pulumi/pkg/v3@v${version}`], layout.moduleDir);
  if (result.status !== 0) return undefined;
  return (JSON.parse(result.stdout) as { Origin?: { Hash?: string } }).Origin?.Hash;
}


function bundleDynamicProviderPlugin(layout: CliLayout, repoRoot: string): void {
  // The dynamic-provider plugin ships in the @pulumi/pulumi npm package; beside `pulumi`, the CLI finds
  // it as a bundled plugin. It resolves @pulumi/pulumi from the program's folder, so one copy serves all.
  const shipped = require.resolve("@pulumi/pulumi/package.json", { paths: [repoRoot] });
  fs.copyFileSync(path.join(path.dirname(shipped), "pulumi-resource-pulumi-nodejs"), layout.dynamicProvider);
  fs.chmodSync(layout.dynamicProvider, 0o755);
}

export function main(): void {
  const repoRoot = path.resolve(__dirname, "..", "..");
  const version = pinnedPulumiVersion(repoRoot);
  const layout = cliLayout(version);
  fs.mkdirSync(layout.binDir, { recursive: true });

  const expectedVersion = `v${version}`;
  const found = pulumiVersionOf(layout.pulumi);
  if (found === expectedVersion) {
    progress(`pulumi ${found} already built in ${layout.binDir}`);
  } else {
    const goVersion = requireGo();
    progress(`building pulumi ${expectedVersion} with ${goVersion} into ${layout.root}`);
    buildPulumiBinary(layout, version);
    const built = pulumiVersionOf(layout.pulumi);
    if (built !== expectedVersion) throw new BuildError(`the built pulumi reports version "${built ?? "nothing"}", expected ${expectedVersion}`);
  }

  // Until the proxy serves Pulumi's Go host, every run asks for it again (a refusal takes a moment).
  const kindFile = path.join(layout.root, "language-host.kind");
  const stampFile = path.join(layout.root, "language-host.stamp");
  const kind = fs.existsSync(kindFile) ? fs.readFileSync(kindFile, "utf8").trim() : "";
  if (kind !== "go" || !fs.existsSync(layout.languageHost)) {
    if (tryGoLanguageHost(layout, version) === "installed") {
      fs.writeFileSync(kindFile, "go\n");
    } else {
      const wanted = hostScriptStamp();
      const current = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, "utf8").trim() : "";
      if (kind !== "node" || current !== wanted || !fs.existsSync(layout.languageHost)) {
        installNodeLanguageHost(layout, version);
        fs.writeFileSync(stampFile, `${wanted}\n`);
        fs.writeFileSync(kindFile, "node\n");
      }
    }
  }
  bundleDynamicProviderPlugin(layout, repoRoot);
  ensureYamlLanguageHost(layout, progress);
  const hostKind = fs.readFileSync(kindFile, "utf8").trim();
  progress(`language host: ${hostKind === "go" ? "Pulumi's Go host" : "the Node.js host of tools/pulumi-cli (Pulumi's Go host module is not served here)"}`);
  process.stdout.write(`${layout.binDir}\n`);
}

if (require.main === module) {
  try {
    // `--if-available` (npm test): without Go and without a built CLI, say in one line that the
    // engine suite is skipped, and succeed.
    if (process.argv.includes("--if-available") && !goAvailable()) {
      const layout = cliLayout(pinnedPulumiVersion(path.resolve(__dirname, "..", "..")));
      if (!fs.existsSync(layout.pulumi)) {
        progress("engine suite skipped: Go is not installed, so the Pulumi CLI cannot be built (install Go 1.25+ and run `npm run pulumi:cli`)");
        process.exit(0);
      }
    }
    main();
  } catch (error) {
    if (error instanceof BuildError) {
      process.stderr.write(`pulumi:cli: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
