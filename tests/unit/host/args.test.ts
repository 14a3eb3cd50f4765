// The language host's command line, parsed as Pulumi's Go host parses it (Go's flag package).
import { HostArgsError, parseHostArgs } from "../../../tools/pulumi-cli/host/args";

describe("parseHostArgs", () => {
  test.each([
    [["127.0.0.1:1"], { engineAddress: "127.0.0.1:1", tracing: "" }],
    [["--tracing", "tcp://127.0.0.1:9", "127.0.0.1:1"], { engineAddress: "127.0.0.1:1", tracing: "tcp://127.0.0.1:9" }],
    [["-tracing=tcp://x", "127.0.0.1:1"], { engineAddress: "127.0.0.1:1", tracing: "tcp://x" }],
    [["--logtostderr", "-v=9", "--tracing", "t", "127.0.0.1:1"], { engineAddress: "127.0.0.1:1", tracing: "t" }],
    [["-v", "3", "--root", "/project", "127.0.0.1:1"], { engineAddress: "127.0.0.1:1", tracing: "" }],
    [["--", "-odd-address"], { engineAddress: "-odd-address", tracing: "" }],
    // Parsing stops at the first argument that is not a flag: later dashes are not flags.
    [["127.0.0.1:1", "--tracing", "t"], { engineAddress: "127.0.0.1:1", tracing: "" }],
    [[], { engineAddress: "", tracing: "" }],
  ])("%j", (argv, expected) => {
    expect(parseHostArgs(argv)).toEqual({ ...expected, runtime: "nodejs", version: false });
  });

  test("--version, -version and -version=true ask for the version; -version=false does not", () => {
    expect(parseHostArgs(["--version"]).version).toBe(true);
    expect(parseHostArgs(["-version=true"]).version).toBe(true);
    expect(parseHostArgs(["-version=false", "a"]).version).toBe(false);
  });

  test.each([
    [["--bogus", "a"], "flag provided but not defined: -bogus"],
    [["--tracing"], "flag needs an argument: -tracing"],
    [["---x"], "bad flag syntax: ---x"],
    [["-=x"], "bad flag syntax: -=x"],
    [["-version=maybe"], 'invalid boolean value "maybe" for -version'],
    [["--runtime", "bun", "a"], "unsupported runtime: bun (this host runs programs with node only)"],
  ])("%j is refused: %s", (argv, message) => {
    expect(() => parseHostArgs(argv)).toThrow(new HostArgsError(message));
  });
});
