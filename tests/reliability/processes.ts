/**
 * Child processes for the crash tests: started in their own process group (so a SIGKILL takes
 * their children down too), killed once the emulator has seen a number of redact requests, and
 * waited for until nothing of the group runs any more. Plus the end-state comparison.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { VerificationSession as ApiSession } from "../../emulator/control-client";
import { ensureBuilt } from "../helpers/build";
import type { TestEmulator } from "../helpers/emulator";

type Session = ApiSession;

export const ROOT = path.resolve(__dirname, "..", "..");
export const SWEEP_CLI = path.join(ROOT, "dist", "cli", "bin.js");
export const HARNESS_CLI = path.join(ROOT, "dist", "harness", "cli.js");
export const DAY = 86_400;
const REDACT_ROUTE = "POST /v1/identity/verification_sessions/:id/redact";

/** dist/ as of the sources (rebuilt when stale, see tests/helpers/build.ts), with `file` in it. */
export function requireBuilt(file: string): void {
  ensureBuilt();
  if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` first`);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a command in its own process group, so a kill takes its children down with it. */
export function start(args: string[], env: Record<string, string>, cwd = ROOT): { pid: number; done: Promise<Exit> } {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Exit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: child.pid!, done };
}

export function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Whether a process of the group still runs (zombies waiting for init to reap them do not count). */
function groupAlive(pgid: number): boolean {
  if (!fs.existsSync("/proc/self/stat")) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}

/** Waits until every process of the group has stopped: a rerun right after a crash is a rerun after it. */
export async function groupGone(pid: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (!groupAlive(pid)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`process group ${pid} still running 4 s after SIGKILL`);
}

export async function redactRequests(emulator: TestEmulator): Promise<number> {
  return (await emulator.control.stats()).requests[REDACT_ROUTE] ?? 0;
}

/**
 * Runs the command and SIGKILLs its process group once `target` more redact requests have reached
 * the emulator (0: at a random moment of its first 0.3 s, from start-up to the first writes), or lets
 * it finish if it does so first. Returns whether it was killed.
 */
export async function runAndKill(
  emulator: TestEmulator, rng: () => number, args: string[], env: Record<string, string>, target: number, cwd?: string,
): Promise<{ killed: boolean; exit: Exit; at: number }> {
  const base = await redactRequests(emulator);
  const proc = start(args, env, cwd);
  let finished = false;
  void proc.done.then(() => (finished = true));
  const deadline = Date.now() + 60_000;
  let at = 0;
  if (target === 0) {
    await new Promise((r) => setTimeout(r, 20 + rng() * 300));
  } else {
    while (!finished && Date.now() < deadline) {
      at = (await redactRequests(emulator)) - base;
      if (at >= target) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const killed = !finished;
  if (killed) killGroup(proc.pid);
  const exit = await proc.done;
  if (killed) await groupGone(proc.pid);
  return { killed, exit, at: killed ? (await redactRequests(emulator)) - base : at };
}

/** A kill target spread over the work left, so that every one of the remaining kills lands mid-run. */
export function killTarget(rng: () => number, left: number, killsLeft: number): number {
  return 1 + Math.floor(rng() * Math.max(1, Math.min(left - 1, (2 * left) / killsLeft)));
}

/** What the end state is compared on: per seeded slot (client_reference_id), status, redaction, metadata. */
export function shape(sessions: Session[]): Map<string, string> {
  return new Map(sessions.map((s) => [s.client_reference_id ?? s.id, `${s.status}/${s.redaction === null ? "-" : "redacted"}/${JSON.stringify(s.metadata)}`]));
}

export function diffShapes(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [ref, value] of a) if (b.get(ref) !== value) out.push(`${ref}: ${value} vs ${b.get(ref)}`);
  if (a.size !== b.size) out.push(`sizes ${a.size} vs ${b.size}`);
  return out;
}
