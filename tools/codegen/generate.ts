// `npm run sdk:generate`: the stripe-identity SDKs (sdk/nodejs, sdk/python, sdk/go) from schema.json,
// by Pulumi's own code generators. The small Go program beside this file (main.go) calls them; it
// is built like the CLI (tools/pulumi-cli/build.ts): a wrapper module in the CLI's cache folder,
// never in the tree, requiring pkg/v3 at the CLI's version, so the Go build cache it shares with
// the CLI makes the build take seconds. `--out DIR` writes elsewhere (the regenerate-and-diff test).
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { cliLayout, pinnedPulumiVersion } from "../pulumi-cli/layout";

const REPO = path.resolve(__dirname, "..", "..");
export const LANGUAGES = ["nodejs", "python", "go"] as const;

function progress(message: string): void {
  process.stderr.write(`sdk:generate: ${message}\n`);
}

function go(args: string[], cwd: string): string {
  const result = spawnSync("go", args, { cwd, encoding: "utf8", env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" } });
  if (result.error) throw new Error(`go ${args[0]}: ${result.error.message} (is Go installed?)`);
  if (result.status !== 0) throw new Error(`go ${args.join(" ")} failed in ${cwd}:\n${result.stderr.trim().split("\n").slice(0, 8).join("\n")}`);
  return result.stdout;
}

/** The codegen binary, rebuilt when main.go changes. */
export function codegenBinary(): string {
  const version = pinnedPulumiVersion(REPO);
  const moduleDir = path.join(cliLayout(version).root, "codegen");
  const binary = path.join(moduleDir, "codegen");
  const source = fs.readFileSync(path.join(__dirname, "main.go"));
  const stamp = createHash("sha256").update(source).update(version).digest("hex").slice(0, 16);
  const stampFile = path.join(moduleDir, "built.stamp");
  if (fs.existsSync(binary) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8").trim() === stamp) return binary;
  fs.mkdirSync(moduleDir, { recursive: true });
  fs.writeFileSync(path.join(moduleDir, "main.go"), source);
  fs.writeFileSync(
    path.join(moduleDir, "go.mod"),
    ["module pulumi-stripe-identity/codegen", "", "go 1.25", "", "require (", `\tgithub.com/pulumi/pulumi/pkg/v3 v${version}`, `\tgithub.com/pulumi/pulumi/sdk/v3 v${version}`, ")", ""].join("\n"),
  );
  progress(`building the code generator (pkg/v3/codegen at v${version})`);
  const started = Date.now();
  go(["mod", "tidy"], moduleDir);
  go(["build", "-o", binary, "."], moduleDir);
  fs.writeFileSync(stampFile, `${stamp}\n`);
  progress(`built in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

/** The generators leave the version to a release step: this package's version is the SDKs'. */
function stampVersion(sdkDir: string, version: string): void {
  const edits: [string, (text: string) => string][] = [
    ["nodejs/package.json", (text) => text.replace('"${VERSION}"', JSON.stringify(version))],
    ["python/setup.py", (text) => text.replace('VERSION = "0.0.0"', `VERSION = ${JSON.stringify(version)}`)],
  ];
  for (const [file, edit] of edits) {
    const full = path.join(sdkDir, file);
    if (fs.existsSync(full)) fs.writeFileSync(full, edit(fs.readFileSync(full, "utf8")));
  }
}

export function generateSdks(sdkDir: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
  const binary = codegenBinary();
  const result = spawnSync(binary, [path.join(REPO, "schema.json"), sdkDir, pinnedPulumiVersion(REPO), ...LANGUAGES], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`codegen failed:\n${result.stderr}`);
  stampVersion(sdkDir, manifest.version);
  // sdk/go is a module of its own: its go.sum is part of what is committed.
  go(["mod", "tidy"], path.join(sdkDir, "go"));
  progress(result.stdout.trim().replace(/\n/g, "; "));
}

if (require.main === module) {
  const at = process.argv.indexOf("--out");
  const out = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(REPO, "sdk");
  try {
    generateSdks(out);
  } catch (error) {
    process.stderr.write(`sdk:generate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
