/**
 * The package as a user installs it: `npm pack`, then `npm install <tarball>` into a fresh program
 * with a strict tsconfig and neither `skipLibCheck` nor `esModuleInterop`. Its public declarations
 * must compile there (they may import @pulumi/pulumi, the peer dependency, and nothing else), and
 * the tarball ships only what works.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../helpers/build";
import { describeEngine } from "../helpers/pulumi-cli";
import { EmulatorControl, startEmulator } from "../../emulator";

jest.setTimeout(180_000);

const npm = (args: string[], cwd: string) => execFileSync("npm", [...args, "--loglevel=error", "--no-audit", "--no-fund"], { cwd, encoding: "utf8", stdio: "pipe" });
let scratch: string;
let tarball: string;
let files: string[];

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "package-install-"));
  // Scripts on: prepack takes the install-time scripts out of the packed package.json (nothing is
  // built: prepare no longer runs once prepack removed it; dist/ is what gets packed).
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", scratch], ROOT)) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(scratch, packed[0].filename);
  files = packed[0].files.map((f) => f.path);
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

test("the packed package.json has no install-time script, and the repo's package.json is left as it was", () => {
  execFileSync("tar", ["xzf", tarball, "-C", scratch, "package/package.json"]);
  const packedManifest = JSON.parse(fs.readFileSync(path.join(scratch, "package", "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const installTime = ["preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare"];
  expect(Object.keys(packedManifest.scripts ?? {}).filter((name) => installTime.includes(name))).toEqual([]);
  // A git or folder install still builds: the repo keeps its prepare script.
  const repoManifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  expect(repoManifest.scripts.prepare).toBe("node tools/prepare.js");
  expect(fs.existsSync(path.join(ROOT, "package.json.prepack"))).toBe(false);
});

test("the home-made engine does not ship: no harness in the tarball, no harness command", () => {
  expect(files.filter((f) => /(^|\/)harness\//.test(f))).toEqual([]);
  const packedManifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
  expect(Object.keys(packedManifest.bin).sort()).toEqual(["pulumi-resource-stripe-identity", "stripe-identity-emulator", "stripe-identity-sweep"]);
});

test("the tarball ships no source maps, no demo, and everything its exports and bins name", () => {
  expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
  expect(files.filter((f) => /(^|\/)demo\//.test(f))).toEqual([]);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { exports: Record<string, string | Record<string, string>>; bin: Record<string, string> };
  const named = [...Object.values(pkg.bin), ...Object.values(pkg.exports).flatMap((e) => (typeof e === "string" ? [e] : Object.values(e)))];
  for (const file of named) expect(files).toContain(file.replace(/^\.\//, ""));
});

let installed: string | undefined;
/** A program folder with the tarball, @pulumi/pulumi, TypeScript and node types installed: one `npm install` for this file. */
function installedProgram(): string {
  if (installed) return installed;
  const program = path.join(scratch, "user-program");
  fs.mkdirSync(program);
  fs.writeFileSync(
    path.join(program, "package.json"),
    JSON.stringify({
      name: "user-program",
      private: true,
      dependencies: { "pulumi-stripe-identity": `file:${tarball}`, "@pulumi/pulumi": "3.248.0" },
      devDependencies: { typescript: "5.9.3", "@types/node": "20.19.43" },
    }),
  );
  npm(["install", "--prefer-offline"], program);
  installed = program;
  return program;
}

test("a strict program without skipLibCheck or esModuleInterop compiles against the published types", () => {
  const program = installedProgram();
  fs.writeFileSync(
    path.join(program, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, target: "ES2020", module: "commonjs", moduleResolution: "node", noEmit: true, types: ["node"] }, files: ["index.ts"] }),
  );
  fs.writeFileSync(
    path.join(program, "index.ts"),
    `import * as pulumi from "@pulumi/pulumi";
import { BulkRedaction, CONFIG_NAMESPACE, VerificationSession, type VerificationSessionArgs } from "pulumi-stripe-identity";
import { EmulatorControl, startEmulator } from "pulumi-stripe-identity/emulator";
import { StackOperationError, TestStack, type OperationResult } from "pulumi-stripe-identity/testing";

const args: VerificationSessionArgs = { type: "document", deletionPolicy: "redact" };
const session = new VerificationSession("kyc", args);
const sweep = new BulkRedaction("cleanup", { filter: { createdBefore: "7d" }, action: "cancel", runOn: ["create"] });
export const status: pulumi.Output<string> = session.status;
export const matched = sweep.matched;
export const ns: string = CONFIG_NAMESPACE;

async function offline(): Promise<OperationResult> {
  const emulator = await startEmulator({ port: 0 });
  const control = new EmulatorControl(emulator.url);
  const sessions = await control.sessions("sk_test_x");
  const first: string | undefined = sessions[0]?.id;
  void first;
  const stack = await TestStack.create({ program: async () => ({ id: new VerificationSession("s", args).id }), emulator: { url: emulator.url } });
  try {
    return await stack.up();
  } catch (error) {
    if (error instanceof StackOperationError) return error.result;
    throw error;
  }
}
void offline;
`,
  );
  let errors = "";
  try {
    execFileSync(process.execPath, [path.join(program, "node_modules", "typescript", "bin", "tsc"), "-p", program], { cwd: program, encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    errors = String((error as { stdout?: string }).stdout ?? error);
  }
  expect(errors).toBe("");
  // Nothing in the published declarations reaches for an implementation dependency.
  const declarations = path.join(program, "node_modules", "pulumi-stripe-identity", "dist");
  const imports = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".d.ts")) for (const m of fs.readFileSync(file, "utf8").matchAll(/from "([^".][^"]*)"/g)) imports.add(m[1]);
    }
  };
  walk(path.join(declarations, "sdk"));
  walk(path.join(declarations, "testing"));
  expect([...imports].filter((spec) => spec !== "@pulumi/pulumi" && spec !== "@pulumi/pulumi/automation")).toEqual([]);
});

