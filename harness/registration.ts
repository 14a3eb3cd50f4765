/**
 * What the program registers, as the engine sees it, and how it becomes a URN and a state entry.
 */
import type { ResourceState } from "./state";
import type { JsonObject } from "./types";

export const DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** `pulumi-nodejs:dynamic:Resource`, or `pulumi-nodejs:dynamic/<module>:<type>` when the resource names its type. */
export function isDynamic(type: string): boolean {
  return type === DYNAMIC_TYPE || type.startsWith("pulumi-nodejs:dynamic/");
}

export interface Registration {
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  inputs: JsonObject;
  dependencies: string[];
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  additionalSecretOutputs: string[];
  ignoreChanges: string[];
  replaceOnChanges: string[];
}

/** The engine qualifies a child's type with its parent's, except under the root stack. */
export function urnOf(stack: string, project: string, type: string, name: string, parent: string): string {
  let qualified = type;
  if (parent) {
    const parentType = parent.split("::")[2];
    if (parentType !== STACK_TYPE) qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export function stateEntry(urn: string, reg: Registration, values: Partial<ResourceState>): ResourceState {
  return {
    urn,
    type: reg.type,
    name: reg.name,
    custom: reg.custom,
    parent: reg.parent || undefined,
    inputs: {},
    outputs: {},
    dependencies: reg.dependencies,
    protect: reg.protect || undefined,
    retainOnDelete: reg.retainOnDelete || undefined,
    deleteBeforeReplace: reg.deleteBeforeReplace || undefined,
    additionalSecretOutputs: reg.additionalSecretOutputs.length > 0 ? reg.additionalSecretOutputs : undefined,
    ...values,
  };
}
