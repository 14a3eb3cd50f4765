#!/usr/bin/env node
// `npm run prepare` (after `npm ci`, and when npm packs this folder for a "file:" dependency): build
// dist/. Packing for an example's `npm install` runs this without the repo's devDependencies, so
// without TypeScript it packs the dist/ already built, or says what to run instead of `tsc: not found`.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
} catch {
  tsc = undefined;
}
if (tsc) {
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
if (fs.existsSync(path.join(root, "dist", "sdk", "index.js"))) {
  console.error("pulumi-stripe-identity: TypeScript is not installed here; using the dist/ already built");
  process.exit(0);
}
console.error(
  `pulumi-stripe-identity: dist/ is not built and TypeScript is not installed in ${root}.\n` +
    `Run \`npm ci\` there first (it installs TypeScript and builds dist/), then run this install again.`,
);
process.exit(1);
