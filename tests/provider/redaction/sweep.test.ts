/**
 * The sweep engine against the real emulator (HTTP, the official SDK): thousands of seeded
 * sessions of every status, dumps compared before and after.
 */
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { runBulkRedaction, type BulkRunRequest } from "../../../provider/redaction/run";
import { LivemodeRefusedError, MaxSessionsExceededError } from "../../../provider/redaction/guards";
import type { SweepReport } from "../../../provider/redaction/report";
import { DAY, expectedTargets, expectOnlyTargetsChanged, seedAccount, writeCount, type Session } from "./fixtures";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
});
afterEach(async () => {
  await emu.control.config({ latencyMs: 0, jitterMs: 0, rateLimit: null, faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 } });
});

const FAST_RETRY = { policy: { baseMs: 10, maxMs: 200 } };

function sweepRun(key: string, overrides: Partial<BulkRunRequest> = {}): Promise<SweepReport> {
  return runBulkRedaction({
    apiKey: key,
    apiBase: emu.url,
    filter: { createdBefore: "7d", clientReferenceIdPrefix: "shop-" },
    action: "redact",
    requestsPerSecond: 2000,
    endpointRequestsPerSecond: 2000,
    concurrency: 16,
    retry: FAST_RETRY,
    timeoutMs: 5000,
    ...overrides,
  });
}

const oldShop = (nowSeconds: number, excluded: Set<string> = new Set()) => (s: Session) =>
  s.created < nowSeconds - 7 * DAY && (s.client_reference_id ?? "").startsWith("shop-") && !excluded.has(s.id);

