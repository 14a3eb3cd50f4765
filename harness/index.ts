/**
 * NOT SHIPPED (since 0.2.0 `pulumi-stripe-identity/testing` is `testing/`, the real engine through
 * the Automation API). This home-made engine stays in the repo only as a driver for tests that have
 * not moved to the CLI yet (tests/reliability, tests/engine's harness leg, bench/engine.ts); it is
 * excluded from the tarball (package.json `files`). Do not build new tests on it.
 *
 * It runs a Pulumi program's preview, up, refresh and destroy without the Pulumi CLI, through
 * Pulumi's real dynamic-provider process.
 *
 *   const stack = await Harness.open({ programDir, stack: "dev", config, secrets });
 *   await stack.up(); await stack.refresh(); await stack.destroy();
 *
 * Each operation runs in a fresh runner process whose working directory is the program's folder,
 * so the program, its packages and the provider resolve `require` as under the real CLI.
 */
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import type { HarnessOptions, LogLine, Operation, RunnerMessage, RunnerRequest, Summary } from "./types";

export type { HarnessOptions, LogLine, Operation, Step, StepOp, Summary, Json, JsonObject } from "./types";

/** An operation that did not complete; `summary` has the steps that did, and the logs. */
export class HarnessError extends Error {
  constructor(readonly summary: Summary) {
    super(summary.error ?? `${summary.operation} failed`);
    this.name = "HarnessError";
  }
}

export interface ProjectFile {
  name: string;
  main?: string;
}

/** Reads the two Pulumi.yaml keys the harness needs (top-level scalars only). */
export function readProjectFile(dir: string): ProjectFile {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no Pulumi.yaml in ${dir}`);
  const scalar = (key: string): string | undefined => {
    const m = new RegExp(`^${key}:\\s*(.+?)\\s*$`, "m").exec(fs.readFileSync(file, "utf8"));
    return m ? m[1].replace(/^(["'])(.*)\1$/, "$2") : undefined;
  };
  const name = scalar("name");
  if (!name) throw new Error(`${file}: no \`name:\``);
  return { name, main: scalar("main") };
}

export class Harness {
  private constructor(
    /** Where Pulumi.yaml is. */
    readonly projectDir: string,
    /** Where the program runs (Pulumi's pwd: the `main:` folder when there is one). */
    readonly programDir: string,
    private readonly main: string,
    readonly project: string,
    readonly stack: string,
    readonly stateFile: string,
    private readonly options: HarnessOptions,
  ) {}

  static async open(options: HarnessOptions): Promise<Harness> {
    const projectDir = path.resolve(options.programDir);
    const project = readProjectFile(projectDir);
    // As the CLI does: a `main:` folder becomes the working directory; a file, its folder.
    let programDir = projectDir;
    let main = ".";
    if (project.main) {
      const target = path.resolve(projectDir, project.main);
      if (fs.existsSync(target) && fs.statSync(target).isDirectory()) programDir = target;
      else {
        programDir = path.dirname(target);
        main = path.basename(target);
      }
    }
    const stack = options.stack ?? "dev";
    const stateFile = path.resolve(options.stateFile ?? path.join(projectDir, ".harness-state", `${stack}.json`));
    return new Harness(projectDir, programDir, main, project.name, stack, stateFile, options);
  }

  preview(): Promise<Summary> {
    return this.run("preview");
  }
  up(): Promise<Summary> {
    return this.run("up");
  }
  refresh(): Promise<Summary> {
    return this.run("refresh");
  }
  destroy(): Promise<Summary> {
    return this.run("destroy");
  }

  /** The raw state file (secrets sealed), or undefined before the first `up`. */
  readState(): unknown {
    return fs.existsSync(this.stateFile) ? JSON.parse(fs.readFileSync(this.stateFile, "utf8")) : undefined;
  }

  private async run(operation: Operation): Promise<Summary> {
    const started = Date.now();
    const logs: LogLine[] = [];
    const onLog = (line: LogLine): void => {
      logs.push(line);
      this.options.onLog?.(line);
    };
    const request: RunnerRequest = {
      operation,
      projectDir: this.projectDir,
      programDir: this.programDir,
      main: this.main,
      project: this.project,
      stack: this.stack,
      config: { ...this.options.config, ...this.options.secrets },
      secretKeys: Object.keys(this.options.secrets ?? {}),
      stateFile: this.stateFile,
      passphrase: this.options.secretsPassphrase ?? process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
    };
    const { script, execArgv } = runnerScript();
    const child = fork(script, [], {
      cwd: this.programDir,
      env: { ...process.env, ...this.options.env },
      execArgv,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    for (const [stream, level] of [
      [child.stdout!, "info"],
      [child.stderr!, "warning"],
    ] as const) {
      readline.createInterface({ input: stream }).on("line", (message) => onLog({ source: "program", level, message }));
    }
    const done = await new Promise<Omit<Summary, "elapsedMs" | "logs"> | undefined>((resolve, reject) => {
      let result: Omit<Summary, "elapsedMs" | "logs"> | undefined;
      child.on("message", (message: RunnerMessage) => {
        if (message.kind === "log") onLog(message.line);
        else result = message.summary;
      });
      child.once("error", reject);
      child.once("exit", () => resolve(result));
      child.send(request);
    });
    const summary: Summary = done
      ? { ...done, logs, elapsedMs: Date.now() - started }
      : {
          operation,
          ok: false,
          error: `the harness runner exited without a result: ${logs.filter((l) => l.level !== "info").map((l) => l.message).slice(-5).join(" / ")}`,
          errors: [],
          steps: [],
          outputs: {},
          logs,
          pulumiCopies: [],
          stateFile: this.stateFile,
          elapsedMs: Date.now() - started,
        };
    if (!summary.ok && summary.errors.length === 0) summary.errors = [summary.error ?? `${operation} failed`];
    if (!summary.ok) throw new HarnessError(summary);
    return summary;
  }
}

/**
 * The compiled runner next to this file. From sources (this repo's tests): the build's runner when
 * it is newer than every harness source (plain JS starts faster), else the .ts runner through tsx.
 */
function runnerScript(): { script: string; execArgv: string[] } {
  if (!__filename.endsWith(".ts")) return { script: path.join(__dirname, "runner.js"), execArgv: [] };
  const built = path.join(__dirname, "..", "dist", "harness", "runner.js");
  if (fs.existsSync(built)) {
    const builtAt = fs.statSync(built).mtimeMs;
    const sources = fs.readdirSync(__dirname).filter((f) => f.endsWith(".ts"));
    if (sources.every((f) => fs.statSync(path.join(__dirname, f)).mtimeMs <= builtAt)) return { script: built, execArgv: [] };
  }
  return { script: path.join(__dirname, "runner.ts"), execArgv: ["--require", require.resolve("tsx/cjs")] };
}
