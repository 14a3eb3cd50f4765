import { ModeMismatchError, UserInputError } from "../../../provider/errors";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { bindProvider, callsDuring, createSession, CANCEL, CREATE, REDACT, RETRIEVE, UPDATE } from "./fixture";

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());

const FULL = {
  type: "document",
  options: { document: { allowedTypes: ["passport", "id_card"], requireIdNumber: true, requireLiveCapture: true, requireMatchingSelfie: true } },
  providedDetails: { email: "jenny@example.com", phone: "+15555550100" },
  metadata: { team: "kyc" },
  clientReferenceId: "user_42",
  relatedCustomer: "cus_123",
  returnUrl: "https://example.com/done",
  pulumiTag: { project: "proj", stack: "dev", resource: "kyc" },
};

describe("create", () => {
  it("creates with every parameter in one call; outputs carry inputs, tag stays out of the outputs", async () => {
    const bound = bindProvider(emulator);
    let result: { id: string; state: Record<string, unknown> } | undefined;
    const calls = await callsDuring(emulator, async () => {
      result = await createSession(bound, FULL);
    });
    expect(calls).toEqual({ [CREATE]: 1 });
    const { id, state } = result!;
    expect(id).toMatch(/^vs_/);
    // The tag is stored under a `__` key: Pulumi never shows it in a diff.
    const { pulumiTag, ...visible } = FULL;
    expect(state).not.toHaveProperty("pulumiTag");
    expect(state).toMatchObject({ ...visible, __pulumiTag: pulumiTag, status: "requires_input", type: "document", livemode: false, redactionStatus: null, lastError: null, deletionPolicy: "cancel" });
    expect(state.clientSecret).toEqual(expect.any(String));
    expect(state.url).toEqual(expect.any(String));
    expect(JSON.stringify(state)).not.toContain(bound.key);
    const [stored] = await emulator.control.sessions(bound.key);
    expect(stored.metadata).toEqual({ team: "kyc", pulumi_project: "proj", pulumi_stack: "dev", pulumi_resource: "kyc" });
    expect(stored.client_reference_id).toBe("user_42");
  });

  it("omits the tag when tagMetadata is false, and supports verificationFlow sessions", async () => {
    const bound = bindProvider(emulator);
    const { state } = await createSession(bound, { verificationFlow: "vf_123", tagMetadata: false, pulumiTag: FULL.pulumiTag });
    expect(state.type).toBe("verification_flow");
    expect((await emulator.control.sessions(bound.key))[0].metadata).toEqual({});
    // The API's type is ignored by the diff when the input leaves it unset.
    expect(await bound.provider.diff("vs_x", state, { verificationFlow: "vf_123", tagMetadata: false })).toMatchObject({ changes: false });
  });

  it("never duplicates a session when responses are lost (one idempotency key per create, reused by retries)", async () => {
    const bound = bindProvider(emulator);
    await emulator.control.config({ faults: { lostResponseRate: 0.5 }, seed: 7 });
    try {
      for (let i = 0; i < 10; i++) await createSession(bound, { type: "document", clientReferenceId: `lost_${i}` });
    } finally {
      await emulator.control.config({ faults: { lostResponseRate: 0 }, seed: null });
    }
    const stored = await emulator.control.sessions(bound.key);
    expect(stored.map((s) => s.client_reference_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `lost_${i}`).sort());
    expect((await emulator.control.stats()).faults).toBeGreaterThan(0);
  });

  it("refuses bad args with a field-named error and calls nothing", async () => {
    const bound = bindProvider(emulator);
    const calls = await callsDuring(emulator, async () => {
      await expect(bound.provider.create({ type: "selfie" })).rejects.toThrow(UserInputError);
    });
    expect(calls).toEqual({});
  });
});

