// The children the host starts (programs, plugins), and how they stop: as Pulumi's host, an
// interrupt first, then a kill 5 s later for a child that ignores it.
import type { ChildProcess } from "node:child_process";

const KILL_AFTER_MS = 5_000;
const running = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once("exit", () => running.delete(child));
  child.once("error", () => running.delete(child));
  return child;
}

/** SIGINT now; SIGKILL if it is still running 5 s later. */
export function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGINT");
  const escalation = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }, KILL_AFTER_MS);
  escalation.unref();
  child.once("exit", () => clearTimeout(escalation));
}

export function stopAll(): void {
  for (const child of running) stop(child);
}

export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
}

/**
 * Resolves a module from a program's folder, as Pulumi's host does (so the program's own
 * @pulumi/pulumi runs it, whatever copy the host has). Pulumi's asks a `node -e` child; the
 * resolution rules are the same, without a process per call.
 */
export function locateModule(module: string, directory: string, installHint: string): { path: string } | { error: string } {
  try {
    return { path: require.resolve(module, { paths: [directory] }) };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND";
    return { error: missing ? `It looks like the Pulumi SDK has not been installed. Have you run ${installHint}?` : (error as Error).message };
  }
}

/** `KEY=value` lines (RunPluginRequest.env) as an environment object; a later line wins, as in Go. */
export function envFromList(lines: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const line of lines) {
    const equals = line.indexOf("=");
    if (equals > 0) env[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return env;
}
