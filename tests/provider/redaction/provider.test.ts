/**
 * The BulkRedaction provider (what Pulumi's dynamic-provider process runs) against the emulator:
 * check/diff without API calls, runs on create/update/delete per runOn, dry runs, failures that
 * name the sessions, a failed teardown that keeps the resource.
 */
import Stripe from "stripe";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import type { Logger } from "../../../provider/log";
import { createBulkRedactionProvider } from "../../../provider/redaction/provider";
import { stripeSweepApi, type SweepApi } from "../../../provider/redaction/api";
import { UNKNOWN } from "../../../provider/values";
import { seedAccount, writeCount } from "./fixtures";
import type * as pulumi from "@pulumi/pulumi";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
});

interface Logged {
  message: string;
  ephemeral: boolean;
}

async function providerFor(key: string, options: { failIds?: Set<string> } = {}) {
  const logs: Logged[] = [];
  const logger: Logger = {
    info: (message, ephemeral = false) => logs.push({ message, ephemeral }),
    warn: (message) => logs.push({ message, ephemeral: false }),
  };
  let api: SweepApi | undefined;
  if (options.failIds) {
    // A real API whose writes to some sessions keep failing with a 500.
    const real = stripeSweepApi(emu.stripe(key));
    api = {
      ...real,
      act: (action, id, idempotencyKey) =>
        options.failIds!.has(id)
          ? Promise.reject(new Stripe.errors.StripeAPIError({ statusCode: 500, type: "api_error", message: "boom" }))
          : real.act(action, id, idempotencyKey),
    };
  }
  const provider = createBulkRedactionProvider({
    logger,
    env: {},
    progressIntervalMs: 0,
    runOverrides: { retry: { transientAttempts: 2, policy: { baseMs: 5, maxMs: 20 } }, ...(api ? { api } : {}) },
  });
  const config: Record<string, string> = { "stripe-identity:apiKey": key, "stripe-identity:apiBase": emu.url };
  await provider.configure!({ config: { get: (k) => config[k], require: (k) => config[k] } });
  return { provider, logs };
}

// Processing sessions are left out here (a run waits for them); see the processingTimeoutSeconds tests.
const SETTLED = ["requires_input", "verified", "canceled"];
const args = (extra: Record<string, unknown> = {}) => ({
  filter: { createdBefore: "7d", clientReferenceIdPrefix: "shop-", status: SETTLED },
  action: "redact",
  requestsPerSecond: 1000,
  endpointRequestsPerSecond: 1000,
  resourceName: "cleanup",
  ...extra,
});