describe("read and update", () => {
  it("read: one call, outputs refreshed; inputs kept (returnUrl is never returned by the API)", async () => {
    const bound = bindProvider(emulator);
    const { id, state } = await createSession(bound, FULL);
    let read: Awaited<ReturnType<typeof bound.provider.read>> | undefined;
    expect(await callsDuring(emulator, async () => (read = await bound.provider.read(id, state)))).toEqual({ [RETRIEVE]: 1 });
    expect(read).toEqual({ id, props: state });
  });

  it("update: one call for a changed updatable field, zero for lifecycle-only changes", async () => {
    const bound = bindProvider(emulator);
    const { id, state } = await createSession(bound, FULL);
    const news = { ...(await bound.provider.check(state, { ...FULL, metadata: { team: "risk" } })).inputs };
    expect(await bound.provider.diff(id, state, news)).toMatchObject({ changes: true, replaces: [] });
    let outs: Record<string, unknown> = {};
    expect(await callsDuring(emulator, async () => (outs = (await bound.provider.update(id, state, news)).outs))).toEqual({ [UPDATE]: 1 });
    expect(outs.metadata).toEqual({ team: "risk" });
    // The tag survives a metadata update; the removed key is gone.
    expect((await emulator.control.sessions(bound.key))[0].metadata).toEqual({ team: "risk", pulumi_project: "proj", pulumi_stack: "dev", pulumi_resource: "kyc" });

    const lifecycle = { ...news, deletionPolicy: "redact", processingTimeoutSeconds: 30 };
    expect(await bound.provider.diff(id, outs, lifecycle)).toMatchObject({ changes: true, replaces: [] });
    let after: Record<string, unknown> = {};
    expect(await callsDuring(emulator, async () => (after = (await bound.provider.update(id, outs, lifecycle)).outs))).toEqual({});
    expect(after).toMatchObject({ deletionPolicy: "redact", processingTimeoutSeconds: 30, status: "requires_input", clientSecret: outs.clientSecret });
  });

  it("diff makes no API calls", async () => {
    const bound = bindProvider(emulator);
    const { id, state } = await createSession(bound, FULL);
    expect(await callsDuring(emulator, () => bound.provider.diff(id, state, { ...FULL, clientReferenceId: "other" }))).toEqual({});
  });
});

describe("drift seen by refresh", () => {
  async function refreshed(mutate: (id: string, bound: ReturnType<typeof bindProvider>) => Promise<void>) {
    const bound = bindProvider(emulator);
    const { id, state } = await createSession(bound, FULL);
    await mutate(id, bound);
    const read = await bound.provider.read(id, state);
    const inputs = (await bound.provider.check(state, FULL)).inputs;
    // A refresh diffs right after its read; the next diff is an up's.
    const refreshDiff = await bound.provider.diff(id, read.props, inputs);
    const diff = await bound.provider.diff(id, read.props, inputs);
    return { read, diff, refreshDiff, bound };
  }

  it("canceled outside Pulumi: status in outputs, replace", async () => {
    const { read, diff } = await refreshed((id, b) => emulator.stripe(b.key).identity.verificationSessions.cancel(id).then(() => undefined));
    expect(read.props).toMatchObject({ status: "canceled" });
    expect(diff).toMatchObject({ changes: true, replaces: ["status"] });
  });

  it("redacted outside Pulumi: redactionStatus in outputs, replace", async () => {
    const { read, diff } = await refreshed((id, b) => emulator.stripe(b.key).identity.verificationSessions.redact(id).then(() => undefined));
    expect(read.props).toMatchObject({ redactionStatus: expect.stringMatching(/processing|redacted/) });
    expect(diff.replaces?.length).toBe(1);
  });

  it("verified outside Pulumi: new status in the outputs, shown by refresh, no change for up; report id recorded", async () => {
    const { read, diff, refreshDiff } = await refreshed(async (id) => {
      await emulator.control.transition(id, "processing");
      await emulator.control.transition(id, "verified");
    });
    expect(read.props).toMatchObject({ status: "verified", lastVerificationReport: { id: expect.stringMatching(/^vr_/) } });
    expect(JSON.stringify(read.props)).not.toMatch(/verified_outputs|first_name|dob/);
    // refresh --diff shows the status that moved; the up after it has nothing to do.
    expect(refreshDiff).toMatchObject({ changes: true, replaces: [] });
    expect(diff).toMatchObject({ changes: false });
  });

  it("failed check (requires_input with lastError): no change for up, lastError in the outputs", async () => {
    const { read, diff, refreshDiff } = await refreshed(async (id) => {
      await emulator.control.transition(id, "processing");
      await emulator.control.transition(id, "requires_input", { code: "document_expired", reason: "expired" });
    });
    expect(read.props).toMatchObject({ status: "requires_input", lastError: { code: "document_expired", reason: "expired" } });
    expect(refreshDiff).toMatchObject({ changes: true });
    expect(diff).toMatchObject({ changes: false });
  });

  it("includeReportSummary reads per-check statuses through expand, still one call, no personal data", async () => {
    const bound = bindProvider(emulator);
    const { id, state } = await createSession(bound, { ...FULL, includeReportSummary: true });
    await emulator.control.transition(id, "processing");
    await emulator.control.transition(id, "verified");
    let read: Awaited<ReturnType<typeof bound.provider.read>> | undefined;
    expect(await callsDuring(emulator, async () => (read = await bound.provider.read(id, state)))).toEqual({ [RETRIEVE]: 1 });
    const summary = read?.props?.lastVerificationReport as { id: string; checks: Record<string, string | null> };
    expect(summary.id).toMatch(/^vr_/);
    expect(Object.keys(summary.checks).sort()).toEqual(["document", "email", "idNumber", "phone", "selfie"]);
    expect(summary.checks).toMatchObject({ document: "verified", selfie: "verified", idNumber: "verified" });
    for (const value of Object.values(summary.checks)) expect([null, "verified", "unverified"]).toContain(value);
    expect(JSON.stringify(read?.props)).not.toMatch(/first_name|last_name|dob|address|files|issuing_country/);
  });
});

