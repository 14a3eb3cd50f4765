/**
 * Upgrades (issue 18 item 5). Each resource's state holds a shim that loads whatever version of the
 * package is installed when `refresh` or `destroy` runs, so this version decides how state made by
 * the previous release is read and deleted. The previous release (v0.1.0) makes a stack through the
 * real Pulumi CLI: one session per deletion policy and a teardown BulkRedaction. Then this version
 * is installed in its place, refreshes and destroys that state (without running the program), and
 * the emulator shows every policy did what the old state says.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TestStack } from "../../testing";
import { describeEngine } from "../helpers/pulumi-cli";
import { ensureBuilt, ROOT } from "../helpers/build";
import { installTarball, installThisVersion, linkModule, PREVIOUS_RELEASE, previousReleaseTarball } from "./previous-release";

jest.setTimeout(300_000);

interface StateResource {
  urn: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

describeEngine(`state made by ${PREVIOUS_RELEASE.tag}, refreshed and destroyed by this version`, (cli) => {
  let scratch: string;
  let stack: TestStack;

  beforeAll(async () => {
    ensureBuilt();
    const tarball = previousReleaseTarball();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "upgrade-"));
    const programDir = path.join(scratch, "program");
    fs.cpSync(path.join(__dirname, "fixture"), programDir, { recursive: true });
    linkModule(programDir, "@pulumi/pulumi", path.join(ROOT, "node_modules", "@pulumi", "pulumi"));
    installTarball(programDir, tarball);
    stack = await TestStack.create({ workDir: programDir, stackName: "upgrade", cliDir: cli.binDir });
  });
  afterAll(async () => {
    await stack?.dispose();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  test("the previous release's up, this version's refresh and destroy; each deletion policy as the old state says", async () => {
    const programDir = path.join(scratch, "program");
    // Sessions the app made, for the teardown policy (client_reference_id app-...), and one it must not touch.
    const { ids: appSessions } = await stack.control.seed({ apiKey: stack.apiKey, count: 2, clientReferenceIdPrefix: "app-" });
    const { ids: [otherSession] } = await stack.control.seed({ apiKey: stack.apiKey, count: 1, clientReferenceIdPrefix: "other-" });

    // 1. The previous release makes the stack.
    expect(fs.realpathSync(path.join(programDir, "node_modules", "pulumi-stripe-identity"))).not.toBe(ROOT);
    const up = await stack.up();
    expect(up.changes.map((s) => `${s.op} ${s.name}`).sort()).toEqual(
      ["create policy-cancel", "create policy-redact", "create policy-retain", "create teardown", "create teardown"].sort(),
    );
    const { cancelId, redactId, retainId } = up.outputs as Record<string, string>;
    const oldState = (await stack.exportState()).deployment as { resources: StateResource[] };
    const policies = Object.fromEntries(oldState.resources.filter((r) => r.id?.startsWith("vs_")).map((r) => [r.id, r.inputs?.deletionPolicy]));
    expect(policies).toEqual({ [cancelId]: "cancel", [redactId]: "redact", [retainId]: "retain" });

    // 2. Out of band, before the upgrade: the redact-policy session is verified (redact is the only way to clear it).
    await stack.verify(redactId);

    // 3. This version replaces the previous one where the program runs (as `npm install pulumi-stripe-identity@latest`).
    // The previous release's files are gone: whatever the old state's shim loads from here on is this checkout.
    installThisVersion(programDir);
    expect(fs.realpathSync(path.join(programDir, "node_modules", "pulumi-stripe-identity"))).toBe(fs.realpathSync(ROOT));

    // 4. refresh with this version reads the old state and records what Stripe holds.
    await stack.refresh();
    const refreshed = ((await stack.exportState()).deployment as { resources: StateResource[] }).resources;
    expect(refreshed.find((r) => r.id === redactId)?.outputs?.status).toBe("verified");
    expect(refreshed.find((r) => r.id === cancelId)?.outputs?.status).toBe("requires_input");

    // 5. destroy with this version, from state alone (the program does not run).
    const destroy = await stack.destroy();
    expect(destroy.changes.filter((s) => s.op === "delete").map((s) => s.name).sort()).toEqual(
      ["policy-cancel", "policy-redact", "policy-retain", "teardown", "teardown"].sort(),
    );
    const held = new Map((await stack.sessions()).map((s) => [s.id, s]));
    expect({ cancel: held.get(cancelId)?.status, redaction: held.get(cancelId)?.redaction }).toEqual({ cancel: "canceled", redaction: null });
    expect(held.get(redactId)?.redaction?.status).toBe("redacted");
    expect({ retain: held.get(retainId)?.status, redaction: held.get(retainId)?.redaction }).toEqual({ retain: "requires_input", redaction: null });
    for (const id of appSessions) expect({ id, redaction: held.get(id)?.redaction?.status }).toEqual({ id, redaction: "redacted" });
    expect(held.get(otherSession)?.redaction).toBeNull();
    expect(held.get(otherSession)?.status).toBe("requires_input");
    expect(((await stack.exportState()).deployment as { resources?: StateResource[] }).resources ?? []).toEqual([]);
  });
});
