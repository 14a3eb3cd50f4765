import * as fs from "node:fs";
import * as path from "node:path";

/** This package's version (the plugin's and the schema's), from the package.json above this file. */
export function packageVersion(): string {
  // native/ (tsx) and dist/native/ (built) sit at different depths: look upwards.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (manifest.name === "pulumi-stripe-identity" && manifest.version) return manifest.version;
  }
  throw new Error("pulumi-resource-stripe-identity: cannot find the package.json of pulumi-stripe-identity");
}
