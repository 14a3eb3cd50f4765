/**
 * Engine events -> what a test asserts on. Pure: fed the events the Automation API streams
 * (`onEvent`), the same stream the CLI renders, so a step here is a line a user sees.
 */
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import type { Diagnostic, Operation, OperationResult, Step } from "./types";

const nameOf = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

/** `__provider` is the serialized provider code (kilobytes of text): never what a test asserts on. */
function withoutProvider(outputs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!outputs) return undefined;
  const { __provider: _code, ...rest } = outputs;
  return rest;
}

/** The engine's own resources: the root stack and default providers, which the CLI's summary does not count as yours. */
const engineOwned = (type: string): boolean => type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");

function stepOf(meta: StepEventMetadata): Step {
  const detailedDiff: Record<string, string> = {};
  for (const [path, diff] of Object.entries(meta.detailedDiff ?? {})) detailedDiff[path] = diff.diffKind;
  return {
    op: meta.op,
    urn: meta.urn,
    type: meta.type,
    name: nameOf(meta.urn),
    id: meta.new?.id || meta.old?.id || undefined,
    diffs: meta.diffs ?? [],
    detailedDiff,
    replaceKeys: meta.keys ?? [],
    oldOutputs: withoutProvider(meta.old?.outputs),
    newOutputs: withoutProvider(meta.new?.outputs),
  };
}

/** A step's outputs event finishes what its pre event started: the id, the outputs, a refresh's diff. */
function merge(step: Step, done: Step): Step {
  return {
    ...step,
    id: done.id ?? step.id,
    diffs: done.diffs.length > 0 ? done.diffs : step.diffs,
    detailedDiff: Object.keys(done.detailedDiff).length > 0 ? done.detailedDiff : step.detailedDiff,
    newOutputs: done.newOutputs ?? step.newOutputs,
  };
}

export class EventCollector {
  private readonly steps: Step[] = [];
  private readonly open = new Map<string, number>();
  readonly diagnostics: Diagnostic[] = [];
  summary: Record<string, number> = {};

  readonly onEvent = (event: EngineEvent): void => {
    if (event.resourcePreEvent) {
      const step = stepOf(event.resourcePreEvent.metadata);
      this.open.set(`${step.op} ${step.urn}`, this.steps.length);
      this.steps.push(step);
    } else if (event.resOutputsEvent) {
      const done = stepOf(event.resOutputsEvent.metadata);
      // A refresh step ends with the engine's conclusion (`same`, `update`, `delete`) as its op.
      const refresh = this.open.get(`refresh ${done.urn}`);
      const index = this.open.get(`${done.op} ${done.urn}`) ?? refresh;
      if (index === undefined) this.steps.push(done);
      else this.steps[index] = { ...merge(this.steps[index], done), ...(index === refresh ? { outcome: done.op } : {}) };
    } else if (event.diagnosticEvent) {
      const d = event.diagnosticEvent;
      this.diagnostics.push({ severity: d.severity, urn: d.urn || undefined, message: d.message.trimEnd(), ephemeral: d.ephemeral === true });
    } else if (event.summaryEvent) {
      this.summary = { ...event.summaryEvent.resourceChanges } as Record<string, number>;
    }
  };

  result(operation: Operation, stdout: string, outputs: Record<string, { value: unknown; secret: boolean }>): OperationResult {
    const steps = this.steps.filter((s) => !engineOwned(s.type));
    return {
      operation,
      steps,
      changes: steps.filter((s) => s.op !== "same"),
      summary: this.summary,
      outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])),
      secretOutputs: Object.entries(outputs).filter(([, v]) => v.secret).map(([k]) => k),
      diagnostics: this.diagnostics,
      stdout,
    };
  }
}

/** The errors of a run, once each, as a person reads them (the engine repeats some under the stack). */
export function errorLines(diagnostics: Diagnostic[]): string[] {
  const lines = diagnostics.filter((d) => d.severity === "error" && !d.ephemeral).map((d) => d.message.trim());
  return [...new Set(lines)].filter(Boolean);
}

/** An operation that failed; `result` holds the steps that ran, the diagnostics and the CLI's text. */
export class StackOperationError extends Error {
  constructor(
    readonly result: OperationResult,
    cause: string,
  ) {
    const errors = errorLines(result.diagnostics);
    super(`pulumi ${result.operation} failed: ${errors.length > 0 ? errors.join("\n") : cause}`);
    this.name = "StackOperationError";
  }
}
