/**
 * One scenario, two engines: the real Pulumi CLI and the harness, behind one small interface, so
 * the lifecycle test can run the same commands through both and compare what each did.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Harness, HarnessError, type Summary } from "../../harness";
import { PulumiStack, type StateResource } from "../helpers/pulumi-cli";

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

/**
 * The engine's steps, from its event log (`--event-log`, which PULUMI_DEBUG_COMMANDS enables; the
 * Automation API reads the same stream), named as the harness names them: a replace is one step.
 */
function engineSteps(eventLog: string, command: Command): string[] {
  const seen = new Map<string, string>();
  if (!fs.existsSync(eventLog)) return [];
  type Event = { resourcePreEvent?: { metadata: { op: string; urn: string; type: string } }; summaryEvent?: { isPreview: boolean } };
  const events = fs.readFileSync(eventLog, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Event);
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
    return { ok: result.code === 0, output: result.output, steps: engineSteps(eventLog, command) };
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
