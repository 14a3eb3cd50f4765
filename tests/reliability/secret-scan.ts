/**
 * Artifact collection and scanning for the secrets tests: everything a run produced (outputs,
 * errors as every consumer sees them, logs, console writes, CLI output, state files) is kept with
 * its source, then scanned for the API keys in play and for client secrets / verification URLs.
 */
import { inspect } from "node:util";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { findSecret, unclearError } from "./support";

export class ArtifactScan {
  readonly secrets: string[] = [];
  private readonly artifacts: { source: string; text: string }[] = [];
  private restore: (() => void) | undefined;
  private emulator: TestEmulator | undefined;

  /** An emulator whose log lines are artifacts too, with console capture on until `close()`. */
  async startEmulator(): Promise<TestEmulator> {
    this.emulator = await startTestEmulator({ log: (line) => this.artifacts.push({ source: "emulator log", text: line }) });
    this.captureConsole();
    return this.emulator;
  }

  async close(): Promise<void> {
    this.stop();
    await this.emulator?.close();
  }

  /** Also keeps everything written to stdout/stderr until `stop()`. */
  captureConsole(): void {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const capture = (source: "stdout" | "stderr") => (chunk: unknown, ...rest: unknown[]) => {
      this.artifacts.push({ source, text: String(chunk) });
      return source === "stdout" ? out(chunk as string, ...(rest as [])) : err(chunk as string, ...(rest as []));
    };
    process.stdout.write = capture("stdout") as typeof process.stdout.write;
    process.stderr.write = capture("stderr") as typeof process.stderr.write;
    this.restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  }

  stop(): void {
    this.restore?.();
  }

  get count(): number {
    return this.artifacts.length;
  }

  countOf(source: string): number {
    return this.artifacts.filter((artifact) => artifact.source === source).length;
  }

  keep(source: string, value: unknown): void {
    this.artifacts.push({ source, text: typeof value === "string" ? value : JSON.stringify(value) ?? String(value) });
  }

  /** An error as every consumer could see it: message, stack, inspect (what Pulumi prints), JSON. */
  keepError(source: string, error: unknown): void {
    const problem = unclearError(error, this.secrets);
    if (problem) this.artifacts.push({ source: `${source} (unclear error)`, text: `UNCLEAR: ${problem}` });
    this.keep(`${source}: inspect`, inspect(error, { depth: 8, showHidden: true }));
    this.keep(`${source}: json`, error);
  }

  /** Every artifact carrying a secret (or an unclear error), by source; `extra` lines too. */
  leaks(extra: { source: string; text: string }[] = []): string[] {
    const found: string[] = [];
    for (const { source, text } of [...this.artifacts, ...extra]) {
      if (text.startsWith("UNCLEAR: ")) found.push(`${source}: ${text}`);
      const leak = findSecret(text, this.secrets);
      if (leak) found.push(`${source}: ${leak}`);
    }
    return found;
  }
}
