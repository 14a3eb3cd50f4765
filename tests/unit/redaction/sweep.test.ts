import { runBulkRedaction, type BulkRunRequest } from "../../../provider/redaction/run";
import { LivemodeRefusedError, MaxSessionsExceededError } from "../../../provider/redaction/guards";
import { UserInputError } from "../../../provider/errors";
import type { SweepReport } from "../../../provider/redaction/report";
import { FakeApi, session, type Fault } from "./fake-api";

const NOW = Date.UTC(2026, 5, 15);
const OLD = Math.floor(NOW / 1000) - 30 * 86_400; // inside createdBefore: "7d"
const NEW = Math.floor(NOW / 1000) - 86_400; // outside

/** The run's pacing waits on a clock that moves when slept on: a fake API's 429s slow nothing real. */
function skippingClock(): Pick<BulkRunRequest, "clock" | "sleep"> {
  let t = 0;
  return { clock: () => t, sleep: async (ms: number) => void (t += ms) };
}

function run(api: FakeApi, overrides: Partial<BulkRunRequest> = {}): Promise<SweepReport> {
  return runBulkRedaction({
    ...skippingClock(),
    apiKey: "sk_test_unit",
    filter: { createdBefore: "7d" },
    action: "redact",
    requestsPerSecond: 100_000,
    endpointRequestsPerSecond: 100_000,
    concurrency: 8,
    now: () => NOW,
    retry: { sleep: async () => undefined },
    api,
    ...overrides,
  });
}

function expectConsistent(report: SweepReport): void {
  expect(report.matched).toBe(report.redacted + report.canceled + report.wouldAct + report.skipped + report.failed + report.unknown);
  const bySum = Object.values(report.skippedByReason).reduce((a, b) => a + (b ?? 0), 0);
  expect(bySum).toBe(report.skipped);
}

/** Every status x redaction combination, old (matching) and new (not). */
function zoo(): ReturnType<typeof session>[] {
  const rows: ReturnType<typeof session>[] = [];
  let n = 0;
  for (const created of [OLD, NEW]) {
    for (const status of ["requires_input", "verified", "canceled", "processing"]) {
      for (const redaction of [null, { status: "processing" }, { status: "redacted" }]) {
        for (let i = 0; i < 3; i++) rows.push(session(`vs_${n++}`, { status, redaction, created: created - n }));
      }
    }
  }
  return rows;
}