async function checked(provider: pulumi.dynamic.ResourceProvider, news: Record<string, unknown>) {
  const result = await provider.check!({}, news);
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

describe("BulkRedaction provider: check and diff", () => {
  it("check fills defaults and names each bad field, without throwing", async () => {
    const { provider } = await providerFor(emu.newKey());
    expect(await checked(provider, args())).toMatchObject({ runOn: ["create", "update"], dryRun: false, allowLivemode: false });
    const result = await provider.check!({}, { filter: { status: ["verified"], createdBefore: "soon" }, action: "shred", runOn: ["always"], maxSessions: -1, extra: 1 });
    // A nested field has no property (Pulumi would print its value as {<nil>}); its reason names it.
    const properties = (result.failures ?? []).map((f) => f.property || /^[\w.[\]]+/.exec(f.reason)![0]).sort();
    expect(properties).toEqual(["action", "args", "filter.createdBefore", "maxSessions", "runOn.0"]);
    const unbounded = await provider.check!({}, { filter: { status: ["verified"] }, action: "redact" });
    expect(unbounded.failures).toEqual([{ property: "filter", reason: expect.stringMatching(/no bound.*status: verified alone/) }]);
    for (const junk of [null, "text", 42, []]) await expect(provider.check!({}, junk)).resolves.toHaveProperty("failures");
  });

  it("check refuses at preview what a run would refuse once its clock is fixed", async () => {
    const { provider } = await providerFor(emu.newKey());
    const keepsEverything = await provider.check!({}, { filter: { status: ["verified"], createdBefore: "2999-01-01" }, action: "redact" });
    expect(keepsEverything.failures).toEqual([{ property: "filter", reason: expect.stringMatching(/excludes no session/) }]);
    const emptyRange = await provider.check!({}, { filter: { createdAfter: "2026-01-01", createdBefore: "3000d" }, action: "redact" });
    expect(emptyRange.failures).toEqual([{ property: "", reason: expect.stringMatching(/^filter\.createdAfter \(got "2026-01-01"\): .*not earlier than createdBefore/) }]);
    const fine = await provider.check!({}, { filter: { status: ["verified"], createdBefore: "2999-01-01", clientReferenceIdPrefix: "app-" }, action: "redact" });
    expect(fine.failures ?? []).toEqual([]);
  });

  it("check refuses a metadata key __proto__ by name instead of dropping it", async () => {
    const { provider } = await providerFor(emu.newKey());
    const news = { ...args(), filter: { createdBefore: "7d", metadata: JSON.parse('{"__proto__": "x"}') as Record<string, string> } };
    const result = await provider.check!({}, news);
    expect(result.failures).toEqual([{ property: "", reason: expect.stringMatching(/^filter\.metadata\.__proto__.*cannot be matched safely/) }]);
  });

  it("check skips values not known yet (preview)", async () => {
    const { provider } = await providerFor(emu.newKey());
    const result = await provider.check!({}, { filter: { status: ["verified"], clientReferenceId: UNKNOWN }, action: UNKNOWN, maxSessions: UNKNOWN });
    expect(result.failures ?? []).toEqual([]);
  });

  it("diff: an update when args or triggers change, nothing otherwise, never a replace", async () => {
    const { provider } = await providerFor(emu.newKey());
    const olds = { ...args({ triggers: [1] }), matched: 5, lastRunAt: "2026-01-01T00:00:00.000Z" };
    expect(await provider.diff!("id", olds, args({ triggers: [1], filter: { clientReferenceIdPrefix: "shop-", createdBefore: "7d", status: SETTLED } }))).toMatchObject({ changes: false });
    expect(await provider.diff!("id", olds, args({ triggers: [2] }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!("id", olds, args({ triggers: [1], dryRun: true }))).toMatchObject({ changes: true });
    expect(await provider.diff!("id", olds, { ...args({ triggers: [1] }), resourceName: "renamed" })).toMatchObject({ changes: false });
  });

  it("diff: with runOn everyUp, an up is an update when the run has work, and no change when it has none", async () => {
    const idle = await providerFor(emu.newKey());
    const olds = { ...args({ runOn: ["everyUp"] }), matched: 5, lastRunAt: "2026-01-01T00:00:00.000Z" };
    expect(await idle.provider.diff!("id", olds, args({ runOn: ["everyUp"] }))).toMatchObject({ changes: false, replaces: [] });
    expect(idle.logs.at(-1)?.message).toMatch(/^BulkRedaction cleanup: redact every session matching .* on this up \(runOn everyUp\): it would redact 0 session\(s\) now/);
    // Uncounted, it cannot know: an update, as before.
    expect(await idle.provider.diff!("id", olds, args({ runOn: ["everyUp"], previewCount: false }))).toMatchObject({ changes: true });
    const busy = await providerFor((await seedAccount(emu, 5)).key);
    expect(await busy.provider.diff!("id", olds, args({ runOn: ["everyUp"] }))).toMatchObject({ changes: true, replaces: [] });
    expect(await idle.provider.diff!("id", olds, args({ runOn: ["create", "update"] }))).toMatchObject({ changes: true });
    const same = { ...args({ runOn: ["create", "update"] }), matched: 5 };
    expect(await idle.provider.diff!("id", same, args({ runOn: ["create", "update"] }))).toMatchObject({ changes: false });
  });
});

describe("BulkRedaction provider: runs", () => {
  it("runs on create (progress lines ephemeral), skips an update not in runOn, and runs in delete when asked", async () => {
    const account = await seedAccount(emu, 30);
    const { provider, logs } = await providerFor(account.key);
    const inputs = await checked(provider, args({ runOn: ["create", "destroy"] }));
    const created = await provider.create(inputs);
    expect(created.id).toMatch(/^bulkredaction-/);
    expect(created.outs).toMatchObject({ matched: 90, redacted: 60, skipped: 30, failed: 0, lastRunPhase: "create", skippedByReason: { canceled: 30 } });
    expect(Date.parse(created.outs.lastRunAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(logs.some((l) => l.ephemeral && /^cleanup: redacted [\d,]+ of [\d,]+ matched; listed/.test(l.message))).toBe(true);
    expect(logs.at(-1)).toEqual({ ephemeral: false, message: expect.stringMatching(/^BulkRedaction cleanup \(create\): matched 90; redacted 60;/) });

    const writes = await writeCount(emu);
    const updated = await provider.update!(created.id, created.outs, await checked(provider, args({ runOn: ["create", "destroy"], triggers: ["x"] })));
    expect(await writeCount(emu)).toBe(writes);
    expect(updated.outs).toMatchObject({ matched: 90, redacted: 60, lastRunPhase: "create", triggers: ["x"] });

    await emu.control.seed({ apiKey: account.key, count: 7, status: "verified", created: { from: account.nowSeconds - 20 * 86_400, to: account.nowSeconds - 19 * 86_400 }, clientReferenceIdPrefix: "shop-late-" });
    await provider.delete!(created.id, updated.outs);
    const after = await emu.control.sessions(account.key);
    expect(after.filter((s) => s.client_reference_id?.startsWith("shop-late-") && s.redaction !== null)).toHaveLength(7);
  });

  it("delete without destroy in runOn touches nothing and is never blocked by the args", async () => {
    const account = await seedAccount(emu, 10);
    const { provider } = await providerFor(account.key);
    const writes = await writeCount(emu);
    // State written by another version may hold args this one refuses; destroy must still go through.
    await expect(provider.delete!("bulkredaction-x", { ...args({ runOn: ["create"] }), filter: { status: ["verified"] } })).resolves.toBeUndefined();
    expect(await writeCount(emu)).toBe(writes);
  });

  it("a teardown whose range has emptied by destroy time has nothing to do, says so, and does not block the destroy", async () => {
    const account = await seedAccount(emu, 10);
    const { provider, logs } = await providerFor(account.key);
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const props = { ...args({ runOn: ["destroy"] }), filter: { createdAfter: "7d", createdBefore: monthAgo } };
    const writes = await writeCount(emu);
    await expect(provider.delete!("bulkredaction-x", props)).resolves.toBeUndefined();
    expect(await writeCount(emu)).toBe(writes);
    expect(logs.at(-1)?.message).toMatch(/\(destroy\): nothing to do: filter\.createdAfter: .*nothing can match/);
    // The same range at create or update is still refused, naming the field.
    expect((await provider.check!({}, props)).failures).toEqual([{ property: "", reason: expect.stringMatching(/^filter\.createdAfter.*nothing can match/) }]);
  });

  it("runs on update when inputs change and runOn has update", async () => {
    const account = await seedAccount(emu, 10);
    const { provider } = await providerFor(account.key);
    const created = await provider.create(await checked(provider, args({ runOn: ["update"] })));
    expect(created.outs).toMatchObject({ matched: 0, redacted: 0, lastRunAt: null });
    expect((await emu.control.sessions(account.key)).some((s) => s.redaction !== null)).toBe(false);
    const updated = await provider.update!(created.id, created.outs, await checked(provider, args({ runOn: ["update"], triggers: ["v2"] })));
    expect(updated.outs).toMatchObject({ matched: 30, redacted: 20, lastRunPhase: "update" });
  });

  it("runOn everyUp: runs at create and at an update with the same args; never at destroy", async () => {
    const account = await seedAccount(emu, 10);
    const { provider } = await providerFor(account.key);
    const inputs = await checked(provider, args({ runOn: ["everyUp"] }));
    const created = await provider.create(inputs);
    expect(created.outs).toMatchObject({ matched: 30, redacted: 20, lastRunPhase: "create" });
    await emu.control.seed({ apiKey: account.key, count: 3, status: "verified", created: { from: account.nowSeconds - 20 * 86_400, to: account.nowSeconds - 19 * 86_400 }, clientReferenceIdPrefix: "shop-next-" });
    const updated = await provider.update!(created.id, created.outs, inputs);
    expect(updated.outs).toMatchObject({ redacted: 3, lastRunPhase: "update" });
    const writes = await writeCount(emu);
    await provider.delete!(created.id, updated.outs);
    expect(await writeCount(emu)).toBe(writes);
  });

  it("dry run: counts what it would do and changes nothing", async () => {
    const account = await seedAccount(emu, 10);
    const before = await emu.control.sessions(account.key);
    const { provider } = await providerFor(account.key);
    const created = await provider.create(await checked(provider, args({ dryRun: true })));
    expect(created.outs).toMatchObject({ matched: 30, wouldAct: 20, redacted: 0 });
    expect(await emu.control.sessions(account.key)).toEqual(before);
  });

  it("failures are a resource error naming the failed sessions; a failed teardown keeps the resource", async () => {
    const account = await seedAccount(emu, 10);
    const sessions = await emu.control.sessions(account.key);
    const doomed = sessions.filter((s) => s.status === "verified" && s.client_reference_id?.startsWith("shop-") && s.created < account.nowSeconds - 7 * 86_400).slice(0, 2);
    const failIds = new Set(doomed.map((s) => s.id));
    const failing = await providerFor(account.key, { failIds });
    const error = await failing.provider.create(await checked(failing.provider, args())).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    for (const id of failIds) expect((error as Error).message).toContain(id);
    expect((error as Error).message).toMatch(/2 session\(s\) failed: vs_\w+ \(500: boom\), vs_\w+ \(500: boom\)/);
    expect((error as Error).message).not.toContain(account.key);

    // Teardown: the delete throws (so the engine keeps the resource), then succeeds once the API recovers.
    const state = { ...args({ runOn: ["destroy"] }), matched: 0 };
    await expect(failing.provider.delete!("bulkredaction-x", state)).rejects.toThrow(/session\(s\) failed/);
    const healthy = await providerFor(account.key);
    await expect(healthy.provider.delete!("bulkredaction-x", state)).resolves.toBeUndefined();
    const after = await emu.control.sessions(account.key);
    for (const id of failIds) expect(after.find((s) => s.id === id)?.redaction).not.toBeNull();
  });

  it("refuses a live key unless allowed, and says where the key goes when there is none", async () => {
    const live = await providerFor(emu.newKey("live"));
    await expect(live.provider.create(await checked(live.provider, args()))).rejects.toThrow(/BulkRedaction cleanup \(create\): refusing to run a bulk operation with a live-mode key/);
    const nokey = createBulkRedactionProvider({ env: {}, logger: { info: () => undefined, warn: () => undefined } });
    await nokey.configure!({ config: { get: () => undefined, require: () => "" } });
    await expect(nokey.create(args())).rejects.toThrow(/no Stripe API key: set it with `pulumi config set --secret stripe-identity:apiKey/);
  });
});

describe("previewCount (issue 18 item 1)", () => {
  it("default: a run's preview lists read-only and says what it will do, with the count, as a warning; off: no API call", async () => {
    const account = await seedAccount(emu, 5);
    const { provider, logs } = await providerFor(account.key);
    const olds = { ...args(), matched: 0 };
    const writes = await writeCount(emu);
    const requests = async () => Object.values((await emu.control.stats()).requests).reduce((a, b) => a + b, 0);
    const before = await requests();
    await provider.diff!("id", olds, args({ previewCount: false, triggers: [2] }));
    expect(await requests()).toBe(before);
    expect(logs.at(-1)?.message).toMatch(/on this up \(its args changed\); not counted \(previewCount: false\)$/);
    await provider.diff!("id", olds, args({ triggers: [2] }));
    expect(await requests()).toBeGreaterThan(before);
    expect(await writeCount(emu)).toBe(writes);
    expect(logs.at(-1)?.message).toMatch(/^BulkRedaction cleanup: redact every session matching \{.*\} in the platform's own account \(test mode\), on this up \(its args changed\): it would redact 10 session\(s\) now \(matched 15, 5 need nothing\)$/);
    // A new resource's check says it too.
    await provider.check!({}, args());
    expect(logs.at(-1)?.message).toMatch(/when this up creates it: it would redact 10 session/);
  });
});
