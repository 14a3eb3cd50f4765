/**
 * Loading a `__provider` text the way Pulumi's dynamic-provider process does (require-from-string,
 * `.handler()`, then `configure`), from a user's program folder where the package is reachable
 * only by name through node_modules.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { ROOT } from "./build";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string, opts?: { prependPaths?: string[] }) => { handler(): pulumi.dynamic.ResourceProvider };

export interface ProgramFolder {
  folder: string;
  remove(): void;
}

/** A temp program folder whose node_modules has this package (a link to the checkout), nothing else. */
export function programFolder(prefix: string): ProgramFolder {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(folder, "node_modules"));
  symlinkSync(ROOT, join(folder, "node_modules", "pulumi-stripe-identity"), "dir");
  return { folder, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/** Evaluates the serialized provider in `program` and configures it with stack config values. */
export async function loadSerializedProvider(text: string, program: ProgramFolder, config: Record<string, string>): Promise<pulumi.dynamic.ResourceProvider> {
  const provider = requireFromString(text, { prependPaths: [join(program.folder, "node_modules")] }).handler();
  await provider.configure!({ config: { get: (k) => config[k], require: (k) => config[k] } });
  return provider;
}
