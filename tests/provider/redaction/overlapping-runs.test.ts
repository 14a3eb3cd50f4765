/**
 * Two bulk runs over the same sessions at once (two CI jobs, a cron job and a person), under
 * Stripe's limits, against the real emulator with the real SDK. Redact keys are shared by every
 * run, so when both write one session Stripe does it once: the loser's request waits on the
 * object's lock (`429 lock_timeout`) and its retry is answered from the idempotency store. Each
 * run must count only what it did: every redacted session is counted by exactly one run.
 *
 * Whether an earlier attempt of this run was refused is known from the answer to the request this
 * run sent, not from a header of that answer: the second case goes through a proxy that drops the
 * echoed `Idempotency-Key` from responses, as a gateway may.
 */
import { startCaptureProxy, type Captured } from "../../helpers/capture-proxy";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { runBulkRedaction } from "../../../provider/redaction/run";
import type { SessionOutcome } from "../../../provider/redaction/report";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.control.config({ latencyMs: 20, jitterMs: 20, rateLimit: { test: 120, live: 120, perEndpoint: 120 } });
});
afterAll(async () => {
  await emu.close();
});

async function overlappingRuns(apiBases: [string, string]): Promise<void> {
  const key = emu.newKey();
  const nowSeconds = Math.floor(Date.now() / 1000);
  await emu.control.seed({ apiKey: key, count: 100, status: "verified", created: { from: nowSeconds - 30 * 86_400, to: nowSeconds - 8 * 86_400 }, clientReferenceIdPrefix: "shop-" });
  const statsBefore = await emu.control.stats();
  const outcomes: SessionOutcome[][] = [[], []];
  const reports = await Promise.all(
    apiBases.map((apiBase, run) =>
      runBulkRedaction({
        apiKey: key,
        apiBase,
        filter: { createdBefore: "7d", clientReferenceIdPrefix: "shop-" },
        action: "redact",
        requestsPerSecond: 120,
        endpointRequestsPerSecond: 120,
        retry: { policy: { baseMs: 20, maxMs: 200 } },
        onSession: (outcome) => outcomes[run].push(outcome),
      }),
    ),
  );
  // The runs did contend: some writes met the other run's lock (429s the rate limiter did not send).
  const limiterRefusals = (await emu.control.stats()).rateLimited - statsBefore.rateLimited;
  expect(reports[0].rateLimited + reports[1].rateLimited).toBeGreaterThan(limiterRefusals);
  const redactedNow = (await emu.control.sessions(key)).filter((s) => s.redaction !== null).length;
  expect(redactedNow).toBe(100);
  for (const report of reports) expect(report).toMatchObject({ complete: true, failed: 0, unknown: 0 });
  // Each run counts what it did; together exactly what happened, no session claimed by both.
  const claimed = outcomes.map((list) => new Set(list.filter((o) => o.result === "redacted").map((o) => o.id)));
  const both = [...claimed[0]].filter((id) => claimed[1].has(id));
  expect(both).toEqual([]);
  expect(reports[0].redacted + reports[1].redacted).toBe(100);
  expect(reports.map((r) => r.redacted)).toEqual(claimed.map((set) => set.size));
}

describe("two runs over the same sessions at once", () => {
  it("count together exactly the redactions that happened", async () => {
    await overlappingRuns([emu.url, emu.url]);
  });

  it("still do when responses do not echo the Idempotency-Key (refusals are matched by the request sent)", async () => {
    const proxy = await startCaptureProxy(emu.url, { dropResponseHeaders: ["Idempotency-Key"] });
    try {
      // Until the case at stake shows up on the proxied run's wire (each round is checked in full).
      let witnessed = false;
      for (let round = 0; round < 3 && !witnessed; round++) {
        proxy.captured.length = 0;
        await overlappingRuns([emu.url, proxy.url]);
        witnessed = lockTimeoutThenReplay(proxy.captured);
      }
      expect(witnessed).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

/** A redact answered `429 lock_timeout` (the other run held the session), then 200 on the same session. */
function lockTimeoutThenReplay(captured: Captured[]): boolean {
  const locked = new Set<string>();
  for (const { method, path, status, body } of captured) {
    if (method !== "POST" || !path.endsWith("/redact")) continue;
    if (status === 429 && body.includes("lock_timeout")) locked.add(path);
    else if (status === 200 && locked.has(path)) return true;
  }
  return false;
}
