/**
 * Shared by the sweep benches: the emulator in a child process (the built bin), its control API,
 * request totals from its stats, and a fresh, seeded account per scenario.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EmulatorControl } from "../emulator/control-client";

export const ROOT = path.resolve(__dirname, "..");

export { ensureBuilt } from "../tests/helpers/build";

export interface ChildEmulator {
  url: string;
  control: EmulatorControl;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startChildEmulator(flags: string[] = []): Promise<ChildEmulator> {
  const child = spawn(process.execPath, [path.join(ROOT, "dist/emulator/bin.js"), "--port", "0", "--quiet", ...flags], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`emulator exited (${code}) before listening: ${text}`)));
  });
  return {
    url,
    control: new EmulatorControl(url),
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export function newKey(mode: "test" | "live" = "test"): string {
  return `sk_${mode}_bench${randomBytes(10).toString("hex")}`;
}

export interface Totals {
  requests: number;
  rateLimited: number;
  faults: number;
}

export async function totals(control: EmulatorControl): Promise<Totals> {
  const stats = await control.stats();
  return { requests: Object.values(stats.requests).reduce((a, b) => a + b, 0), rateLimited: stats.rateLimited, faults: stats.faults };
}

export function diff(after: Totals, before: Totals): Totals {
  return { requests: after.requests - before.requests, rateLimited: after.rateLimited - before.rateLimited, faults: after.faults - before.faults };
}

/** Seeds `count` verified sessions created 8-30 days ago (redacting them keeps their status, so every peer can page with the SDK). */
export async function seedVerified(control: EmulatorControl, apiKey: string, count: number, chunk = 20_000): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    const from = now - 30 * 86_400 + Math.floor((done / count) * 22 * 86_400);
    const to = now - 30 * 86_400 + Math.floor(((done + n) / count) * 22 * 86_400);
    await control.seed({ apiKey, count: n, status: "verified", created: { from, to: Math.max(from, to - 1) }, clientReferenceIdPrefix: "bench-" });
  }
}

export function machine(): { cpus: number; model: string; node: string } {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", node: process.version };
}

export function writeResult(name: string, result: unknown): string {
  const dir = path.join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  return file;
}
