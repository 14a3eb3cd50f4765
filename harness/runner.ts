/**
 * The harness's runner process: started by harness/index.ts with the program's folder as working
 * directory, it receives one RunnerRequest over IPC, performs the operation and answers with a
 * summary. It imports nothing from @pulumi/pulumi itself: every Pulumi module comes from the
 * program's own copy, resolved from the program's folder as Node resolves the program's imports.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { Engine, StepError } from "./engine";
import { loadedPulumiCopies, registerTypeScript, runProgram } from "./program";
import { ProviderClient, type PulumiRequire } from "./provider-client";
import { StateStore } from "./state";
import type { JsonObject, LogLine, RunnerMessage, RunnerRequest, Step } from "./types";
import { display, secret } from "./wire";

function send(message: RunnerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    // The SDK prefixes "failed to register new resource <name> [<type>]: "; the engine's text already names it.
    return error.message.replace(/^failed to register new resource \S+ \[[^\]]+\]: /, "");
  }
  return String(error);
}

/** An exception in the user's program, with the file and line it came from (as `pulumi up` shows it). */
function describeProgramError(error: unknown, programDir: string): string {
  const message = describe(error);
  if (!(error instanceof Error) || error instanceof StepError || !error.stack) return message;
  const frame = error.stack
    .split("\n")
    .slice(1)
    .map((line) => /\(?((?:\/|[A-Za-z]:\\)[^():]+):(\d+):(\d+)\)?\s*$/.exec(line))
    .find((m) => m && m[1].startsWith(programDir) && !m[1].includes(`${path.sep}node_modules${path.sep}`));
  return frame ? `${error.name}: ${message}\n    at ${path.relative(programDir, frame[1])}:${frame[2]}:${frame[3]}` : message;
}

/** Under the CLI, such a program registers resources with a runtime that is not running. */
function copiesMessage(copies: string[]): string {
  return `the program loaded ${copies.length} copies of @pulumi/pulumi (${copies.join(", ")}); a package that depends on it must resolve the program's own copy (a "file:" dependency needs install-links=true)`;
}

async function run(req: RunnerRequest): Promise<void> {
  const programErrors: string[] = [];
  const onFailure = (error: unknown): void => {
    const message = describeProgramError(error, req.programDir);
    if (!programErrors.includes(message)) programErrors.push(message);
  };
  process.on("unhandledRejection", onFailure);
  process.on("uncaughtException", onFailure);

  // The provider process gets the environment the engine would give it: not the program's config.
  const providerEnv = { ...process.env };
  process.env.PULUMI_CONFIG = JSON.stringify(req.config);
  process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(req.secretKeys);
  process.env.PULUMI_NODEJS_PROJECT = req.project;
  process.env.PULUMI_NODEJS_STACK = req.stack;
  process.env.PULUMI_NODEJS_ROOT_DIRECTORY = req.projectDir;

  let pulumiIndex: string;
  try {
    pulumiIndex = createRequire(path.join(req.programDir, "index.js")).resolve("@pulumi/pulumi");
  } catch {
    throw new Error(`@pulumi/pulumi is not installed where the program runs (${req.programDir}); run \`npm install\` there`);
  }
  const pulumiDir = path.dirname(pulumiIndex);
  const pulumiRequire: PulumiRequire = createRequire(path.join(pulumiDir, "package.json"));

  const store = new StateStore(req.stateFile, req.passphrase);
  // A preview writes nothing, so it takes no lock.
  if (req.operation !== "preview") store.lock();
  const state = store.load(req.project, req.stack);
  const log = (line: LogLine): void => void send({ kind: "log", line });

  let provider: Promise<ProviderClient> | undefined;
  const engine: Engine = new Engine({
    operation: req.operation,
    project: req.project,
    stack: req.stack,
    state,
    store,
    log,
    guard: () => {
      const copies = loadedPulumiCopies();
      if (copies.length > 1) throw new Error(copiesMessage(copies));
    },
    provider: () => {
      provider ??= ProviderClient.start({
        pulumiRequire,
        pulumiDir,
        programDir: req.programDir,
        project: req.project,
        stack: req.stack,
        env: providerEnv,
        onLog: (line) => log({ ...line, urn: engine.currentUrn }),
      }).then(async (client) => {
        const config: JsonObject = {};
        for (const [k, v] of Object.entries(req.config)) config[k] = req.secretKeys.includes(k) ? secret(v) : v;
        await client.configure(config);
        return client;
      });
      return provider;
    },
  });

  // Start the provider process now: its ~0.5 s start-up then overlaps the program's loading.
  const needsProvider = req.operation === "preview" || req.operation === "up" || state.resources.some((r) => r.custom);
  if (needsProvider) engine.startProvider();

  let fatal: string | undefined;
  try {
    if (req.operation === "preview" || req.operation === "up") {
      registerTypeScript(pulumiRequire);
      await runProgram({ pulumiRequire, programDir: req.programDir, main: req.main, project: req.project, stack: req.stack, engine }).catch(onFailure);
      await engine.finish();
    } else if (req.operation === "refresh") {
      await engine.refresh();
    } else {
      await engine.destroy();
    }
  } catch (error) {
    fatal = describe(error);
  } finally {
    if (provider) await (await provider.catch(() => undefined))?.close();
  }

  const copies = loadedPulumiCopies();
  const copiesError = copies.length > 1 ? copiesMessage(copies) : undefined;
  const errors = [...(copiesError && !engine.errors.includes(copiesError) ? [copiesError] : []), ...engine.errors, ...(fatal ? [fatal] : []), ...programErrors.filter((m) => !engine.errors.some((e) => m.includes(e)))];
  const snapshot = engine.snapshot();
  const outputs = display(snapshot.outputs) as JsonObject;
  const steps: Step[] = engine.steps;
  await send({
    kind: "done",
    summary: {
      operation: req.operation,
      ok: errors.length === 0,
      // Every error of the run (several resources can fail their checks at once), one a line.
      error: errors.length > 0 ? errors.join("\n") : undefined,
      errors,
      steps,
      outputs,
      pulumiCopies: copies,
      stateFile: req.stateFile,
    },
  });
}

// The harness that started this runner is gone (killed, crashed): stop, as the engine would die
// with the CLI. State was saved after every completed step.
process.once("disconnect", () => process.exit(130));

process.once("message", (req: RunnerRequest) => {
  run(req)
    .catch(async (error: unknown) => {
      await send({
        kind: "done",
        summary: { operation: req.operation, ok: false, error: describe(error), errors: [describe(error)], steps: [], outputs: {}, pulumiCopies: loadedPulumiCopies(), stateFile: req.stateFile },
      });
    })
    .finally(() => process.exit(0));
});
