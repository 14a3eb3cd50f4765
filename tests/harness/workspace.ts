/**
 * Test workspaces for harness tests: Pulumi programs copied to a temp folder (another absolute
 * path than the repo), with a node_modules that resolves exactly as an installed program's would.
 *
 * `linked` (tools/link-program.ts): node_modules/@pulumi/pulumi and node_modules/pulumi-stripe-identity
 * are symlinks to this repo's @pulumi/pulumi and to the repo itself (and its compiler and node types). Node resolves symlinks to real paths, so the
 * program's `require("@pulumi/pulumi")` and the package's own one land on the same file: one copy,
 * no install. `installed` (examples.test.ts) does a real `npm install` instead.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { linkProgramModules } from "../../tools/link-program";

export const REPO = path.resolve(__dirname, "..", "..");

export interface Workspace {
  root: string;
  /** Copies a program folder into the workspace under `name`; returns its path. */
  add(name: string, source: string): string;
  remove(): void;
}

export function workspace(prefix = "harness-"): Workspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    root,
    add(name, source) {
      const target = path.join(root, name);
      fs.cpSync(source, target, {
        recursive: true,
        filter: (src) => !/[\\/](node_modules|\.harness-state)$/.test(src),
      });
      return target;
    },
    remove() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A workspace whose node_modules links this repo's @pulumi/pulumi and the package itself. */
export function linkedWorkspace(prefix?: string): Workspace {
  const ws = workspace(prefix);
  linkProgramModules(ws.root);
  return ws;
}

/** The provider calls the notes fixture recorded, in order. */
export function noteCalls(dataDir: string): { op: string; id: string }[] {
  const file = path.join(dataDir, "calls.log");
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { op: string; id: string });
}
