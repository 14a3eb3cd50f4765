/**
 * BulkRedaction with `strategy: "redactionJobs"`, through the provider Pulumi runs: a teardown
 * redacts by jobs with evidence `verify` checks; the per-session default is unchanged; cancel by
 * jobs is refused at check, naming the field.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "../../../provider/log";
import { createBulkRedactionProvider } from "../../../provider/redaction/provider";
import { verifyChain } from "../../../provider/redaction/evidence";
import { runVerify } from "../../../cli/verify";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

async function providerFor(key: string) {
  const logger: Logger = { info: () => undefined, warn: () => undefined };
  const provider = createBulkRedactionProvider({ logger, env: {}, progressIntervalMs: 0 });
  const config: Record<string, string> = { "stripe-identity:apiKey": key, "stripe-identity:apiBase": emu.url };
  await provider.configure!({ config: { get: (k) => config[k], require: (k) => config[k] } });
  return provider;
}

test("a teardown by Redaction Jobs redacts the matching sessions, with evidence verify checks", async () => {
  const key = emu.newKey();
  const ids = (await emu.control.seed({ apiKey: key, count: 4, status: "verified", metadata: { app: "dev" } })).ids;
  const other = (await emu.control.seed({ apiKey: key, count: 2, status: "verified", metadata: { app: "prod" } })).ids;
  const file = path.join(mkdtempSync(path.join(tmpdir(), "jobs-provider-")), "evidence.jsonl");
  const provider = await providerFor(key);
  const inputs = { filter: { metadata: { app: "dev" } }, action: "redact", runOn: ["destroy"], strategy: "redactionJobs", evidence: { path: file } };
  const checked = await provider.check!({}, inputs);
  expect(checked.failures ?? []).toEqual([]);
  const created = await provider.create!(checked.inputs);
  await provider.delete!(created.id, { ...checked.inputs, ...created.outs });
  const sessions = new Map((await emu.control.sessions(key)).map((s) => [s.id, (s.redaction as { status: string } | null)?.status ?? null]));
  for (const id of ids) expect(sessions.get(id)).toBe("redacted");
  for (const id of other) expect(sessions.get(id)).toBeNull();
  const chain = verifyChain(readFileSync(file, "utf8"));
  expect(chain.ok && chain.lines.some((line) => line.kind === "job" && line.status === "succeeded")).toBe(true);
  expect(await runVerify({ file, json: true, apiKey: key, apiBase: emu.url }, { stdout: { write: () => true }, stderr: { write: () => true } })).toBe(0);
});

test("strategy: redactionJobs with action cancel is refused at check, naming the field; the default is perSession", async () => {
  const provider = await providerFor(emu.newKey());
  const refused = await provider.check!({}, { filter: { metadata: { app: "dev" } }, action: "cancel", strategy: "redactionJobs" });
  expect(refused.failures).toEqual([{ property: "strategy", reason: expect.stringContaining("only redact") }]);
  const plain = await provider.check!({}, { filter: { metadata: { app: "dev" } }, action: "cancel" });
  expect([plain.failures ?? [], plain.inputs.strategy]).toEqual([[], "perSession"]);
});

test("state written before `strategy` existed diffs as perSession: an upgrade makes no update (no sweep runs)", async () => {
  const provider = await providerFor(emu.newKey());
  const olds = { filter: { metadata: { app: "dev" } }, action: "redact", runOn: ["create", "update"], dryRun: false, allowLivemode: false, processingTimeoutSeconds: 120, previewCount: false };
  const news = (await provider.check!(olds, { filter: { metadata: { app: "dev" } }, action: "redact" })).inputs;
  expect(news.strategy).toBe("perSession");
  expect((await provider.diff!("id", olds, news)).changes).toBe(false);
  expect((await provider.diff!("id", olds, { ...news, strategy: "redactionJobs" })).changes).toBe(true);
});
