/**
 * Public types of `pulumi-stripe-identity/testing`, and the messages the harness exchanges with its
 * runner process. Plain JSON only: everything here crosses a process boundary.
 */

/** A JSON value as it travels on Pulumi's wire (google.protobuf.Struct contents). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type Operation = "preview" | "up" | "refresh" | "destroy";

/** What the engine did (or, in a preview, would do) to one resource. */
export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "read";

export interface Step {
  urn: string;
  /** Resource type token, e.g. `pulumi-nodejs:dynamic:Resource`. */
  type: string;
  name: string;
  op: StepOp;
  /** Provider id after the step (before it, for deletes). */
  id?: string;
  /** Top-level properties that differ (inputs for create/update/replace, outputs for read). */
  changedKeys?: string[];
  /** For replace: the properties the provider said force it. */
  replaces?: string[];
  /** replace: whether the old resource was deleted before the new one was created. */
  deleteBeforeReplace?: boolean;
  /** delete: the resource had `retainOnDelete`, so it was only dropped from state. */
  retained?: boolean;
  /** read: the provider reported the resource gone, so it left the state. */
  gone?: boolean;
  /** The step was attempted and failed: why (the run's summary fails too). */
  error?: string;
}

export type LogLevel = "info" | "warning" | "error" | "debug";

export interface LogLine {
  /** `program` (the Pulumi program's process) or `provider` (the dynamic-provider process). */
  source: "program" | "provider" | "harness";
  level: LogLevel;
  message: string;
  /** The resource whose step was running when the line was written, when known. */
  urn?: string;
}

export interface Summary {
  operation: Operation;
  ok: boolean;
  /** Every error of the run, one a line, phrased for a person (urn and property named when known). */
  error?: string;
  /** The same errors, one an entry (empty when `ok`). */
  errors: string[];
  steps: Step[];
  /** Stack outputs after the operation; secret values read `[secret]`. */
  outputs: JsonObject;
  logs: LogLine[];
  /** Real paths of every `@pulumi/pulumi` copy the program process loaded (must be exactly one). */
  pulumiCopies: string[];
  stateFile: string;
  elapsedMs: number;
}

export interface HarnessOptions {
  /** Folder holding `Pulumi.yaml` (its `main:` is honoured as the Pulumi CLI honours it). */
  programDir: string;
  /** Stack name; default `dev`. */
  stack?: string;
  /** Plain config, full keys (`stripe-identity:apiBase`). */
  config?: Record<string, string>;
  /** Secret config, full keys (`stripe-identity:apiKey`). Never written to the state file. */
  secrets?: Record<string, string>;
  /** JSON state file; default `<program folder>/.harness-state/<stack>.json`. */
  stateFile?: string;
  /**
   * Passphrase for the secret values kept in state (AES-256-GCM, key derived with scrypt).
   * Default: `PULUMI_CONFIG_PASSPHRASE` from the environment, else the empty passphrase, which (as
   * with Pulumi's passphrase provider) keeps secrets out of plaintext but is no protection.
   */
  secretsPassphrase?: string;
  /** Extra environment for the program and provider processes. */
  env?: Record<string, string>;
  /** Called with each log line as it arrives (the summary has them all too). */
  onLog?: (line: LogLine) => void;
}

/** Sent by the harness to its runner process over the IPC channel. */
export interface RunnerRequest {
  operation: Operation;
  /** Where Pulumi.yaml is. */
  projectDir: string;
  /** The program's working directory (Pulumi's pwd: `main:` when it is a folder). */
  programDir: string;
  /** Entry point relative to programDir (`.` for the folder's package main / index). */
  main: string;
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  stateFile: string;
  passphrase: string;
}

export type RunnerMessage =
  | { kind: "log"; line: LogLine }
  | { kind: "done"; summary: Omit<Summary, "elapsedMs" | "logs"> };
