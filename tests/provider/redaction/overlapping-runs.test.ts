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
import http from "node:http";
import type { AddressInfo } from "node:net";
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

/** Forwards to `target`, dropping the named response headers. */
async function headerDroppingProxy(target: string, dropped: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const base = new URL(target);
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const headers = { ...up.headers };
      for (const name of dropped) delete headers[name.toLowerCase()];
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

async function overlappingRuns(apiBases: [string, string]): Promise<void> {
  const key = emu.newKey();
  const nowSeconds = Math.floor(Date.now() / 1000);
  await emu.control.seed({ apiKey: key, count: 60, status: "verified", created: { from: nowSeconds - 30 * 86_400, to: nowSeconds - 8 * 86_400 }, clientReferenceIdPrefix: "shop-" });
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
  expect(redactedNow).toBe(60);
  for (const report of reports) expect(report).toMatchObject({ complete: true, failed: 0, unknown: 0 });
  // Each run counts what it did; together exactly what happened, no session claimed by both.
  const claimed = outcomes.map((list) => new Set(list.filter((o) => o.result === "redacted").map((o) => o.id)));
  const both = [...claimed[0]].filter((id) => claimed[1].has(id));
  expect(both).toEqual([]);
  expect(reports[0].redacted + reports[1].redacted).toBe(60);
  expect(reports.map((r) => r.redacted)).toEqual(claimed.map((set) => set.size));
}

describe("two runs over the same sessions at once", () => {
  it("count together exactly the redactions that happened", async () => {
    await overlappingRuns([emu.url, emu.url]);
  });

  it("still do when responses do not echo the Idempotency-Key (refusals are matched by the request sent)", async () => {
    const proxy = await headerDroppingProxy(emu.url, ["Idempotency-Key"]);
    try {
      await overlappingRuns([emu.url, proxy.url]);
    } finally {
      await proxy.close();
    }
  });
});
