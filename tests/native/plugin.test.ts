/**
 * The plugin's protocol, served in-process and called as the engine calls it, against the real
 * emulator over HTTP: config checks naming the setting, check failures naming the field, preview
 * with no API call, secrets on the wire, the detailed diff, import, explicit providers for a
 * connected account, and log lines carrying the resource's URN.
 */
import { emptyProto, providerProto } from "../../native/proto";
import { SECRET_SIG, SIG_KEY } from "../../native/properties";
import { UNKNOWN } from "../../provider/values";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { PluginClient, startFakeEngine } from "./rpc-client";

const SESSION = "urn:pulumi:dev::shop::stripe-identity:index:VerificationSession::kyc";
const BULK = "urn:pulumi:dev::shop::stripe-identity:index:BulkRedaction::cleanup";
const Kind = providerProto.PropertyDiff.Kind;
const CONNECTED = "acct_1NativeTest";

describe("pulumi-resource-stripe-identity over gRPC", () => {
  let emulator: TestEmulator;
  let engine: Awaited<ReturnType<typeof startFakeEngine>>;
  let plugin: PluginClient;
  let key: string;
  const requests = async () => Object.values((await emulator.control.stats()).requests).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    emulator = await startTestEmulator({ connectedAccounts: [CONNECTED] });
    engine = await startFakeEngine();
    plugin = await PluginClient.start({ engineAddress: engine.address });
    key = emulator.newKey();
    await plugin.configure({ apiKey: key, apiBase: emulator.url });
  });
  afterAll(async () => {
    plugin?.shutdown();
    engine?.close();
    await emulator?.close();
  });

  test("CheckConfig names the setting and never echoes a key", async () => {
    expect(await plugin.checkConfig({ apiKey: key, apiBase: emulator.url })).toEqual([]);
    const badKey = await plugin.checkConfig({ apiKey: "pk_test_publishable_12345678" });
    expect(badKey).toEqual([{ property: "apiKey", reason: expect.stringContaining("not a Stripe secret or restricted key") }]);
    expect(badKey[0].reason).not.toContain("publishable_1234");
    expect(await plugin.checkConfig({ apiKey: key, apiBase: "ftp://x" })).toEqual([{ property: "apiBase", reason: expect.stringContaining("http or https URL") }]);
    expect(await plugin.checkConfig({ apiKey: key, maxNetworkRetries: 99 })).toEqual([{ property: "maxNetworkRetries", reason: expect.stringContaining("0 to 10") }]);
  });

  test("Configure refuses a bad setting, naming it", async () => {
    const other = await PluginClient.start();
    await expect(other.configure({ apiKey: key, stripeAccount: "acme" })).rejects.toThrow(/stripeAccount.*acct_/);
    other.shutdown();
  });

  test("Check names the field, fills defaults and the tag from the URN", async () => {
    const bad = await plugin.check(SESSION, { type: "document", options: { document: { allowedTypes: ["selfie"] } }, deletionPolicy: "shred" });
    expect(bad.failures.map((f) => f.property).sort()).toEqual(["deletionPolicy", "options.document.allowedTypes[0]"]);
    const good = await plugin.check(SESSION, { type: "document" });
    expect(good.failures).toEqual([]);
    expect(good.inputs).toMatchObject({ deletionPolicy: "cancel", pulumiTag: { project: "shop", stack: "dev", resource: "kyc" } });
    const bulk = await plugin.check(BULK, { filter: { status: ["requires_input"] }, action: "cancel" });
    expect(bulk.failures[0].property).toBe("filter");
  });

  test("preview creates nothing; create stores clientSecret and url as secrets", async () => {
    const before = await requests();
    const { inputs } = await plugin.check(SESSION, { type: "document", metadata: { team: "a" } });
    const preview = await plugin.create(SESSION, inputs, true);
    expect(preview).toMatchObject({ id: "", outputs: { status: UNKNOWN, clientSecret: { [SIG_KEY]: SECRET_SIG, value: UNKNOWN } } });
    expect(await requests()).toBe(before);

    const created = await plugin.create(SESSION, inputs);
    expect(created.id).toMatch(/^vs_/);
    expect(created.outputs.status).toBe("requires_input");
    expect(created.outputs.clientSecret).toEqual({ [SIG_KEY]: SECRET_SIG, value: expect.stringContaining("_secret_") });
    expect(created.outputs.url).toEqual({ [SIG_KEY]: SECRET_SIG, value: expect.any(String) });
    expect(created.outputs.lastError).toBeNull();
    const session = (await emulator.control.sessions(key)).find((s) => s.id === created.id);
    expect(session?.metadata).toMatchObject({ team: "a", pulumi_resource: "kyc" });
  });

  test("Diff: property-level changes, replace reasons, drift from outputs", async () => {
    const { inputs } = await plugin.check(SESSION, { type: "document", clientReferenceId: "u1", metadata: { team: "a" } });
    const state = { ...inputs, status: "requires_input", redactionStatus: null, livemode: false };
    const none = await plugin.diff(SESSION, "vs_1", state, inputs);
    expect(none.changes).toBe(providerProto.DiffResponse.DiffChanges.DIFF_NONE);

    const news = (await plugin.check(SESSION, { type: "document", clientReferenceId: "u2", metadata: { team: "b" }, deletionPolicy: "redact" })).inputs;
    const changed = await plugin.diff(SESSION, "vs_1", state, news);
    expect(changed.replaces).toEqual(["clientReferenceId"]);
    expect(changed.detailed).toEqual({
      clientReferenceId: { kind: Kind.UPDATE_REPLACE, input: true },
      metadata: { kind: Kind.UPDATE_REPLACE, input: true },
      deletionPolicy: { kind: Kind.UPDATE_REPLACE, input: true },
    });
    const update = await plugin.diff(SESSION, "vs_1", state, { ...inputs, metadata: { team: "b" } });
    expect(update).toMatchObject({ replaces: [], detailed: { metadata: { kind: Kind.UPDATE, input: true } } });

    engine.lines.length = 0;
    const drift = await plugin.diff(SESSION, "vs_1", { ...state, status: "canceled" }, inputs);
    expect(drift).toMatchObject({ replaces: ["status"], detailed: { status: { kind: Kind.UPDATE_REPLACE, input: false } } });
    await waitFor(() => engine.lines.length > 0);
    expect(engine.lines).toEqual([{ severity: 2, message: expect.stringContaining("canceled outside Pulumi"), urn: SESSION }]);
  });

  test("import: Read with no state returns inputs a program declares, without the provider's tag", async () => {
    const stripe = emulator.stripe(key);
    const existing = await stripe.identity.verificationSessions.create({ type: "id_number", client_reference_id: "user_7", metadata: { owner: "crm", pulumi_stack: "old" } });
    const read = await plugin.read("urn:pulumi:dev::shop::stripe-identity:index:VerificationSession::legacy", existing.id);
    expect(read.id).toBe(existing.id);
    expect(read.inputs).toEqual({ type: "id_number", clientReferenceId: "user_7", metadata: { owner: "crm" } });
    // Those inputs, checked as a program would declare them, diff as no change against the imported state.
    const checked = await plugin.check("urn:pulumi:dev::shop::stripe-identity:index:VerificationSession::legacy", read.inputs);
    const unwrap = (v: unknown) => (v && typeof v === "object" && SIG_KEY in v ? (v as unknown as { value: unknown }).value : v);
    const state = Object.fromEntries(Object.entries(read.outputs).map(([k, v]) => [k, unwrap(v)]));
    expect((await plugin.diff(SESSION, existing.id, state, checked.inputs)).changes).toBe(providerProto.DiffResponse.DiffChanges.DIFF_NONE);

    expect((await plugin.read(SESSION, "vs_doesnotexist123")).id).toBe("");
    await expect(plugin.read(BULK, "bulkredaction-1")).rejects.toThrow(/BulkRedaction cannot be imported: it is a policy/);
  });

  test("an explicit provider with stripeAccount creates in the connected account", async () => {
    const acct = await PluginClient.start();
    await acct.configure({ apiKey: key, apiBase: emulator.url, stripeAccount: CONNECTED });
    const { inputs } = await acct.check(SESSION, { type: "document" });
    const created = await acct.create(SESSION, inputs);
    expect(created.outputs.sessionAccount).toBe(CONNECTED);
    expect((await emulator.control.sessions(key, CONNECTED)).map((s) => s.id)).toContain(created.id);
    expect((await emulator.control.sessions(key)).map((s) => s.id)).not.toContain(created.id);
    // The platform's provider refuses to act on it, naming both accounts.
    const state = { ...created.outputs, clientSecret: null, url: null };
    await expect(plugin.delete(SESSION, created.id, state)).rejects.toThrow(/connected account acct_1NativeTest.*platform's own account/s);
    await acct.delete(SESSION, created.id, state);
    expect((await emulator.control.sessions(key, CONNECTED)).find((s) => s.id === created.id)?.status).toBe("canceled");
    acct.shutdown();
  });

  test("after Cancel, no new operation reaches Stripe", async () => {
    const cancelled = await PluginClient.start();
    await cancelled.configure({ apiKey: key, apiBase: emulator.url });
    const { inputs } = await cancelled.check(SESSION, { type: "document" });
    await cancelled.call("cancel", new emptyProto.Empty());
    const before = await requests();
    await expect(cancelled.create(SESSION, inputs)).rejects.toThrow(/cancelled this operation; nothing was sent to Stripe/);
    expect(await requests()).toBe(before);
    cancelled.shutdown();
  });

  test("an unknown type token is an error naming it", async () => {
    await expect(plugin.check("urn:pulumi:dev::shop::stripe-identity:index:Other::x", {})).rejects.toThrow(/unknown resource type "stripe-identity:index:Other"/);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  // Log lines are sent asynchronously; wait on the event, bounded by the test's timeout.
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
