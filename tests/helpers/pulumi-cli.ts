/**
 * The real Pulumi CLI for the engine suite: found where `npm run pulumi:cli` builds it (or on PATH,
 * only at the pinned version; the suite names the CLI it runs),
 * run with a local file backend, a temp PULUMI_HOME and no plugin downloads, as docs/architecture.md, "The real Pulumi engine"
 * says. Without a CLI the suite is skipped, except where it is required (CI, or
 * STRIPE_IDENTITY_ENGINE=required): then its absence fails the run.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cliLayout, findCli, installedHostKind, offlineCliEnv, pinnedPulumiVersion } from "../../tools/pulumi-cli/layout";
import { ROOT } from "./build";

const engineRequired = (): boolean => process.env.STRIPE_IDENTITY_ENGINE === "required" || process.env.CI === "true";

let located: ReturnType<typeof findCli> | undefined;
const locate = () => (located ??= findCli(ROOT));

/** The folder holding the pinned `pulumi` and `pulumi-language-nodejs`, or undefined. */
export const findEngineDir = (): string | undefined => {
  const result = locate();
  return "found" in result ? result.found.binDir : undefined;
};

/** One line naming the CLI the engine suite runs (version, folder, language host), for the test log. */
export function engineDescription(): string {
  const result = locate();
  if (!("found" in result)) return `engine suite skipped: ${result.missing}`;
  const { found } = result;
  const layout = cliLayout(pinnedPulumiVersion(ROOT));
  const host = found.source === "built" ? installedHostKind(layout) : "the pulumi-language-nodejs on PATH";
  return `engine suite: Pulumi ${found.version} from ${found.binDir} (${found.source === "built" ? "npm run pulumi:cli" : "PATH"}), language host: ${host}`;
}

let announced = false;

/** `describe` when the CLI is there; otherwise a skip, or a failing test where the engine is required. */
export function describeEngine(name: string, body: (cli: PulumiCliFactory) => void): void {
  const dir = findEngineDir();
  if (!announced) {
    announced = true;
    process.stderr.write(`${engineDescription()}\n`);
  }
  if (dir) {
    describe(name, () => body(new PulumiCliFactory(dir)));
    return;
  }
  if (engineRequired()) {
    test(name, () => {
      throw new Error(`the engine suite is required here, but ${engineDescription().replace("engine suite skipped: ", "")}`);
    });
    return;
  }
  describe.skip(name, () => test("needs the Pulumi CLI", () => undefined));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr as one text, as a user reads it in a terminal. */
  output: string;
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  protect?: boolean;
  retainOnDelete?: boolean;
  delete?: boolean;
  initErrors?: string[];
}

export class PulumiCliFactory {
  constructor(readonly binDir: string) {}

  /** A fresh PULUMI_HOME and file backend in a temp folder, for one program folder. */
  stack(programDir: string, stackName = "dev"): PulumiStack {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-engine-"));
    return new PulumiStack(this.binDir, programDir, stackName, home);
  }
}

export class PulumiStack {
  backendDir: string;

  constructor(
    readonly binDir: string,
    public programDir: string,
    readonly stackName: string,
    readonly home: string,
  ) {
    this.backendDir = path.join(home, "backend");
    fs.mkdirSync(this.backendDir, { recursive: true });
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...offlineCliEnv({ binDir: this.binDir, home: path.join(this.home, "pulumi-home"), backendDir: this.backendDir, passphrase: "engine-suite-passphrase" }),
    };
    // Type-check programs unless asked not to (tests/setup.ts turns it off for the harness).
    delete env.PULUMI_NODEJS_TRANSPILE_ONLY;
    Object.assign(env, extra);
    // The key reaches programs through config only; a test key in the environment would hide a bug.
    delete env.STRIPE_API_KEY;
    delete env.STRIPE_API_BASE;
    return env;
  }

  /** Runs `pulumi <args>` in the program folder; never throws on a non-zero exit. */
  run(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(this.binDir, "pulumi"), args, {
        cwd: this.programDir,
        env: this.env(opts.env),
        stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      let output = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk;
        output += chunk;
      });
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk;
        output += chunk;
      });
      if (opts.input !== undefined) child.stdin!.end(opts.input);
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, output }));
    });
  }

  /** Runs and expects success; the error shows the CLI's whole output. */
  async ok(args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
    const result = await this.run(args, opts);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${result.output}`);
    return result;
  }

  async init(config: Record<string, string>, secrets: Record<string, string> = {}): Promise<void> {
    await this.ok(["stack", "init", this.stackName, "--non-interactive"]);
    await this.setConfig(config, secrets);
  }

  async setConfig(config: Record<string, string>, secrets: Record<string, string> = {}): Promise<void> {
    for (const [key, value] of Object.entries(config)) await this.ok(["config", "set", key, value, "--stack", this.stackName]);
    // The secret goes through stdin, as `pulumi config set --secret KEY` reads it; never on a command line.
    for (const [key, value] of Object.entries(secrets)) await this.ok(["config", "set", "--secret", key, "--stack", this.stackName], { input: value });
  }

  private typeChecked = false;

  /**
   * preview/up/refresh/destroy, non-interactive, one step at a time (in the order registrations
   * arrive). The first operation type-checks the program, as `pulumi up` does by default; later
   * ones run the same unchanged program transpile-only, which saves seconds per run.
   */
  op(command: "preview" | "up" | "refresh" | "destroy", extra: string[] = [], env?: NodeJS.ProcessEnv): Promise<CliResult> {
    const args = [command, "--non-interactive", "--stack", this.stackName, "--parallel", "1", ...extra];
    if (command !== "preview") args.push("--yes");
    const transpileOnly = this.typeChecked ? { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } : {};
    this.typeChecked = true;
    return this.run(args, { env: { ...transpileOnly, ...env } });
  }

  /** The stack's state file exactly as the file backend wrote it on disk. */
  stateFile(): string {
    const stacks = path.join(this.backendDir, ".pulumi", "stacks");
    for (const project of fs.readdirSync(stacks)) {
      const file = path.join(stacks, project, `${this.stackName}.json`);
      if (fs.existsSync(file)) return file;
    }
    throw new Error(`no state file for stack ${this.stackName} under ${stacks}`);
  }

  resources(): StateResource[] {
    const state = JSON.parse(fs.readFileSync(this.stateFile(), "utf8")) as { checkpoint: { latest?: { resources?: StateResource[] } } };
    return state.checkpoint.latest?.resources ?? [];
  }

  remove(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
