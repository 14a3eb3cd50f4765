/**
 * The SDKs under sdk/ are what `npm run sdk:generate` makes from schema.json today (regenerated
 * into a temp folder and compared file by file), and each compiles: tsc for nodejs, pip install
 * plus an import and a mypy check of a program (and of a mistake mypy must reject) for python,
 * go build for go. Warm caches make this ~30 s; a cold Go build cache costs minutes (see the report).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateSdks, LANGUAGES } from "../../tools/codegen/generate";
import { ROOT } from "../helpers/build";
import { has, pythonEnv, required, run } from "./toolchains";

jest.setTimeout(600_000);

function files(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full, base) : [path.relative(base, full)];
  });
}

const SDK = path.join(ROOT, "sdk");
const goThere = has("go", ["version"]);
const pythonThere = has("python3");
/** Without the toolchain: skipped with a one-line title, except where required (CI), where it fails. */
const needs = (ok: boolean) => (ok || required() ? test : test.skip);

needs(goThere)(goThere ? "sdk/ is what the generators make from schema.json (run `npm run sdk:generate`)" : "SDK regeneration skipped: Go is not installed", () => {
  if (!goThere) throw new Error("Go is required here to regenerate the SDKs");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "native-sdk-"));
  try {
    generateSdks(out);
    for (const language of LANGUAGES) {
      const committed = files(path.join(SDK, language)).sort();
      expect(files(path.join(out, language)).sort()).toEqual(committed);
      for (const file of committed) {
        expect({ file, text: fs.readFileSync(path.join(out, language, file), "utf8") }).toEqual({ file, text: fs.readFileSync(path.join(SDK, language, file), "utf8") });
      }
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("sdk/nodejs compiles with tsc", () => {
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const result = run(process.execPath, [tsc, "-p", path.join(SDK, "nodejs", "tsconfig.json"), "--noEmit"], ROOT);
  expect(result).toEqual({ code: 0, output: "" });
});

needs(goThere)(goThere ? "sdk/go builds" : "sdk/go build skipped: Go is not installed", () => {
  if (!goThere) throw new Error("Go is required here to build sdk/go");
  const result = run("go", ["build", "./..."], path.join(SDK, "go"), { CGO_ENABLED: "0", GOFLAGS: "-mod=mod" });
  expect(result).toEqual({ code: 0, output: "" });
});

needs(pythonThere)(pythonThere ? "sdk/python installs with pip, imports, and types a program under mypy" : "sdk/python check skipped: python3 is not installed", () => {
  if (!pythonThere) throw new Error("python3 is required here to check sdk/python");
  const python = pythonEnv();
  // Installed from a copy: a build in place would leave build/ and *.egg-info in sdk/python.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "native-pysdk-"));
  try {
    fs.cpSync(path.join(SDK, "python"), copy, { recursive: true });
    const install = run(python, ["-m", "pip", "install", "-q", "--no-build-isolation", "--force-reinstall", "--no-deps", copy], ROOT);
    expect(install).toMatchObject({ code: 0 });
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
  const imported = run(python, ["-c", "import pulumi_stripe_identity as s; print(s.DeletionPolicy.REDACT.value, s.VerificationSession.__name__)"], ROOT);
  expect(imported).toEqual({ code: 0, output: "redact VerificationSession\n" });
  const fixtures = path.join(ROOT, "tests", "native", "fixtures", "python");
  const mypy = (file: string) => run(python, ["-m", "mypy", "--strict", "--no-incremental", path.join(fixtures, file)], fixtures);
  expect(mypy("typed_program.py")).toMatchObject({ code: 0 });
  const mistake = mypy("mistyped_program.py");
  expect(mistake.code).toBe(1);
  expect(mistake.output).toMatch(/mistyped_program.py:4: error: No overload variant of "VerificationSession" matches argument types "str", "str"/);
});
