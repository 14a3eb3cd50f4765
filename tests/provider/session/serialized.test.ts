/**
 * The `__provider` text, produced as Pulumi produces it (the resource class under setMocks, which
 * runs pulumi.runtime's closure serializer) and loaded as Pulumi's dynamic-provider process loads
 * it (require-from-string, `.handler()`), from a folder where the package is only reachable by name.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { VerificationSession } from "../../../sdk/VerificationSession";
import { ensureBuilt } from "../../helpers/build";
import { loadSerializedProvider, programFolder, type ProgramFolder } from "../../helpers/serialized";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";

async function serializedProvider(): Promise<{ text: string; type: string; secretOutputs: string[] }> {
  let captured: { text: string; type: string } | undefined;
  let secretOutputs: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        captured = { text: args.inputs.__provider as string, type: args.type };
        return { id: "vs_mock", state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "proj",
    "dev",
  );
  // A transformation sees the options the class registers with (mocks do not model secret outputs).
  const spy: pulumi.ResourceTransformation = (args) => {
    secretOutputs = (args.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? [];
    return undefined;
  };
  const resource = new VerificationSession("kyc", { type: "document", metadata: { team: "kyc" } }, { transformations: [spy], additionalSecretOutputs: ["metadata"] });
  await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
  if (!captured) throw new Error("newResource was not called");
  return { ...captured, secretOutputs };
}

let emulator: TestEmulator;
let program: ProgramFolder;
beforeAll(async () => {
  ensureBuilt();
  emulator = await startTestEmulator();
  program = programFolder("psi-program-");
}, 120_000);
afterAll(async () => {
  await emulator.close();
  program.remove();
});

describe("serialized provider", () => {
  it("is small, keyless, typed as stripe-identity:VerificationSession, and runs create against the emulator", async () => {
    const { text, type, secretOutputs } = await serializedProvider();
    expect(secretOutputs.sort()).toEqual(["clientSecret", "metadata", "url"]);
    expect(type).toBe("pulumi-nodejs:dynamic/stripe-identity:VerificationSession");
    expect(Buffer.byteLength(text)).toBeLessThan(3 * 1024);
    expect(text).not.toMatch(/sk_(test|live)_|rk_(test|live)_/);
    expect(text).toContain('require("pulumi-stripe-identity/provider/entry")');

    const key = emulator.newKey();
    const provider = await loadSerializedProvider(text, program, { "stripe-identity:apiKey": key, "stripe-identity:apiBase": emulator.url });
    const checked = await provider.check!({}, { type: "document", pulumiTag: { project: "proj", stack: "dev", resource: "kyc" } });
    const created = await provider.create(checked.inputs);
    expect(created.id).toMatch(/^vs_/);
    expect(created.outs).toMatchObject({ status: "requires_input", livemode: false });
    const [stored] = await emulator.control.sessions(key);
    expect(stored).toMatchObject({ id: created.id, metadata: { pulumi_project: "proj", pulumi_stack: "dev", pulumi_resource: "kyc" } });
    await provider.delete!(created.id, created.outs);
    expect((await emulator.control.sessions(key))[0].status).toBe("canceled");
  });

  it("says how to install the package when the program folder does not have it", async () => {
    const { text } = await serializedProvider();
    const empty = mkdtempSync(join(tmpdir(), "psi-empty-"));
    try {
      writeFileSync(join(empty, "provider.txt"), text);
      // The dynamic-provider process evaluates the text with filename '': resolution starts at its cwd.
      const script = `
        const text = require("fs").readFileSync("provider.txt", "utf8");
        const provider = require(${JSON.stringify(require.resolve("require-from-string"))})(text).handler();
        provider.check({}, { type: "document" }).then(() => console.log("loaded"), (e) => console.log(e.message));`;
      const output = execFileSync(process.execPath, ["-e", script], { cwd: empty, encoding: "utf8" });
      expect(output).toMatch(/pulumi-stripe-identity is not installed where this Pulumi program runs \(.*psi-empty-.*\)\. Run `npm install pulumi-stripe-identity`/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
