/**
 * Public types of `pulumi-stripe-identity/testing`. Plain TypeScript (no zod, no `stripe` types), so a
 * user's test compiles against the published declarations with only `@pulumi/pulumi` installed.
 */
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import type { EmulatorOptions } from "../emulator";

export type Operation = "preview" | "up" | "refresh" | "destroy";

/** The engine's step kinds, as `pulumi` prints them (`create`, `update`, `replace`, `delete`, `same`, `refresh`, ...). */
export type StepOp = string;

/** What the engine did (or, in a preview, would do) to one resource: one `resourcePreEvent` with its outputs merged in. */
export interface Step {
  op: StepOp;
  urn: string;
  /** Resource type token, e.g. `pulumi-nodejs:dynamic:Resource`. */
  type: string;
  /** The resource's name, the last segment of its urn. */
  name: string;
  /** A refresh step's conclusion, as the CLI's summary counts it: `same` (unchanged), `update`, `delete` (gone). */
  outcome?: StepOp;
  /** The provider id after the step (before it, for a delete). */
  id?: string;
  /** Top-level properties that differ, as `pulumi preview --diff` lists them. */
  diffs: string[];
  /** Property path -> kind (`add`, `update`, `delete`, `update-replace`, ...), as the CLI's `[diff: ...]` shows it. */
  detailedDiff: Record<string, string>;
  /** For a replace: the properties that force it. */
  replaceKeys: string[];
  /** Outputs before the step (state), secrets as `[secret]`. */
  oldOutputs?: Record<string, unknown>;
  /** Outputs after the step (or planned), secrets as `[secret]`. */
  newOutputs?: Record<string, unknown>;
}

/** A message the engine showed: a provider's `warning:`, an error, `pulumi.log.info`. */
export interface Diagnostic {
  severity: "info" | "info#err" | "warning" | "error";
  /** The resource it belongs to; undefined for the stack's own messages. */
  urn?: string;
  message: string;
  /** Progress lines the CLI shows while a step runs and then clears. */
  ephemeral: boolean;
}

export interface OperationResult {
  operation: Operation;
  steps: Step[];
  /** Steps other than `same`, in the order the engine started them. */
  changes: Step[];
  /** Counts by step kind, as the CLI's "Resources:" summary. */
  summary: Record<string, number>;
  /** Stack outputs after the operation (plain values; secret ones are listed in `secretOutputs`). */
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  diagnostics: Diagnostic[];
  /** What the CLI printed, as a user reads it in a terminal. */
  stdout: string;
}

export interface TestStackOptions {
  /**
   * The Pulumi program, inline: the function a program's `index.ts` would run (return its outputs).
   * Either this or `workDir`.
   */
  program?: () => Promise<Record<string, unknown> | void>;
  /** A program folder (with `Pulumi.yaml` and its `node_modules`), run as `pulumi up` runs it. Either this or `program`. */
  workDir?: string;
  /** Project name for an inline program (default `stripe-identity-test`). */
  projectName?: string;
  /** Default `test`. */
  stackName?: string;
  /** More stack config (`"my-project:tier": "gold"`); the stripe-identity keys are set for you. */
  config?: Record<string, string>;
  /** Stack config stored as secrets. */
  secrets?: Record<string, string>;
  /** The Pulumi CLI to run. Default: `cliDir`, else `pulumi` on the PATH. */
  pulumiCommand?: PulumiCommand;
  /** A folder holding `pulumi` (and `pulumi-language-nodejs` for folder programs); put first on the CLI's PATH. */
  cliDir?: string;
  /** Options for the emulator this stack starts, or `{ url }` of one already running (it is not closed by `dispose`). */
  emulator?: EmulatorOptions | { url: string };
  /** The stack's key (default: a fresh `sk_test_...`, i.e. a fresh, empty emulator account). */
  apiKey?: string;
  /** More environment for every `pulumi` command. */
  env?: Record<string, string>;
}

export interface OperationOptions {
  /** `pulumi up --refresh` / `pulumi preview --refresh`. */
  refresh?: boolean;
  /** The CLI's `--diff` text in `stdout`. */
  diff?: boolean;
  /** `--expect-no-changes`: the operation fails if anything would change. */
  expectNoChanges?: boolean;
  /** `--parallel`; the engine's default when unset. */
  parallel?: number;
  /** `pulumi refresh --run-program` / `pulumi destroy --run-program`. */
  runProgram?: boolean;
  /** `--target` urns. */
  target?: string[];
}
