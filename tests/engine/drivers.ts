/**
 * One scenario, two engines: the real Pulumi CLI and the harness, behind one small interface, so
 * the lifecycle test can run the same commands through both and compare what each did.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { Harness, HarnessError, type Summary } from "../../harness";
import { PulumiStack, type StateResource } from "../helpers/pulumi-cli";
import type { ChildAnswer, ChildRequest } from "./automation-child";

export type Command = "preview" | "up" | "refresh" | "destroy";

export interface Outcome {
  ok: boolean;
  /** What a user reads: the CLI's output, or the harness's error and log lines. */
  output: string;
  /** `op name` of each session resource's step that changed something (`same` steps left out). */
  steps: string[];
}

export interface Driver {
  readonly name: string;
  run(command: Command, config: Record<string, string>): Promise<Outcome>;
  /** Session resources in state: `name id`, sorted by name. */
  state(): { name: string; id: string; protect: boolean; retainOnDelete: boolean }[];
  /** Moves the program folder and its state under `root`; later commands run from there. */
  moveTo(root: string): void;
}

const SESSION = /VerificationSession$/;
const nameOf = (urn: string) => urn.split("::").pop()!;

type EngineEvent = { resourcePreEvent?: { metadata: { op: string; urn: string; type: string } }; summaryEvent?: { isPreview: boolean } };

/** The engine's event log (`--event-log`, which PULUMI_DEBUG_COMMANDS enables). */
function eventLogOf(file: string): EngineEvent[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as EngineEvent);
}

/**
 * The engine's steps, from its events (the CLI's event log; the Automation API reads the same
 * stream), named as the harness names them: a replace is one step.
 */
function engineSteps(events: EngineEvent[], command: Command): string[] {
  const seen = new Map<string, string>();
  // up, refresh and destroy preview first: their steps are the events after the preview's summary
  // (none when the preview failed), as the harness reports what it did.
  const previewEnd = events.findIndex((e) => e.summaryEvent?.isPreview);
  const ran = command === "preview" || previewEnd < 0 ? events : events.slice(previewEnd + 1);
  for (const event of ran) {
    const step = event.resourcePreEvent?.metadata;
    if (!step || !SESSION.test(step.type)) continue;
    let op = step.op;
    if (op === "create-replacement" || op === "delete-replaced" || op === "replace") op = "replace";
    if (command === "refresh" && (op === "refresh" || op === "update")) op = "read";
    if (op === "same") continue;
    const name = nameOf(step.urn);
    if (op === "replace" || !seen.has(name)) seen.set(name, op);
  }
  return [...seen].map(([name, op]) => `${op} ${name}`);
}

export class CliDriver implements Driver {
  readonly name = "pulumi CLI";
  constructor(readonly stack: PulumiStack, private readonly project: string) {}

  async run(command: Command, config: Record<string, string>): Promise<Outcome> {
    await this.syncConfig(config);
    const eventLog = path.join(this.stack.home, `events-${++this.runs}.jsonl`);
    // up and refresh skip their preview (the preview scenarios cover it); a destroy keeps it, since
    // its preview is what refuses a protected resource before anything is deleted.
    const skipPreview = command === "up" || command === "refresh" ? ["--skip-preview"] : [];
    const result = await this.stack.op(command, ["--event-log", eventLog, ...skipPreview], { PULUMI_DEBUG_COMMANDS: "true" });
    return { ok: result.code === 0, output: result.output, steps: engineSteps(eventLogOf(eventLog), command) };
  }

  private runs = 0;
  private current: Record<string, string> = {};
  private async syncConfig(config: Record<string, string>): Promise<void> {
    for (const key of Object.keys(this.current)) {
      if (!(key in config)) await this.stack.ok(["config", "rm", `${this.project}:${key}`, "--stack", this.stack.stackName]);
    }
    const changed = Object.fromEntries(Object.entries(config).filter(([k, v]) => this.current[k] !== v).map(([k, v]) => [`${this.project}:${k}`, v]));
    await this.stack.setConfig(changed);
    this.current = { ...config };
  }

  state() {
    return sessionsIn(this.stack.resources());
  }

  moveTo(root: string): void {
    this.stack.programDir = moveFolder(this.stack.programDir, path.join(root, "program"));
    this.stack.backendDir = moveFolder(this.stack.backendDir, path.join(root, "backend"));
  }
}

