/**
 * The second judge's process: Pulumi's Automation API (`LocalWorkspace`, an inline program, the
 * built CLI through `PulumiCommand`) runs the lifecycle fixture's program with no language host.
 * It runs in its own Node process (started with tsx by AutomationDriver), as a user's automation
 * program would, not inside Jest's module sandbox. One message in, one answer out, over IPC.
 *
 * Its environment is the engine suite's offline one (PULUMI_HOME, file backend, passphrase).
 */
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type ConfigMap, type EngineEvent, type Stack } from "@pulumi/pulumi/automation";

export interface ChildRequest {
  command: "preview" | "up" | "refresh" | "destroy";
  /** The program folder (Pulumi.yaml and program.ts); it moves in one scenario. */
  programDir: string;
  stackName: string;
  /** Project config (without the `project:` prefix) for this command, and the previous command's. */
  config: Record<string, string>;
  previous: Record<string, string>;
  /** Full keys, plain and secret: set at the first command only (empty afterwards). */
  baseConfig: Record<string, string>;
  secrets: Record<string, string>;
  project: string;
  cliRoot: string;
}

export interface ChildAnswer {
  ok: boolean;
  output: string;
  events: EngineEvent[];
}

/** One workspace per program folder (the folder moves in one scenario; the process restarts then). */
let opened: { programDir: string; stack: Stack } | undefined;

async function stackFor(request: ChildRequest): Promise<Stack> {
  if (opened?.programDir !== request.programDir) {
    const pulumiCommand = await PulumiCommand.get({ root: request.cliRoot, skipVersionCheck: true });
    // The program is loaded from the program folder, so `pulumi-stripe-identity` and `@pulumi/pulumi`
    // resolve through its node_modules, as the CLI route's do (one copy of @pulumi/pulumi).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { lifecycle } = require(path.join(request.programDir, "program.ts")) as { lifecycle: () => Record<string, unknown> };
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: request.stackName, projectName: request.project, program: async () => lifecycle() },
      { workDir: request.programDir, pulumiCommand },
    );
    opened = { programDir: request.programDir, stack };
  }
  const { stack } = opened;
  const changes: ConfigMap = {};
  for (const [key, value] of Object.entries(request.baseConfig)) changes[key] = { value };
  for (const [key, value] of Object.entries(request.secrets)) changes[key] = { value, secret: true };
  for (const [key, value] of Object.entries(request.config)) if (request.previous[key] !== value) changes[`${request.project}:${key}`] = { value };
  const removed = Object.keys(request.previous).filter((key) => !(key in request.config)).map((key) => `${request.project}:${key}`);
  if (removed.length > 0) await stack.removeAllConfig(removed);
  if (Object.keys(changes).length > 0) await stack.setAllConfig(changes);
  return stack;
}

async function handle(request: ChildRequest): Promise<ChildAnswer> {
  const stack = await stackFor(request);
  const events: EngineEvent[] = [];
  let output = "";
  const opts = { parallel: 1, onEvent: (event: EngineEvent) => events.push(event), onOutput: (text: string) => (output += text) };
  try {
    if (request.command === "preview") await stack.preview(opts);
    else if (request.command === "up") await stack.up(opts);
    else if (request.command === "refresh") await stack.refresh(opts);
    else {
      // `pulumi destroy` previews first and stops if the preview fails (a protected resource);
      // the Automation API's destroy skips that preview, so the judge runs it as the CLI does.
      await stack.previewDestroy(opts);
      await stack.destroy(opts);
    }
    return { ok: true, output, events };
  } catch (error) {
    return { ok: false, output: `${output}\n${error instanceof Error ? error.message : String(error)}`, events };
  }
}

process.on("message", (request: ChildRequest) => {
  handle(request).then(
    (answer) => process.send!(answer),
    (error: unknown) => process.send!({ ok: false, output: `automation judge: ${error instanceof Error ? error.stack : String(error)}`, events: [] }),
  );
});
