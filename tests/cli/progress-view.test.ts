/**
 * What the sweep shows while it runs (issue 10 item 7): the bar's numbers, its width, plan mode,
 * Ctrl-C; and the engine's progress snapshots it is drawn from.
 */
import { barLine, progressView } from "../../cli/output";
import type { SweepProgress } from "../../provider/redaction/report";
import { runBulkRedaction } from "../../provider/redaction/run";
import { FakeApi, session } from "../unit/redaction/fake-api";

function progress(overrides: Partial<SweepProgress> = {}): SweepProgress {
  return {
    listed: 0, matched: 0, redacted: 0, canceled: 0, wouldAct: 0, skipped: 0, failed: 0, unknown: 0,
    requests: 0, rateLimited: 0, elapsedMs: 1000, phase: "sweeping", rate: 25, listingDone: false, pending: 0,
    ...overrides,
  };
}

describe("barLine", () => {
  it("counts sessions handled out of those found, then done, failed, skipped", () => {
    const line = barLine(progress({ listed: 300, matched: 200, redacted: 40, skipped: 9, failed: 1, requests: 25 }), 120, false);
    expect(line).toBe("sweeping [###-------] 50/200 | done 40 | failed 1 | skipped 9 | 25.0 req/s");
  });
  it("fits 80 columns with six-digit counts and keeps failed, dropping the rate first", () => {
    const line = barLine(progress({ listed: 999_999, matched: 999_999, redacted: 888_888, skipped: 100_000, failed: 11_111, requests: 99_999 }), 80, false);
    expect(line.length).toBeLessThan(80);
    expect(line).toContain("failed 11111");
  });
  it("says would in plan mode, never done", () => {
    const line = barLine(progress({ matched: 6, wouldAct: 6 }), 80, true);
    expect(line).toMatch(/^planning .* 6\/6 \| would 6 \|/);
    expect(line).not.toMatch(/done/);
  });
  it("shows the counting pass as matched of listed", () => {
    expect(barLine(progress({ phase: "counting", listed: 10, matched: 6 }), 80, false)).toMatch(/^counting \[.*\] matched 6 of 10 listed/);
  });
});

describe("progressView on a terminal", () => {
  it("after Ctrl-C the bar is finished off, the message follows, and nothing is drawn again", () => {
    let written = "";
    const stream = { isTTY: true, columns: 80, write: (text: string) => ((written += text), true), on: () => stream, removeListener: () => stream, cursorTo: () => true, clearLine: () => true, moveCursor: () => true };
    const view = progressView(stream, "bar", false);
    view.update(progress({ matched: 5, redacted: 1 }));
    view.interrupt("stopping: finishing the requests in flight");
    const atInterrupt = written.length;
    view.update(progress({ matched: 5, redacted: 5 }));
    view.stop();
    expect(written.length).toBe(atInterrupt);
    expect(written.endsWith("stopping: finishing the requests in flight\n")).toBe(true);
  });
});

describe("progress snapshots", () => {
  const NOW = Date.UTC(2026, 5, 15);
  const OLD = Math.floor(NOW / 1000) - 30 * 86_400;
  const base = { apiKey: "sk_test_unit", filter: { createdBefore: "7d" }, action: "redact" as const, now: () => NOW, requestsPerSecond: 100_000, endpointRequestsPerSecond: 100_000, retry: { sleep: async () => undefined } };

  it("matched never goes back: the sweep after a counting pass starts from what its first page found", async () => {
    const api = new FakeApi(Array.from({ length: 6 }, (_, i) => session(`vs_${i}`, { created: OLD - i })));
    const seen: Array<[string, number]> = [];
    await runBulkRedaction({ ...base, api, maxSessions: 10, onProgress: (p) => seen.push([p.phase, p.matched]) });
    const sweeping = seen.filter(([phase]) => phase === "sweeping").map(([, m]) => m);
    expect(sweeping.length).toBeGreaterThan(0);
    expect(sweeping.every((m) => m === 6)).toBe(true);
  });

  it("lists no page after the abort", async () => {
    const api = new FakeApi(Array.from({ length: 1000 }, (_, i) => session(`vs_${i}`, { created: OLD - i })));
    const controller = new AbortController();
    let listsAtAbort = -1;
    const report = await runBulkRedaction({
      ...base,
      api,
      // Slow enough that the next page is waiting for its token when the abort comes.
      requestsPerSecond: 40,
      concurrency: 2,
      signal: controller.signal,
      onSession: () => {
        if (listsAtAbort < 0) {
          listsAtAbort = api.calls.filter((c) => c.kind === "list").length;
          controller.abort();
        }
      },
    });
    expect(report.stoppedBecause).toBe("aborted");
    expect(api.calls.filter((c) => c.kind === "list").length).toBe(listsAtAbort);
  });
});
