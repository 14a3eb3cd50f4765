#!/usr/bin/env node
// `npm pack` / `npm publish` (prepack, postpack): the tarball's package.json carries no install-time
// script. `prepare` builds dist/ for a git or `file:` install of this folder, but in a tarball npm 11
// reports it as an unapproved install script, and a tarball has nothing to build. So prepack takes
// those scripts out of package.json (npm reads the manifest it packs after prepack) and postpack
// puts the file back byte for byte. A pack that died in between is repaired by the next one.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const manifest = path.join(root, "package.json");
const saved = path.join(root, "package.json.prepack");
/** npm runs these when the package is installed (or, for prepare, built from a git or folder source). */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare"];

function writeAtomically(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function restore() {
  if (fs.existsSync(saved)) fs.renameSync(saved, manifest);
}

/** A backup left by a pack that died: put it back if package.json is still the stripped copy; drop it if package.json was edited since. */
function repairInterruptedPack() {
  if (!fs.existsSync(saved)) return;
  const current = JSON.parse(fs.readFileSync(manifest, "utf8"));
  const stillStripped = !INSTALL_SCRIPTS.some((name) => current.scripts && name in current.scripts);
  if (stillStripped) restore();
  else fs.rmSync(saved);
}

const mode = process.argv[2];
if (mode === "strip") {
  repairInterruptedPack();
  const text = fs.readFileSync(manifest, "utf8");
  const pkg = JSON.parse(text);
  const removed = INSTALL_SCRIPTS.filter((name) => pkg.scripts && name in pkg.scripts);
  for (const name of removed) delete pkg.scripts[name];
  fs.writeFileSync(saved, text);
  writeAtomically(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
  if (removed.length > 0) console.error(`pulumi-stripe-identity: the tarball's package.json leaves out ${removed.join(", ")} (install-time scripts)`);
} else if (mode === "restore") {
  restore();
} else {
  console.error("usage: pack-manifest.js strip|restore");
  process.exit(2);
}
