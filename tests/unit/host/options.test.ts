// Runtime options and nodeargs, checked and split as Pulumi's host does (github.com/google/shlex).
import { OptionsError, parseRuntimeOptions, splitShellWords, typescriptEnv } from "../../../tools/pulumi-cli/host/options";

describe("splitShellWords", () => {
  test.each([
    ["", []],
    ["  --inspect   --no-warnings\t", ["--inspect", "--no-warnings"]],
    ["--title 'pulumi program'", ["--title", "pulumi program"]],
    ['--require "./set up.js"', ["--require", "./set up.js"]],
    ['"a \\"quoted\\" word"', ['a "quoted" word']],
    ["'no \\escape in single'", ["no \\escape in single"]],
    ["a\\ b c", ["a b", "c"]],
    ["pre'fix'\"ed\"", ["prefixed"]],
    ["''", [""]],
    ["--x # a comment\n--y", ["--x", "--y"]],
    ["a#b", ["a#b"]],
    ["$HOME | cat", ["$HOME", "|", "cat"]],
  ])("%j", (text, words) => {
    expect(splitShellWords(text)).toEqual(words);
  });

  test.each([["'open"], ['"open'], ["trailing\\"]])("%j is an error, not a guess", (text) => {
    expect(() => splitShellWords(text)).toThrow(OptionsError);
  });
});

describe("parseRuntimeOptions", () => {
  test("defaults: TypeScript on, no tsconfig, no node args, auto package manager", () => {
    expect(parseRuntimeOptions({})).toEqual({ typescript: true, tsconfig: undefined, nodeArgs: [], packageManager: "auto" });
  });

  test.each(["auto", "npm", "yarn", "pnpm", "bun"])("packagemanager %s is accepted", (name) => {
    expect(parseRuntimeOptions({ packagemanager: name }).packageManager).toBe(name);
  });

  test.each([
    [{ typescript: "yes" }, "typescript option must be a boolean"],
    [{ tsconfig: 1 }, "tsconfigpath option must be a string"],
    [{ nodeargs: ["--x"] }, "nodeargs option must be a string"],
    [{ packagemanager: 3 }, "packagemanager option must be a string"],
    [{ packagemanager: "cargo" }, 'packagemanager option must be one of auto, npm, yarn, pnpm or bun, got "cargo"'],
  ])("%j is refused: %s", (options, message) => {
    expect(() => parseRuntimeOptions(options)).toThrow(new OptionsError(message));
  });

  test("the environment of ts-node follows typescript and tsconfig", () => {
    expect(typescriptEnv(parseRuntimeOptions({ tsconfig: "tsconfig.build.json" }))).toEqual({
      PULUMI_NODEJS_TYPESCRIPT: "true",
      PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.build.json",
    });
    expect(typescriptEnv(parseRuntimeOptions({ typescript: false }))).toEqual({});
  });
});
