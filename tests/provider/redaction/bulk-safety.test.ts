/**
 * Issue 10's reproductions, against the real emulator through the real SDK: users and Stripe act
 * while a sweep runs, several runs overlap, responses get lost, the local clock is wrong, sessions
 * are still processing at teardown. Each scenario is deterministic: the sweep's API is the real one
 * with a hook after each list page, which is where the world changes under the run.
 *
 * Where a scenario shows a defect of the old engine, it also runs with the re-read switched off
 * (`freshReads: false`) and shows the damage, so the test is known to catch it.
 */
import type Stripe from "stripe";
import { stripeSweepApi, type ListPage, type SweepApi } from "../../../provider/redaction/api";
import { runBulkRedaction, type BulkRunRequest } from "../../../provider/redaction/run";
import type { SessionOutcome, SweepReport } from "../../../provider/redaction/report";
import { createBulkRedactionProvider } from "../../../provider/redaction/provider";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { DAY, type Session } from "./fixtures";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
});
afterEach(async () => {
  await emu.control.config({ faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 }, seed: null });
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const FAST_RETRY = { policy: { baseMs: 5, maxMs: 50 }, sleep: undefined };

/** The real API for `key`, calling `afterPage(n, page)` once the n-th list page (from 0) has come back. */
function hookedApi(key: string, afterPage: (index: number, page: ListPage) => Promise<void>): SweepApi {
  const real = stripeSweepApi(emu.stripe(key));
  let pages = 0;
  return {
    ...real,
    async list(request) {
      const page = await real.list(request);
      // The clock request (limit 1) is not a page of the listing.
      if (request.limit > 1) await afterPage(pages++, page);
      return page;
    },
  };
}

function run(key: string, overrides: Partial<BulkRunRequest>): Promise<SweepReport> {
  return runBulkRedaction({
    apiKey: key,
    apiBase: emu.url,
    filter: { createdBefore: "1d" },
    action: "redact",
    requestsPerSecond: 5000,
    endpointRequestsPerSecond: 5000,
    concurrency: 8,
    retry: FAST_RETRY,
    timeoutMs: 5000,
    ...overrides,
  });
}

/** Seeds `count` sessions a few weeks old, one per second apart, newest first in the result. */
async function seedOld(key: string, count: number, extra: Record<string, unknown> = {}): Promise<string[]> {
  const to = nowSeconds() - 8 * DAY;
  const { ids } = await emu.control.seed({ apiKey: key, count, created: { from: to - count, to }, ...extra });
  return [...ids].reverse();
}

const byId = async (key: string): Promise<Map<string, Session>> => new Map((await emu.control.sessions(key)).map((s) => [s.id, s]));

describe("item 1: a write acts on the session as it is now, not as it was listed", () => {
  const scenarios: Array<{
    name: string;
    filter: Record<string, unknown>;
    action: "redact" | "cancel";
    seed?: Record<string, unknown>;
    change: (stripe: Stripe, id: string) => Promise<void>;
    touched: (s: Session) => boolean;
  }> = [
    {
      name: "sessions completed by their users (processing, then verified) under --status requires_input are not redacted",
      filter: { status: ["requires_input"], createdBefore: "1d" },
      action: "redact",
      change: async (_stripe, id) => {
        await emu.control.transition(id, "processing");
        await emu.control.transition(id, "verified");
      },
      touched: (s) => s.redaction !== null,
    },
    {
      name: "sessions re-tagged out of --metadata batch=a are not canceled",
      filter: { metadata: { batch: "a" } },
      action: "cancel",
      seed: { metadata: { batch: "a" } },
      change: async (stripe, id) => {
        await stripe.identity.verificationSessions.update(id, { metadata: { batch: "b" } });
      },
      touched: (s) => s.status === "canceled",
    },
    {
      name: "sessions updated to another type are not redacted under --type document",
      filter: { type: "document", createdBefore: "1d" },
      action: "redact",
      change: async (stripe, id) => {
        await stripe.identity.verificationSessions.update(id, { type: "id_number" });
      },
      touched: (s) => s.redaction !== null,
    },
  ];

  it.each(scenarios)("$name", async ({ filter, action, seed, change, touched }) => {
    const outcome = async (freshReads: boolean | undefined) => {
      const key = emu.newKey();
      const ids = await seedOld(key, 150, seed);
      // Listed on the first page, still waiting in the queue when they change.
      const changed = ids.slice(60, 100);
      const stripe = emu.stripe(key);
      const api = hookedApi(key, async (index) => {
        if (index === 0) for (const id of changed) await change(stripe, id);
      });
      const report = await run(key, { filter, action, api, freshReads });
      const after = await byId(key);
      return { report, touchedChanged: changed.filter((id) => touched(after.get(id)!)).length, touchedOthers: ids.filter((id) => !changed.includes(id) && touched(after.get(id)!)).length };
    };
    const safe = await outcome(undefined);
    expect(safe.touchedChanged).toBe(0);
    expect(safe.touchedOthers).toBe(110);
    expect(safe.report).toMatchObject({ matched: 150, failed: 0, skippedByReason: { no_longer_matches: 40 } });
    // The reproduction: acting on the listing, as the engine did, destroys them.
    const stale = await outcome(false);
    expect(stale.touchedChanged).toBe(40);
  });

  it("does not pay for a read when no change can take a session out of the filter (cancel by created and prefix)", async () => {
    const key = emu.newKey();
    await seedOld(key, 30, { clientReferenceIdPrefix: "t-" });
    const report = await run(key, { filter: { createdBefore: "1d", clientReferenceIdPrefix: "t-" }, action: "cancel" });
    expect(report).toMatchObject({ matched: 30, canceled: 30 });
    expect(report.requests).toBe(1 + 1 + 30); // the clock, one page, one write each
  });
});

describe("item 2: each session at most once per run", () => {
  it("sessions Stripe moves from processing to requires_input during the run are listed and counted once", async () => {
    const key = emu.newKey();
    const to = nowSeconds() - 8 * DAY;
    const processing = (await emu.control.seed({ apiKey: key, count: 150, status: "processing", created: { from: to - 150, to } })).ids;
    await emu.control.seed({ apiKey: key, count: 250, created: { from: to - 1000, to: to - 500 } });
    const api = hookedApi(key, async (index) => {
      // A failed check, which Stripe does on its own.
      if (index === 0) for (const id of processing) await emu.control.transition(id, "requires_input");
    });
    const seen: string[] = [];
    const report = await run(key, {
      filter: { status: ["processing", "requires_input"], createdBefore: "1d" },
      action: "cancel",
      api,
      onSession: (o: SessionOutcome) => seen.push(o.id),
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(report.matched).toBe(400);
    // The first page listed 100 of them as processing: skipped as such, once; the rest canceled.
    expect(report).toMatchObject({ canceled: 300, skippedByReason: { processing: 100 } });
  });
});

describe("item 3: counts say what this run did", () => {
  it("three overlapping runs claim exactly the redactions that happened", async () => {
    const key = emu.newKey();
    await seedOld(key, 200);
    const reports = await Promise.all([1, 2, 3].map(() => run(key, { concurrency: 4 })));
    const redactedInStripe = [...(await byId(key)).values()].filter((s) => s.redaction !== null).length;
    expect(redactedInStripe).toBe(200);
    expect(reports.reduce((sum, r) => sum + r.redacted, 0)).toBe(200);
    for (const r of reports) expect(r.redacted + (r.skippedByReason.already_redacted ?? 0) + (r.skippedByReason.redaction_in_progress ?? 0)).toBe(200);
  });

  it("sessions redacted out of band after they were listed are counted as skipped, not as this run's", async () => {
    const key = emu.newKey();
    const ids = await seedOld(key, 150);
    const other = emu.stripe(key);
    const api = hookedApi(key, async (index) => {
      if (index === 0) for (const id of ids.slice(50, 90)) await other.identity.verificationSessions.redact(id);
    });
    const report = await run(key, { api });
    expect(report).toMatchObject({ matched: 150, redacted: 110, skippedByReason: { already_redacted: 40 } });
  });

  it("under lost responses, no session counted failed was changed, and every change is counted", async () => {
    const key = emu.newKey();
    const ids = await seedOld(key, 60);
    await emu.control.config({ faults: { lostResponseRate: 0.3, errorRate: 0.3 }, seed: 7 });
    // A small retry budget, so that some sessions run out of it.
    const report = await run(key, { retry: { ...FAST_RETRY, transientAttempts: 2 }, concurrency: 30 });
    await emu.control.config({ faults: { errorRate: 0, lostResponseRate: 0 } });
    const after = await byId(key);
    expect(report.failed + report.unknown).toBeGreaterThan(0);
    for (const failure of report.failures) expect(after.get(failure.id)!.redaction).toBeNull();
    const changed = ids.filter((id) => after.get(id)!.redaction !== null).length;
    const unknownChanged = report.unknownOutcomes.filter((u) => after.get(u.id)!.redaction !== null).length;
    expect(report.redacted + unknownChanged).toBe(changed);
    expect(report.matched).toBe(60);
  });

  it("sessions created during a run are not handled by it", async () => {
    const key = emu.newKey();
    await seedOld(key, 120, { clientReferenceIdPrefix: "app-" });
    const stripe = emu.stripe(key);
    const late: string[] = [];
    const api = hookedApi(key, async (index) => {
      if (index === 0) for (let i = 0; i < 5; i++) late.push((await stripe.identity.verificationSessions.create({ type: "document", client_reference_id: `app-late-${i}` })).id);
    });
    const report = await run(key, { api, filter: { clientReferenceIdPrefix: "app-" }, action: "cancel" });
    const after = await byId(key);
    expect(report).toMatchObject({ matched: 120, canceled: 120 });
    for (const id of late) expect(after.get(id)!.status).toBe("requires_input");
  });
});

describe("item 4: relative bounds use Stripe's clock, not the local one", () => {
  it("with the local clock 30 days fast, --created-before 7d leaves sessions an hour old alone", async () => {
    const key = emu.newKey();
    const hourOld = nowSeconds() - 3600;
    await emu.control.seed({ apiKey: key, count: 6, created: { from: hourOld - 5, to: hourOld } });
    const monthOld = await seedOld(key, 4);
    const report = await run(key, { filter: { createdBefore: "7d" }, now: () => Date.now() + 30 * DAY * 1000 });
    expect(report).toMatchObject({ matched: 4, redacted: 4 });
    const after = await byId(key);
    expect([...after.values()].filter((s) => s.redaction !== null).map((s) => s.id).sort()).toEqual([...monthOld].sort());
  });
});

describe("item 5: a run waits for sessions Stripe is still checking, and fails if they stay", () => {
  it("handles those whose checks finish in time; the rest fail the run, named by count", async () => {
    const key = emu.newKey();
    const processing = await seedOld(key, 5, { status: "processing" });
    await seedOld(key, 5);
    // The run's clock is the test's: each sleep moves it at once. Three checks finish during the
    // run's first wait between re-reads (the event, not a time), the other two never do.
    let clockMs = 0;
    let waits = 0;
    const sleep = async (ms: number): Promise<void> => {
      if (ms === 200 && waits++ === 0) for (const id of processing.slice(0, 3)) await emu.control.transition(id, "verified");
      clockMs += ms;
    };
    const report = await run(key, { waitForProcessing: { timeoutMs: 1500, pollIntervalMs: 200 }, clock: () => clockMs, sleep, retry: { ...FAST_RETRY, sleep } });
    expect(report).toMatchObject({ matched: 10, redacted: 8, skippedByReason: { processing: 2 } });
    expect(clockMs).toBeGreaterThanOrEqual(1500); // it gave up at the timeout, on its clock
  });

  it("BulkRedaction at teardown: still processing after processingTimeoutSeconds fails the destroy (the resource stays), then succeeds once checked", async () => {
    const key = emu.newKey();
    const processing = await seedOld(key, 3, { status: "processing", clientReferenceIdPrefix: "td-" });
    const provider = createBulkRedactionProvider({ env: {}, logger: { info: () => undefined, warn: () => undefined } });
    const config: Record<string, string> = { "stripe-identity:apiKey": key, "stripe-identity:apiBase": emu.url };
    await provider.configure!({ config: { get: (k) => config[k], require: (k) => config[k] } });
    const props = { filter: { clientReferenceIdPrefix: "td-" }, action: "redact", runOn: ["destroy"], processingTimeoutSeconds: 1, resourceName: "privacy" };
    await expect(provider.delete!("bulkredaction-x", props)).rejects.toThrow(
      /BulkRedaction privacy \(destroy\): 3 matching session\(s\) were still processing after 1 s .* The resource stays in state\. Run pulumi destroy again once their checks finish/,
    );
    for (const id of processing) await emu.control.transition(id, "verified");
    await expect(provider.delete!("bulkredaction-x", props)).resolves.toBeUndefined();
    const after = await byId(key);
    for (const id of processing) expect(after.get(id)!.redaction).not.toBeNull();
  });
});