/**
 * Pulumi's Automation API with an inline program (tests/engine/automation-child.ts, in its own
 * process): the same CLI and engine, no language host. Its state lives where a PulumiStack's would,
 * so both judges' state files read alike.
 */
export class AutomationDriver implements Driver {
  readonly name = "Automation API";
  private child: ChildProcess | undefined;
  private current: Record<string, string> = {};
  private base: { config: Record<string, string>; secrets: Record<string, string> } | undefined;

  constructor(
    readonly stack: PulumiStack,
    private readonly project: string,
    base: { config: Record<string, string>; secrets: Record<string, string> },
  ) {
    this.base = base;
  }

  async run(command: Command, config: Record<string, string>): Promise<Outcome> {
    const request: ChildRequest = {
      command,
      programDir: this.stack.programDir,
      stackName: this.stack.stackName,
      config,
      previous: this.current,
      baseConfig: this.base?.config ?? {},
      secrets: this.base?.secrets ?? {},
      project: this.project,
      cliRoot: path.dirname(this.stack.binDir),
    };
    const answer = await this.ask(request);
    this.base = undefined;
    this.current = { ...config };
    return { ok: answer.ok, output: answer.output, steps: engineSteps(answer.events as EngineEvent[], command) };
  }

  private ask(request: ChildRequest): Promise<ChildAnswer> {
    // The child's environment names the backend folder, so it starts again after a move.
    this.child ??= fork(path.join(__dirname, "automation-child.ts"), [], { execArgv: ["--import", pathToFileURL(require.resolve("tsx")).href], env: this.stack.env(), cwd: this.stack.programDir, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const child = this.child;
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the Automation API judge's process exited (${code}) during ${request.command}`));
      child.once("exit", onExit);
      child.once("message", (answer: ChildAnswer) => {
        child.off("exit", onExit);
        resolve(answer);
      });
      child.send(request);
    });
  }

  state() {
    return sessionsIn(this.stack.resources());
  }

  moveTo(root: string): void {
    this.close();
    this.stack.programDir = moveFolder(this.stack.programDir, path.join(root, "program"));
    this.stack.backendDir = moveFolder(this.stack.backendDir, path.join(root, "backend"));
  }

  close(): void {
    this.child?.kill();
    this.child = undefined;
  }
}

function moveFolder(from: string, to: string): string {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  fs.rmSync(from, { recursive: true });
  return to;
}

function sessionsIn(resources: StateResource[]) {
  return resources
    .filter((r) => SESSION.test(r.type) && !r.delete)
    .map((r) => ({ name: nameOf(r.urn), id: r.id ?? "", protect: r.protect ?? false, retainOnDelete: r.retainOnDelete ?? false }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export class HarnessDriver implements Driver {
  readonly name = "harness";
  private stateFile: string;
  constructor(
    private programDir: string,
    private readonly base: { config: Record<string, string>; secrets: Record<string, string> },
    private readonly project: string,
  ) {
    this.stateFile = path.join(path.dirname(programDir), `${path.basename(programDir)}.harness-state.json`);
  }

  async run(command: Command, config: Record<string, string>): Promise<Outcome> {
    const harness = await Harness.open({
      programDir: this.programDir,
      stack: "dev",
      stateFile: this.stateFile,
      config: { ...this.base.config, ...Object.fromEntries(Object.entries(config).map(([k, v]) => [`${this.project}:${k}`, v])) },
      secrets: this.base.secrets,
    });
    let summary: Summary;
    try {
      summary = await harness[command]();
    } catch (error) {
      if (!(error instanceof HarnessError)) throw error;
      summary = error.summary;
    }
    const steps = summary.steps.filter((s) => SESSION.test(s.type) && s.op !== "same").map((s) => `${s.op} ${s.name}`);
    const output = [summary.error ?? "", ...summary.logs.map((l) => l.message)].join("\n");
    return { ok: summary.ok, output, steps };
  }

  state() {
    if (!fs.existsSync(this.stateFile)) return [];
    const state = JSON.parse(fs.readFileSync(this.stateFile, "utf8")) as { resources: StateResource[] };
    return sessionsIn(state.resources);
  }

  moveTo(root: string): void {
    this.programDir = moveFolder(this.programDir, path.join(root, "program"));
    const stateFile = path.join(root, "state.json");
    fs.renameSync(this.stateFile, stateFile);
    this.stateFile = stateFile;
  }
}
