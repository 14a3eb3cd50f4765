/**
 * BulkRedaction as Pulumi registers it: a component holding one dynamic resource whose
 * `__provider` text is small, keyless, and works when loaded the way Pulumi's dynamic-provider
 * process loads it, from a program folder that has the package only by name.
 */
import * as pulumi from "@pulumi/pulumi";
import { BulkRedaction } from "../../../sdk/BulkRedaction";
import { ensureBuilt } from "../../helpers/build";
import { loadSerializedProvider, programFolder, type ProgramFolder } from "../../helpers/serialized";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  parent?: string;
}

async function register(): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, matched: 3, redacted: 2, skipped: 1, canceled: 0, failed: 0, lastRunAt: "2026-01-01T00:00:00.000Z" } };
      },
      call: (args) => args.inputs,
    },
    "proj",
    "dev",
  );
  const component = new BulkRedaction("cleanup", {
    filter: { status: ["requires_input"], createdBefore: "7d", metadata: { app: pulumi.output("shop") } },
    action: "cancel",
    runOn: ["create", "update"],
  });
  const matched = await new Promise<number>((resolve) => component.matched.apply(resolve));
  expect(matched).toBe(3);
  return registered;
}

let emulator: TestEmulator;
let program: ProgramFolder;
beforeAll(async () => {
  ensureBuilt();
  emulator = await startTestEmulator();
  program = programFolder("psi-bulk-program-");
}, 120_000);
afterAll(async () => {
  await emulator.close();
  program.remove();
});

describe("BulkRedaction registration and serialized provider", () => {
  it("is a stripe-identity:index:BulkRedaction component with one small, keyless dynamic resource that runs the sweep", async () => {
    const registered = await register();
    expect(registered.map((r) => r.type)).toEqual(["stripe-identity:index:BulkRedaction", "pulumi-nodejs:dynamic/stripe-identity:BulkRedactionRun"]);
    const run = registered[1];
    expect(run.inputs).toMatchObject({ action: "cancel", __resourceName: "cleanup", filter: { metadata: { app: "shop" } } });
    const text = run.inputs.__provider as string;
    expect(Buffer.byteLength(text)).toBeLessThan(3 * 1024);
    expect(text).not.toMatch(/sk_(test|live)_|rk_(test|live)_/);
    expect(text).toContain('require("pulumi-stripe-identity/provider/entry")');

    const key = emulator.newKey();
    const now = Math.floor(Date.now() / 1000);
    await emulator.control.seed({ apiKey: key, count: 12, created: { from: now - 30 * 86_400, to: now - 8 * 86_400 }, metadata: { app: "shop" } });
    const provider = await loadSerializedProvider(text, program, { "stripe-identity:apiKey": key, "stripe-identity:apiBase": emulator.url });
    const inputs: Record<string, unknown> = { ...run.inputs, requestsPerSecond: 500, endpointRequestsPerSecond: 500 };
    delete inputs.__provider;
    const checked = await provider.check!({}, inputs);
    expect(checked.failures ?? []).toEqual([]);
    // Outside an engine, the provider's lines go through pulumi.log, which prints them: keep them
    // for the assertion below rather than in the test run's output.
    const printed: string[] = [];
    const print = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    const created = await provider.create(checked.inputs).finally(() => print.mockRestore());
    expect(printed.join("")).toMatch(/BulkRedaction cleanup \(create\): matched 12; canceled 12/);
    expect(created.outs).toMatchObject({ matched: 12, canceled: 12, failed: 0 });
    expect(JSON.stringify(created.outs)).not.toContain(key);
    expect((await emulator.control.sessions(key)).every((s) => s.status === "canceled")).toBe(true);
  });
});
