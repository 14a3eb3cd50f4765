/**
 * A plan says how many sessions a time-only bound leaves out (issue 19, item 4):
 * `--status verified --created-before 1h` is bounded, yet matches nearly every verified session.
 * Against the emulator with the real SDK, through runSweepCli.
 */
import { runSweepCli } from "../../cli/run";
import type { SweepCliOptions } from "../../cli/args";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
});

const DAY = 86_400;

function capture() {
  const out = { stdout: "", stderr: "" };
  return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t), isTTY: false } } };
}

async function plan(key: string, filter: SweepCliOptions["filter"], json: boolean): Promise<string> {
  const { out, io } = capture();
  const options: SweepCliOptions = { filter, action: "redact", dryRun: false, yes: false, json, allowLivemode: false, apiKey: key, apiBase: emu.url, rps: 1000, endpointRps: 1000 };
  expect(await runSweepCli(options, io)).toBe(0);
  return out.stdout;
}

describe("what a time bound leaves out, in the plan", () => {
  let key: string;
  beforeAll(async () => {
    key = emu.newKey();
    const now = Math.floor(Date.now() / 1000);
    await emu.control.seed({ apiKey: key, count: 120, status: "verified", created: { from: now - 30 * DAY, to: now - 2 * DAY }, clientReferenceIdPrefix: "old-" });
    await emu.control.seed({ apiKey: key, count: 3, status: "verified", created: { from: now - 1200, to: now - 600 }, clientReferenceIdPrefix: "new-" });
    await emu.control.seed({ apiKey: key, count: 5, status: "canceled", created: { from: now - 1200, to: now - 600 } });
  });

  it("--status verified --created-before 1h: the bound leaves out 3 of 123, and the count cost one request", async () => {
    const text = await plan(key, { status: ["verified"], createdBefore: "1h" }, false);
    expect(text).toContain("  The time bound leaves out 3 of the 123 sessions the rest of the filter matches (counting them took 1 request). It bounds almost nothing: is that the filter you meant?\n");
    const summary = JSON.parse(await plan(key, { status: ["verified"], createdBefore: "1h" }, true));
    expect(summary).toMatchObject({ matched: 120, leftOutByTimeBound: { sessions: 3, capped: false, requests: 1 } });
  });

  it("an identity bound narrows by itself: nothing counted, no request spent", async () => {
    const summary = JSON.parse(await plan(key, { createdBefore: "1h", clientReferenceIdPrefix: "old-" }, true));
    expect(summary.matched).toBe(120);
    expect(summary).not.toHaveProperty("leftOutByTimeBound");
    expect(summary.requests).toBe(1 + 2); // the clock and two pages, nothing more
  });

  it("counts at most 1,000 a side (ten list requests) and says so", async () => {
    const many = emu.newKey();
    const now = Math.floor(Date.now() / 1000);
    await emu.control.seed({ apiKey: many, count: 1_050, status: "verified", created: { from: now - 30 * DAY, to: now - 20 * DAY } });
    await emu.control.seed({ apiKey: many, count: 2, status: "verified", created: { from: now - 2 * DAY, to: now - DAY } });
    const text = await plan(many, { status: ["verified"], createdAfter: "10d" }, false);
    expect(text).toContain("  The time bound leaves out more than 1,000 sessions the rest of the filter matches (counting stopped there, after 10 requests).\n");
  });
});
