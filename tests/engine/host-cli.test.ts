/**
 * The Node.js language host through the real CLI, where it once failed: `pulumi preview --tracing`
 * (the engine then starts hosts as `--tracing tcp://... <engine address>`), and a policy pack
 * that cannot start (the preview must fail with the reason, not wait forever).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeEngine, type PulumiStack } from "../helpers/pulumi-cli";
import { linkProgramModules } from "../../tools/link-program";

jest.setTimeout(300_000);

const FIXTURE = path.join(__dirname, "fixtures", "minimal");

describeEngine("the Node.js language host under the Pulumi CLI", (cli) => {
  let stack: PulumiStack;
  let root: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "engine-host-"));
    const program = path.join(root, "program");
    fs.cpSync(FIXTURE, program, { recursive: true });
    linkProgramModules(program);
    stack = cli.stack(program);
    await stack.init({});
  });

  afterAll(() => {
    stack?.remove();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("pulumi preview --tracing file:... runs the program and writes the trace", async () => {
    const trace = path.join(root, "preview.trace");
    const result = await stack.op("preview", ["--tracing", `file:${trace}`]);
    expect(result.output).toMatch(/greeting\s*:\s*"hello from the program"/);
    expect(result.code).toBe(0);
    expect(fs.statSync(trace).size).toBeGreaterThan(0);
  });

  test("a policy pack whose dependencies are not installed fails the preview with the reason", async () => {
    const pack = fs.mkdtempSync(path.join(os.tmpdir(), "uninstalled-pack-"));
    fs.writeFileSync(path.join(pack, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(path.join(pack, "package.json"), JSON.stringify({ name: "uninstalled-pack", dependencies: { "@pulumi/policy": "1.21.0" } }));
    fs.writeFileSync(path.join(pack, "index.js"), 'require("@pulumi/policy");\n');
    const result = await stack.op("preview", ["--policy-pack", pack]);
    fs.rmSync(pack, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/policy pack .*uninstalled-pack-.* failed to start/);
    expect(result.output).toMatch(/Pulumi SDK has not been installed\. Have you run npm install in .*uninstalled-pack-/);
  });
});