describe("adopt, 404, mode mismatch", () => {
  it("adopts an existing session (one retrieve), then manages it", async () => {
    const bound = bindProvider(emulator);
    const existing = await emulator.stripe(bound.key).identity.verificationSessions.create({ type: "document", client_reference_id: "old_1" });
    let created: { id: string; outs?: Record<string, unknown> } | undefined;
    const calls = await callsDuring(emulator, async () => {
      created = await bound.provider.create((await bound.provider.check({}, { adoptSessionId: existing.id, clientReferenceId: "old_1" })).inputs);
    });
    expect(calls).toEqual({ [RETRIEVE]: 1 });
    expect(created).toMatchObject({ id: existing.id, outs: { status: "requires_input", type: "document", adoptSessionId: existing.id } });
    // The up says it adopted, with the id (pulumi import does not work for dynamic resources).
    expect(bound.logs).toContainEqual({ level: "info", message: expect.stringMatching(new RegExp(`adopted existing session ${existing.id} \\(adoptSessionId; requires_input\\)`)) });
    // Updatable args given at adopt are applied (one update).
    const withMeta = await callsDuring(emulator, () => bound.provider.create({ adoptSessionId: existing.id, metadata: { owner: "pulumi" } }));
    expect(withMeta).toEqual({ [RETRIEVE]: 1, [UPDATE]: 1 });
    expect((await emulator.control.sessions(bound.key))[0].metadata).toEqual({ owner: "pulumi" });
  });

  it("refuses to adopt with conflicting create-only args, or a session this key cannot see", async () => {
    const bound = bindProvider(emulator);
    const existing = await emulator.stripe(bound.key).identity.verificationSessions.create({ type: "document", client_reference_id: "old_1" });
    await expect(bound.provider.create({ adoptSessionId: existing.id, clientReferenceId: "new" })).rejects.toThrow(/create-only fields \(clientReferenceId\)/);
    await expect(bindProvider(emulator, "live").provider.create({ adoptSessionId: existing.id })).rejects.toThrow(/no VerificationSession vs_\w+ is visible to this live-mode key/);
  });

  it("read of a session gone in the key's own mode returns an empty id; delete counts it done", async () => {
    const bound = bindProvider(emulator);
    const { state } = await createSession(bound, FULL);
    expect(await bound.provider.read("vs_doesnotexist", state)).toEqual({ id: "" });
    await bound.provider.delete("vs_doesnotexist", state);
    expect(bound.logs).toEqual([{ level: "info", message: expect.stringMatching(/vs_doesnotexist.*404/) }]);
  });

  it("mode mismatch (live state, test key and the reverse) fails read, update and delete, naming both modes, with no call", async () => {
    const bound = bindProvider(emulator);
    const { id, state } = await createSession(bound, FULL);
    const liveState = { ...state, livemode: true };
    const calls = await callsDuring(emulator, async () => {
      await expect(bound.provider.read(id, liveState)).rejects.toThrow(ModeMismatchError);
      await expect(bound.provider.read(id, liveState)).rejects.toThrow(/created in live mode but the configured key is a test-mode key/);
      await expect(bound.provider.update(id, liveState, { ...FULL, metadata: { a: "b" } })).rejects.toThrow(/live mode.*test-mode/);
      await expect(bound.provider.delete(id, liveState)).rejects.toThrow(/live mode.*test-mode/);
      const live = bindProvider(emulator, "live");
      await expect(live.provider.delete(id, state)).rejects.toThrow(/created in test mode but the configured key is a live-mode key/);
    });
    expect(calls).toEqual({});
  });

  it("API errors are typed and never carry the key", async () => {
    const bound = bindProvider(emulator);
    const { id, state } = await createSession(bound, FULL);
    await emulator.stripe(bound.key).identity.verificationSessions.cancel(id);
    const error = await bound.provider.update(id, state, { ...FULL, metadata: { a: "b" } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "SessionApiError", statusCode: 400 });
    expect(String((error as Error).message)).toMatch(new RegExp(`update VerificationSession ${id} failed \\(HTTP 400`));
    expect(String((error as Error).message)).not.toContain(bound.key);
    const bad = bindProvider(emulator, "test", "sk_test_not-a-valid-key-1234");
    const authError = (await bad.provider.create({ type: "document" }).catch((e: unknown) => e)) as Error;
    expect(authError.message).toMatch(/STRIPE_API_KEY environment variable \(stripe-identity:apiKey\) is not a Stripe secret or restricted key/);
    expect(authError.message).not.toContain("sk_test_not-a-valid-key-1234");
    void CANCEL;
    void REDACT;
  });
});