/** The README's "From nothing to a running stack", step by step, with the tarball this file packed. */
describeEngine("the README's path from no project to a running stack", (cli) => {
  test("login --local, stack init, npm install --save-exact, config set --secret, preview, up, destroy", async () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## From nothing to a running stack"), readme.indexOf("## Configuration"));
    // The commands the README gives, checked here as written.
    for (const command of [
      "pulumi login --local",
      "pulumi stack init dev",
      "npm install --save-exact @pulumi/pulumi@3.248.0 pulumi-stripe-identity",
      "pulumi config set --secret stripe-identity:apiKey",
      "pulumi config set stripe-identity:apiBase http://127.0.0.1:12111",
    ]) {
      expect(section).toContain(command);
    }
    const program = /\*\*5\. A resource, then `pulumi up`\.\*\*[\s\S]*?```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(program).toBeDefined();

    const home = path.join(scratch, "readme-home");
    const backend = path.join(home, "state");
    fs.mkdirSync(backend, { recursive: true });
    // An existing program, as `pulumi new typescript` lays it out: its package.json asks for a
    // range of @pulumi/pulumi, as the template's does. (Installed once for this file: npm is slow.)
    const dir = installedProgram();
    const manifest0 = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    manifest0.dependencies["@pulumi/pulumi"] = "^3.248.0";
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...manifest0, name: "kyc-infra", main: "index.ts" }));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: kyc-infra\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, experimentalDecorators: true, forceConsistentCasingInFileNames: true }, files: ["index.ts"] }));
    fs.writeFileSync(path.join(dir, "index.ts"), program!);

    const emulator = await startEmulator({ port: 0 });
    const apiKey = "sk_test_emulatorreadme0123456789";
    const env = {
      ...process.env,
      HOME: home,
      PATH: [cli.binDir, process.env.PATH].join(path.delimiter),
      PULUMI_HOME: path.join(home, ".pulumi-home"),
      PULUMI_CONFIG_PASSPHRASE: "readme-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true", // the strict test above type-checks against the same install
      PULUMI_BACKEND_URL: "",
      STRIPE_API_KEY: "",
      STRIPE_API_BASE: "",
    };
    // Asynchronous: the emulator answers from this process while the command runs.
    const run = (command: string, args: string[], input?: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: dir, env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk));
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
        if (input !== undefined) child.stdin!.end(input);
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${stdout}\n${stderr}`))));
      });
    try {
      // `pulumi login --local` is file://~, and the CLI finds ~ from the user database, not $HOME:
      // run here it would write to the real home. The same backend, in a temporary folder.
      await run("pulumi", ["login", `file://${backend}`]);
      await run("pulumi", ["stack", "init", "dev", "--non-interactive"]);
      await run("npm", ["install", "--save-exact", "@pulumi/pulumi@3.248.0", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
      expect(manifest.dependencies["@pulumi/pulumi"]).toBe("3.248.0");
      await run("pulumi", ["config", "set", "--secret", "stripe-identity:apiKey", "--non-interactive"], apiKey);
      await run("pulumi", ["config", "set", "stripe-identity:apiBase", emulator.url, "--non-interactive"]);
      expect(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8")).not.toContain(apiKey);
      await run("pulumi", ["preview", "--non-interactive"]);
      const control = new EmulatorControl(emulator.url);
      expect(await control.sessions(apiKey)).toEqual([]);
      const up = await run("pulumi", ["up", "--yes", "--non-interactive"]);
      expect(up).toMatch(/sessionId: "vs_/);
      const [session] = await control.sessions(apiKey);
      expect(session.status).toBe("requires_input");
      await run("pulumi", ["destroy", "--yes", "--non-interactive"]);
      expect((await control.sessions(apiKey))[0].redaction?.status).toBe("redacted");
      // The file backend holds the stack's state where `login` pointed it.
      expect(fs.existsSync(path.join(backend, ".pulumi", "stacks", "kyc-infra", "dev.json"))).toBe(true);
    } finally {
      await emulator.close();
    }
  });
});
