/**
 * BulkRedaction end to end through the harness (a Pulumi program -> Pulumi's dynamic-provider
 * process -> the package by name -> the emulator): a teardown policy does nothing at `up`, a
 * teardown run that fails leaves the resource in state, and the next `destroy` finishes the job.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Harness, HarnessError, type Summary } from "../../../harness";
import { linkedWorkspace, type Workspace } from "../../harness/workspace";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";

jest.setTimeout(60_000);

let emu: TestEmulator;
let ws: Workspace;
let programDir: string;

beforeAll(async () => {
  emu = await startTestEmulator();
  ws = linkedWorkspace("bulk-harness-");
  programDir = ws.add("bulk", path.join(__dirname, "fixtures-bulk"));
});
afterAll(async () => {
  ws.remove();
  await emu.close();
});

const open = (key: string): Promise<Harness> =>
  Harness.open({ programDir, stack: "dev", config: { "stripe-identity:apiBase": emu.url, "bulk-redaction-fixture:prefix": "app-" }, secrets: { "stripe-identity:apiKey": key } });
const inState = (s: Summary): string[] => {
  const text = fs.readFileSync(s.stateFile, "utf8");
  return ["BulkRedactionRun", "stripe-identity:index:BulkRedaction"].filter((t) => text.includes(t));
};

test("runOn destroy: nothing at up; a failed teardown keeps the resource; the next destroy redacts every session of the app", async () => {
  const key = emu.newKey();
  const now = Math.floor(Date.now() / 1000);
  await emu.control.seed({ apiKey: key, count: 30, status: "verified", created: { from: now - 86_400, to: now - 60 }, clientReferenceIdPrefix: "app-" });
  await emu.control.seed({ apiKey: key, count: 10, status: "verified", created: { from: now - 86_400, to: now - 60 }, clientReferenceIdPrefix: "other-" });

  const up = await (await open(key)).up();
  expect(up.ok).toBe(true);
  expect(up.outputs).toMatchObject({ matched: 0, redacted: 0, lastRunAt: null });
  expect((await emu.control.sessions(key)).every((s) => s.redaction === null)).toBe(true);

  // The account's key is rejected at teardown (a 401 is not retried): the delete fails, the resource stays.
  const broken = await (await open("sk_test_revoked!key")).destroy().catch((e: unknown) => (e instanceof HarnessError ? e.summary : Promise.reject(e)));
  expect(broken.ok).toBe(false);
  // A malformed key is refused before any request, naming the setting (masked).
  expect(broken.error).toMatch(/stripe-identity:apiKey is not a Stripe secret or restricted key .*got sk_test_\*+!key\)/);
  expect(inState(broken)).toEqual(["BulkRedactionRun", "stripe-identity:index:BulkRedaction"]);
  expect(JSON.stringify(broken)).not.toContain("sk_test_revoked!key");

  const done = await (await open(key)).destroy();
  expect(done.ok).toBe(true);
  expect(inState(done)).toEqual([]);
  expect(done.logs.some((l) => /BulkRedaction teardown \(destroy\): matched 30; redacted 30/.test(l.message))).toBe(true);
  const after = await emu.control.sessions(key);
  expect(after.filter((s) => s.redaction !== null).map((s) => s.client_reference_id?.slice(0, 4))).toEqual(Array(30).fill("app-"));
  expect(JSON.stringify(done)).not.toContain(key);
});
