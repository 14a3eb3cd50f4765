// A program folder whose node_modules resolves like an installed program's, without `npm install`:
// links to this repo's @pulumi/pulumi (one copy: the package's own require lands on the same real
// path), the package itself, and the compiler and node types Pulumi's ts-node type-checks with.
import * as fs from "fs";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..");

export function linkProgramModules(dir: string): void {
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(path.join(modules, "@pulumi"), { recursive: true });
  fs.mkdirSync(path.join(modules, "@types"), { recursive: true });
  const link = (from: string, to: string) => fs.symlinkSync(fs.realpathSync(from), path.join(modules, to), "dir");
  link(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"), path.join("@pulumi", "pulumi"));
  link(path.join(REPO_ROOT, "node_modules", "typescript"), "typescript");
  link(path.join(REPO_ROOT, "node_modules", "@types", "node"), path.join("@types", "node"));
  fs.symlinkSync(REPO_ROOT, path.join(modules, "pulumi-stripe-identity"), "dir");
}
