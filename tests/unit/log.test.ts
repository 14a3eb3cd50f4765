import { engineAddressFromArgv } from "../../provider/log";

describe("engineAddressFromArgv: the engine's address, only inside Pulumi's dynamic-provider process", () => {
  const node = "/usr/bin/node";
  test.each([
    [[node, "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "127.0.0.1:40123"], "127.0.0.1:40123"],
    [[node, "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "localhost:9"], "localhost:9"],
    // The harness starts the provider with port 0: there is no engine to dial.
    [[node, "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "127.0.0.1:0"], undefined],
    [[node, "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider"], undefined],
    [[node, "/repo/dist/cli/bin.js", "127.0.0.1:40123"], undefined],
    [[node, "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "--flag"], undefined],
  ])("%j -> %s", (argv, expected) => {
    expect(engineAddressFromArgv(argv as string[])).toBe(expected);
  });
});