describe("sweep (engine over a fake API)", () => {
  it("redacts exactly the matching, actionable sessions and counts the skips by reason", async () => {
    const api = new FakeApi(zoo());
    const report = await run(api);
    expectConsistent(report);
    expect(report).toMatchObject({ matched: 36, redacted: 6, canceled: 0, failed: 0, complete: true });
    expect(report.skippedByReason).toEqual({ already_redacted: 12, redaction_in_progress: 12, canceled: 3, processing: 3 });
    const acted = api.calls.filter((c) => c.kind === "act").map((c) => c.id);
    for (const id of acted) expect(api.byId(id!)!.created).toBeLessThan(NEW - 100);
    expect(new Set(acted).size).toBe(6);
    expect(report.requests).toBe(api.counters().requests);
  });

  it("cancels only requires_input sessions and skips verified ones", async () => {
    const api = new FakeApi(zoo());
    const report = await run(api, { action: "cancel", filter: { createdBefore: "7d", status: ["requires_input", "verified"] } });
    expectConsistent(report);
    expect(report).toMatchObject({ matched: 18, canceled: 3, redacted: 0 });
    expect(report.skippedByReason).toEqual({ verified: 3, already_redacted: 6, redaction_in_progress: 6 });
  });

  it("dry run lists and reports without writing", async () => {
    const api = new FakeApi(zoo());
    const report = await run(api, { dryRun: true });
    expect(api.calls.some((c) => c.kind === "act")).toBe(false);
    expect(report).toMatchObject({ dryRun: true, matched: 36, wouldAct: 6, redacted: 0 });
    expectConsistent(report);
  });

  it("uses one idempotency key per session action across retries (lost responses replay, not repeat)", async () => {
    const sessions = Array.from({ length: 50 }, (_, i) => session(`vs_${i}`, { created: OLD - i }));
    const faults: Fault[] = ["lost_response", "server_error", "rate_limit", "reset"];
    const api = new FakeApi(sessions, { fault: (kind, id, attempt) => (kind === "act" && attempt <= 2 ? faults[(Number(id!.slice(3)) + attempt) % 4] : undefined) });
    const report = await run(api);
    expect(report).toMatchObject({ matched: 50, redacted: 50, failed: 0 });
    const keys = new Map<string, Set<string>>();
    for (const call of api.calls.filter((c) => c.kind === "act")) {
      keys.set(call.id!, (keys.get(call.id!) ?? new Set()).add(call.key!));
    }
    for (const set of keys.values()) expect(set.size).toBe(1);
    expect(report.rateLimited).toBeGreaterThan(0);
  });

  it("counts a session as failed, with its message, once the retry budget is spent", async () => {
    const api = new FakeApi([session("vs_bad", { created: OLD }), session("vs_ok", { created: OLD - 1 })], {
      fault: (kind, id) => (kind === "act" && id === "vs_bad" ? "server_error" : undefined),
    });
    const report = await run(api, { retry: { transientAttempts: 3, sleep: async () => undefined } });
    expect(report).toMatchObject({ matched: 2, redacted: 1, failed: 1, failures: [{ id: "vs_bad", message: "500 api_error: Internal error" }] });
    // A re-read before the write, three attempts, and a read that finds the write did not happen.
    expect(api.calls.filter((c) => c.id === "vs_bad").map((c) => c.kind)).toEqual(["retrieve", "act", "act", "act", "retrieve"]);
  });

  it("gives 429s their own budget", async () => {
    const api = new FakeApi([session("vs_1", { created: OLD })], { fault: (kind) => (kind === "act" ? "rate_limit" : undefined) });
    const report = await run(api, { retry: { transientAttempts: 2, rateLimitedAttempts: 5, sleep: async () => undefined } });
    expect(report.failed).toBe(1);
    expect(report.failures[0].message).toMatch(/^429 rate_limit/);
    expect(api.calls.filter((c) => c.kind === "act").length).toBe(5);
  });

  it("re-reads and re-plans once after a 400 because the status moved", async () => {
    const sessions = [session("vs_moved", { created: OLD }), session("vs_now_processing", { created: OLD - 1 }), session("vs_twice", { created: OLD - 2 })];
    let movedAttempts = 0;
    const api = new FakeApi(sessions, {
      fault: (kind, id) => {
        if (kind !== "act") return undefined;
        if (id === "vs_moved" && ++movedAttempts === 1) return "conflict";
        if (id === "vs_now_processing") {
          api.byId(id)!.status = "processing";
          return "conflict";
        }
        if (id === "vs_twice") return "conflict";
        return undefined;
      },
    });
    const report = await run(api);
    expectConsistent(report);
    expect(report).toMatchObject({ matched: 3, redacted: 1, failed: 1, skippedByReason: { processing: 1 } });
    expect(report.failures[0]).toMatchObject({ id: "vs_twice", message: expect.stringMatching(/after re-reading/) });
    const movedKeys = api.calls.filter((c) => c.kind === "act" && c.id === "vs_moved").map((c) => c.key);
    expect(movedKeys).toHaveLength(2);
    expect(movedKeys[1]).toBe(`${movedKeys[0]}:replan`);
    // One re-read before each write (redact always reads first), one after each conflict.
    expect(api.calls.filter((c) => c.kind === "retrieve").length).toBe(6);
  });

  it("never loses its place when cancels move listed sessions out of a status query (cursor held back)", async () => {
    const sessions = Array.from({ length: 345 }, (_, i) => session(`vs_${i}`, { created: OLD - i }));
    const api = new FakeApi(sessions, { cursorInFilter: true });
    const report = await run(api, { action: "cancel", filter: { createdBefore: "7d", status: ["requires_input"] } });
    expect(report).toMatchObject({ matched: 345, canceled: 345, failed: 0, complete: true });
    expect(api.sessions.every((s) => s.status === "canceled")).toBe(true);
  });

  it("lists several statuses in one pass, each session once", async () => {
    const sessions = Array.from({ length: 250 }, (_, i) => session(`vs_${i}`, { created: OLD - i, status: i % 2 ? "canceled" : "requires_input" }));
    const api = new FakeApi(sessions);
    const report = await run(api, { filter: { createdBefore: "7d", status: ["requires_input", "canceled"] } });
    expect(report).toMatchObject({ matched: 250, redacted: 125, skippedByReason: { canceled: 125 } });
    const pages = api.calls.filter((c) => c.kind === "list");
    expect(pages.map((c) => c.status)).toEqual([undefined, undefined, undefined, undefined]); // the clock, then three pages
  });

  it("maxSessions: counts first and aborts before any write when more match", async () => {
    const api = new FakeApi(zoo());
    const error = await run(api, { maxSessions: 35 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxSessionsExceededError);
    expect(error).toMatchObject({ matched: 36, maxSessions: 35, code: "max_sessions_exceeded" });
    expect(api.calls.some((c) => c.kind === "act")).toBe(false);
    const ok = await run(new FakeApi(zoo()), { maxSessions: 36 });
    expect(ok).toMatchObject({ matched: 36, redacted: 6 });
    expect(ok.requests).toBe(15); // the clock, one page counted, one page swept, six re-reads, six writes
  });

  it("maxSessions: a dry run reports the overflow as the same guard error", async () => {
    await expect(run(new FakeApi(zoo()), { maxSessions: 5, dryRun: true })).rejects.toBeInstanceOf(MaxSessionsExceededError);
  });

  it("refuses live keys unless allowed, malformed keys, and unbounded filters, before any request", async () => {
    const api = new FakeApi(zoo());
    await expect(run(api, { apiKey: "sk_live_abc" })).rejects.toBeInstanceOf(LivemodeRefusedError);
    await expect(run(api, { apiKey: "pk_test_abcdefgh" })).rejects.toThrow(/not a Stripe secret or restricted key/);
    await expect(run(api, { apiKey: "pk_test_abcdefgh" })).rejects.not.toThrow(/abcdefgh/);
    await expect(run(api, { filter: { status: ["verified"] } })).rejects.toBeInstanceOf(UserInputError);
    expect(api.calls).toHaveLength(0);
    const live = await run(new FakeApi(zoo()), { apiKey: "sk_live_abc", allowLivemode: true });
    expect(live.redacted).toBe(6);
  });

  it("stops on abort, reports exact counts, and a rerun finishes the rest without touching done sessions twice", async () => {
    const sessions = Array.from({ length: 400 }, (_, i) => session(`vs_${i}`, { created: OLD - i }));
    const api = new FakeApi(sessions);
    const controller = new AbortController();
    let seen = 0;
    const first = await run(api, {
      signal: controller.signal,
      concurrency: 4,
      onSession: () => {
        if (++seen === 120) controller.abort();
      },
    });
    expect(first.complete).toBe(false);
    expect(first.stoppedBecause).toBe("aborted");
    expectConsistent(first);
    expect(first.redacted).toBeGreaterThanOrEqual(120);
    expect(first.redacted).toBeLessThan(400);
    expect(api.sessions.filter((s) => s.redaction).length).toBe(first.redacted);
    const second = await run(api);
    expect(second).toMatchObject({ matched: 400, redacted: 400 - first.redacted, skippedByReason: { redaction_in_progress: first.redacted } });
    const acts = api.calls.filter((c) => c.kind === "act").map((c) => c.id);
    expect(new Set(acts).size).toBe(acts.length);
  });

  it("keeps the lister at most a bounded queue ahead of the writes (backpressure)", async () => {
    const sessions = Array.from({ length: 2000 }, (_, i) => session(`vs_${i}`, { created: OLD - i }));
    const api = new FakeApi(sessions);
    let maxAhead = 0;
    await run(api, {
      concurrency: 2,
      onProgress: (p) => {
        maxAhead = Math.max(maxAhead, p.listed - p.matched);
      },
    });
    expect(maxAhead).toBeLessThanOrEqual(200 + 100 + 2);
  });

  it("a listing failure stops the run with a reason; what was queued is still handled", async () => {
    const sessions = Array.from({ length: 150 }, (_, i) => session(`vs_${i}`, { created: OLD - i }));
    const api: FakeApi = new FakeApi(sessions, {
      // The clock request and the first page succeed, then every page fails.
      fault: (kind): Fault | undefined => (kind === "list" && api.calls.filter((c) => c.kind === "list").length > 2 ? "server_error" : undefined),
    });
    const report = await run(api, { retry: { transientAttempts: 2, sleep: async () => undefined } });
    expect(report.complete).toBe(false);
    expect(report.stoppedBecause).toMatch(/^listing failed: 500/);
    expectConsistent(report);
    expect(report.redacted).toBe(99); // the first page minus the held-back cursor
  });
});