describe("bulk redaction against the emulator", () => {
  it("changes exactly the matching sessions among thousands; everything else is byte-for-byte untouched", async () => {
    const account = await seedAccount(emu, 150, 40); // 2,400 sessions
    const before = await emu.control.sessions(account.key);
    const excluded = new Set(before.filter((s) => s.status === "requires_input" && oldShop(account.nowSeconds)(s)).slice(0, 5).map((s) => s.id));
    const targets = expectedTargets(before, oldShop(account.nowSeconds, excluded), "redact");
    expect(targets.size).toBe(150 + 150 - 40 - 5);

    const report = await sweepRun(account.key, { filter: { createdBefore: "7d", metadata: { app: "shop" }, excludeIds: [...excluded] } });

    expectOnlyTargetsChanged(before, await emu.control.sessions(account.key), targets, "redact");
    // Redaction erased the metadata of the 40 redacted earlier, so a metadata filter no longer matches them.
    expect(report).toMatchObject({ complete: true, failed: 0, redacted: targets.size, matched: 4 * 150 - 5 - 40 });
    expect(report.skippedByReason).toEqual({ canceled: 150, processing: 150 });
    // The clock, 1,200 old sessions in pages of 100, and for each target a re-read and a write.
    expect(report.requests).toBe(1 + 12 + 2 * targets.size);
  });

  it("cancel through a status query: every requires_input session in the filter, none twice", async () => {
    const account = await seedAccount(emu, 120);
    const before = await emu.control.sessions(account.key);
    const inFilter = (s: Session) => s.created < account.nowSeconds - 7 * DAY && s.status === "requires_input";
    const targets = expectedTargets(before, inFilter, "cancel");
    const report = await sweepRun(account.key, { action: "cancel", filter: { createdBefore: "7d", status: ["requires_input", "verified"] } });
    expectOnlyTargetsChanged(before, await emu.control.sessions(account.key), targets, "cancel");
    expect(report).toMatchObject({ complete: true, canceled: 240, failed: 0, skippedByReason: { verified: 240 } });
  });

  it("dry run reads and reports, changing nothing", async () => {
    const account = await seedAccount(emu, 50);
    const before = await emu.control.sessions(account.key);
    const writesBefore = await writeCount(emu);
    const report = await sweepRun(account.key, { dryRun: true });
    expect(await emu.control.sessions(account.key)).toEqual(before);
    expect(await writeCount(emu)).toBe(writesBefore);
    expect(report).toMatchObject({ dryRun: true, matched: 200, wouldAct: 100, redacted: 0 });
  });

  it("maxSessions aborts before any write when more match", async () => {
    const account = await seedAccount(emu, 50);
    const before = await emu.control.sessions(account.key);
    const writesBefore = await writeCount(emu);
    await expect(sweepRun(account.key, { maxSessions: 199 })).rejects.toBeInstanceOf(MaxSessionsExceededError);
    expect(await writeCount(emu)).toBe(writesBefore);
    expect(await emu.control.sessions(account.key)).toEqual(before);
    const report = await sweepRun(account.key, { maxSessions: 200 });
    expect(report.redacted).toBe(100);
  });

  it("refuses a live key unless allowed, without a request", async () => {
    const key = emu.newKey("live");
    await emu.control.seed({ apiKey: key, count: 20, created: { from: 1_600_000_000, to: 1_600_000_100 }, clientReferenceIdPrefix: "shop-" });
    const requestsBefore = Object.values((await emu.control.stats()).requests).reduce((a, b) => a + b, 0);
    await expect(sweepRun(key)).rejects.toBeInstanceOf(LivemodeRefusedError);
    expect(Object.values((await emu.control.stats()).requests).reduce((a, b) => a + b, 0)).toBe(requestsBefore);
    const report = await sweepRun(key, { allowLivemode: true });
    expect(report.redacted).toBe(20);
  });

  it("a rerun after an interrupted run finishes the rest and skips what is done", async () => {
    const account = await seedAccount(emu, 100);
    const before = await emu.control.sessions(account.key);
    const targets = expectedTargets(before, oldShop(account.nowSeconds), "redact");
    await emu.control.config({ latencyMs: 2 });
    const controller = new AbortController();
    let handled = 0;
    const first = await sweepRun(account.key, {
      signal: controller.signal,
      onSession: () => {
        if (++handled === 70) controller.abort();
      },
    });
    expect(first).toMatchObject({ complete: false, stoppedBecause: "aborted", failed: 0 });
    expect(first.redacted).toBeGreaterThan(0);
    expect(first.redacted).toBeLessThan(targets.size);
    const middle = await emu.control.sessions(account.key);
    expect(middle.filter((s) => s.redaction !== null).length).toBe(first.redacted);

    const second = await sweepRun(account.key);
    expect(second.redacted).toBe(targets.size - first.redacted);
    expect(second.skippedByReason.already_redacted).toBe(first.redacted);
    expectOnlyTargetsChanged(before, await emu.control.sessions(account.key), targets, "redact");
  });

  it("429 storms, 500s, resets and lost responses: every matching session handled exactly once, the report matches the dump", async () => {
    const account = await seedAccount(emu, 80, 10);
    const before = await emu.control.sessions(account.key);
    const targets = expectedTargets(before, oldShop(account.nowSeconds), "redact");
    await emu.control.config({
      latencyMs: 2,
      jitterMs: 4,
      rateLimit: { test: 50, live: 50 },
      faults: { errorRate: 0.1, resetRate: 0.05, lostResponseRate: 0.1 },
      seed: 7,
    });
    const statsBefore = await emu.control.stats();
    const report = await sweepRun(account.key, { requestsPerSecond: 500 });
    const stats = await emu.control.stats();
    await emu.control.config({ rateLimit: null, faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 } });

    const after = await emu.control.sessions(account.key);
    expectOnlyTargetsChanged(before, after, targets, "redact");
    expect(report).toMatchObject({ complete: true, failed: 0, redacted: targets.size, skippedByReason: { already_redacted: 10, canceled: 80, processing: 80 } });
    expect(after.filter((s) => s.redaction !== null).length).toBe(targets.size + 10);
    expect(report.rateLimited).toBeGreaterThan(0);
    expect(stats.rateLimited - statsBefore.rateLimited).toBe(report.rateLimited);
    expect(stats.faults - statsBefore.faults).toBeGreaterThan(10);
    const sent = Object.values(stats.requests).reduce((a, b) => a + b, 0) - Object.values(statsBefore.requests).reduce((a, b) => a + b, 0);
    expect(report.requests).toBe(sent);
  });
});
