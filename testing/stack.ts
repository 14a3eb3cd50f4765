/**
 * A Pulumi stack wired to a local Stripe Identity emulator, run by the real Pulumi engine through
 * Pulumi's Automation API: the steps, diffs, outputs and messages a test sees are the ones
 * `pulumi preview/up/refresh/destroy` shows a user.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { LocalWorkspace, type ConfigMap, type Deployment, type Stack } from "@pulumi/pulumi/automation";
import { EmulatorControl, startEmulator, type RunningEmulator } from "../emulator";
import type { VerificationSession } from "../emulator/control-client";
import { EventCollector, StackOperationError } from "./results";
import type { Operation, OperationOptions, OperationResult, TestStackOptions } from "./types";
import { linkModules, makeDirs, offlineEnv, pulumiCommand, type StackDirs } from "./workspace";

type Outputs = Record<string, { value: unknown; secret: boolean }>;

export class TestStack {
  private constructor(
    /** The Automation API stack, for anything this class does not wrap (`exportStack`, `setConfig`, ...). */
    readonly stack: Stack,
    /** The emulator's base URL (`stripe-identity:apiBase`). */
    readonly emulatorUrl: string,
    /** The stack's key (`stripe-identity:apiKey`): its own emulator account. */
    readonly apiKey: string,
    /** The emulator's control API (seed, faults, stats). */
    readonly control: EmulatorControl,
    private readonly dirs: StackDirs,
    private readonly emulator: RunningEmulator | undefined,
  ) {}

  static async create(options: TestStackOptions): Promise<TestStack> {
    if (!options.program === !options.workDir) throw new Error("TestStack.create: give exactly one of `program` (inline) or `workDir` (a program folder)");
    const dirs = makeDirs();
    let emulator: RunningEmulator | undefined;
    try {
      const cli = await pulumiCommand(options.pulumiCommand, options.cliDir);
      const given = options.emulator && "url" in options.emulator ? options.emulator.url : undefined;
      if (!given) emulator = await startEmulator({ port: 0, ...(options.emulator as object | undefined) });
      const url = given ?? emulator!.url;
      const apiKey = options.apiKey ?? `sk_test_emulator${randomBytes(12).toString("hex")}`;
      const envVars = offlineEnv(dirs, cli, "test-stack-passphrase", options.env);
      const stackName = options.stackName ?? "test";
      const common = { pulumiCommand: cli, pulumiHome: dirs.home, envVars, secretsProvider: "passphrase" };
      let stack: Stack;
      if (options.program) {
        linkModules(dirs.work);
        const projectName = options.projectName ?? "stripe-identity-test";
        stack = await LocalWorkspace.createStack(
          { stackName, projectName, program: options.program },
          { ...common, workDir: dirs.work, projectSettings: { name: projectName, runtime: "nodejs", backend: { url: `file://${dirs.backend}` } } },
        );
      } else {
        stack = await LocalWorkspace.createStack({ stackName, workDir: options.workDir! }, common);
      }
      const config: ConfigMap = { "stripe-identity:apiBase": { value: url }, "stripe-identity:apiKey": { value: apiKey, secret: true } };
      for (const [key, value] of Object.entries(options.config ?? {})) config[key] = { value };
      for (const [key, value] of Object.entries(options.secrets ?? {})) config[key] = { value, secret: true };
      await stack.setAllConfig(config);
      return new TestStack(stack, url, apiKey, new EmulatorControl(url), dirs, emulator);
    } catch (error) {
      await emulator?.close();
      fs.rmSync(dirs.root, { recursive: true, force: true });
      throw error;
    }
  }

  preview(opts: OperationOptions = {}): Promise<OperationResult> {
    return this.run("preview", opts);
  }
  up(opts: OperationOptions = {}): Promise<OperationResult> {
    return this.run("up", opts);
  }
  refresh(opts: OperationOptions = {}): Promise<OperationResult> {
    return this.run("refresh", opts);
  }
  destroy(opts: OperationOptions = {}): Promise<OperationResult> {
    return this.run("destroy", opts);
  }

  /** The stack's outputs now (plain values). */
  async outputs(): Promise<Record<string, unknown>> {
    return Object.fromEntries(Object.entries(await this.stack.outputs()).map(([k, v]) => [k, v.value]));
  }

  /** The state as `pulumi stack export` shows it. */
  exportState(): Promise<Deployment> {
    return this.stack.exportStack();
  }

  // Out-of-band changes: what users, reviewers and the Dashboard do to sessions outside Pulumi.

  /** The user submits: `requires_input` -> `processing`. */
  submit(sessionId: string): Promise<void> {
    return this.control.transition(sessionId, "processing");
  }

  /** The user submits and Stripe verifies: `requires_input` -> `processing` -> `verified`. */
  async verify(sessionId: string): Promise<void> {
    await this.ensureProcessing(sessionId);
    await this.control.transition(sessionId, "verified");
  }

  /** The user submits and a check fails: back to `requires_input` with `last_error` (default code `document_unverified_other`). */
  async failCheck(sessionId: string, code = "document_unverified_other", reason?: string): Promise<void> {
    await this.ensureProcessing(sessionId);
    await this.control.transition(sessionId, "requires_input", { code, reason });
  }

  /** Someone cancels the session outside Pulumi (Dashboard, API); `stripeAccount` for a connected account's session. */
  async cancel(sessionId: string, stripeAccount?: string): Promise<void> {
    await this.stripeApi(`/v1/identity/verification_sessions/${encodeURIComponent(sessionId)}/cancel`, stripeAccount);
  }

  /** Someone redacts the session outside Pulumi; `stripeAccount` for a connected account's session. */
  async redact(sessionId: string, stripeAccount?: string): Promise<void> {
    await this.stripeApi(`/v1/identity/verification_sessions/${encodeURIComponent(sessionId)}/redact`, stripeAccount);
  }

  // What Stripe holds.

  /** Every session of the stack's account (or a connected account's), as the API shows them. */
  sessions(stripeAccount?: string): Promise<VerificationSession[]> {
    return this.control.sessions(this.apiKey, stripeAccount);
  }

  /** One session as the API shows it; an error naming the id if the account has none such. */
  async session(sessionId: string, stripeAccount?: string): Promise<VerificationSession> {
    const found = (await this.sessions(stripeAccount)).find((s) => s.id === sessionId);
    if (!found) throw new Error(`no session ${sessionId} in the stack's emulator account`);
    return found;
  }

  /** Removes the stack's temp folders and closes the emulator it started. Resources still in the stack are left as they are. */
  async dispose(): Promise<void> {
    await this.emulator?.close();
    fs.rmSync(this.dirs.root, { recursive: true, force: true });
  }

  private async ensureProcessing(sessionId: string): Promise<void> {
    if ((await this.session(sessionId)).status === "requires_input") await this.submit(sessionId);
  }

  /** A POST to the Stripe API as the stack's key (the way the Dashboard or another service would act). */
  private async stripeApi(path: string, stripeAccount?: string): Promise<void> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.apiKey}` };
    if (stripeAccount) headers["Stripe-Account"] = stripeAccount;
    const response = await fetch(`${this.emulatorUrl}${path}`, { method: "POST", headers });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  }

  private async run(operation: Operation, opts: OperationOptions): Promise<OperationResult> {
    const events = new EventCollector();
    let stdout = "";
    const common = { onEvent: events.onEvent, onOutput: (text: string) => (stdout += text), parallel: opts.parallel, target: opts.target };
    let outputs: Outputs = {};
    try {
      if (operation === "preview") await this.stack.preview({ ...common, refresh: opts.refresh, diff: opts.diff, expectNoChanges: opts.expectNoChanges });
      else if (operation === "up") outputs = (await this.stack.up({ ...common, refresh: opts.refresh, diff: opts.diff, expectNoChanges: opts.expectNoChanges })).outputs;
      else if (operation === "refresh") await this.stack.refresh({ ...common, expectNoChanges: opts.expectNoChanges, runProgram: opts.runProgram });
      else await this.stack.destroy({ ...common, refresh: opts.refresh, diff: opts.diff, runProgram: opts.runProgram });
      if (operation !== "up") outputs = await this.stack.outputs();
    } catch (error) {
      throw new StackOperationError(events.result(operation, stdout, outputs), error instanceof Error ? error.message : String(error));
    }
    return events.result(operation, stdout, outputs);
  }
}
