/**
 * Evidence end to end (issue 12): a sweep with --evidence, then `stripe-identity-sweep verify` and
 * its three exit codes (0 all redacted, 4 still processing, 5 chain broken), and no personal data
 * in the file (every metadata value, client reference id and verified output of the run's sessions
 * is looked for). BulkRedaction writes the same file through its `evidence` arg.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "../../cli/args";
import { runSweepCli } from "../../cli/run";
import { verifyChain } from "../../provider/redaction/evidence";
import { createBulkRedactionProvider } from "../../provider/redaction/provider";
import { ensureBuilt } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";

let emu: TestEmulator;
beforeAll(async () => {
  ensureBuilt();
  emu = await startTestEmulator({ redactionDelayMs: 600_000 });
});
afterAll(() => emu.close());

const BIN = path.join(__dirname, "../../dist/cli/bin.js");
const dir = () => mkdtempSync(path.join(tmpdir(), "evidence-cli-"));

function verifyBin(file: string, key: string, json = true): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "verify", file, ...(json ? ["--json"] : [])], { env: { PATH: process.env.PATH ?? "", STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function sweep(key: string, args: string[]): Promise<number> {
  const parsed = parseArgs(args, { env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url }, readFile: () => undefined });
  if (parsed.kind !== "run") throw new Error(JSON.stringify(parsed));
  return runSweepCli(parsed.options, { stdout: { write: () => true }, stderr: { write: () => true } });
}

test("a sweep with --evidence, then verify: 4 while redactions are processing, 0 once done, 5 after tampering", async () => {
  const key = emu.newKey();
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  await emu.control.seed({ apiKey: key, count: 6, status: "verified", created: { from: to - 60, to }, metadata: { owner: "jenny.rosen@example.com" }, clientReferenceIdPrefix: "user-4242-" });
  await emu.control.seed({ apiKey: key, count: 2, status: "canceled", created: { from: to - 60, to }, metadata: { owner: "jenny.rosen@example.com" }, clientReferenceIdPrefix: "user-4242-" });
  const before = await emu.control.sessions(key);
  const file = path.join(dir(), "evidence.jsonl");
  expect(await sweep(key, ["--metadata", "owner=jenny.rosen@example.com", "--yes", "--evidence", file, "--rps", "500", "--endpoint-rps", "500"])).toBe(0);

  const content = readFileSync(file, "utf8");
  const chain = verifyChain(content);
  expect(chain.ok).toBe(true);
  if (!chain.ok) return;
  expect(chain.lines.filter((l) => l.kind !== "intent").map((l) => l.kind)).toEqual(["header", ...Array(8).fill("session"), "footer"]);
  expect(chain.lines[0]).toMatchObject({ action: "redact", mode: "test", account: null, accountId: expect.stringMatching(/^acct_/), tool: "stripe-identity-sweep" });
  // Write ahead: each redaction's intent comes before its outcome record.
  const kinds = chain.lines.map((l) => `${l.kind}:${(l as { id?: string }).id ?? ""}`);
  for (const l of chain.lines) if (l.kind === "session" && l.result === "redacted") expect(kinds.indexOf(`intent:${l.id}`)).toBeLessThan(kinds.indexOf(`session:${l.id}`));
  expect(chain.lines.filter((l) => l.kind === "intent")).toHaveLength(6);
  const records = chain.lines.filter((l) => l.kind === "session");
  expect(records.filter((r) => r.kind === "session" && r.result === "redacted")).toHaveLength(6);
  for (const r of records) if (r.kind === "session" && r.result === "redacted") expect(r).toMatchObject({ statusBefore: "verified", redactionAfter: "processing", requestId: expect.stringMatching(/^req_/) });
  expect(records.filter((r) => r.kind === "session" && r.result === "skipped").map((r) => (r as { reason?: string }).reason)).toEqual(["canceled", "canceled"]);
  // No personal data: no metadata value, client reference id or verified output of these sessions.
  const personal = new Set<string>(["jenny.rosen@example.com"]);
  for (const s of before) {
    if (s.client_reference_id) personal.add(s.client_reference_id);
    // Names, email, phone, id number: the outputs that identify a person (sex is an enum).
    const outputs = (s.verified_outputs ?? {}) as Record<string, unknown>;
    for (const field of ["first_name", "last_name", "email", "phone", "id_number", "unparsed_place_of_birth"]) {
      if (typeof outputs[field] === "string" && (outputs[field] as string).length > 2) personal.add(outputs[field] as string);
    }
  }
  for (const value of personal) expect(content).not.toContain(value);

  const pending = await verifyBin(file, key);
  expect(pending.code).toBe(4);
  expect(JSON.parse(pending.stdout)).toMatchObject({ exit: 4, chain: "ok", sessions: 6, redacted: 0, pending: expect.arrayContaining([expect.objectContaining({ status: "processing" })]) });
  await emu.control.finishRedactions(key);
  const done = await verifyBin(file, key, false);
  expect(done.code).toBe(0);
  expect(done.stdout).toMatch(/All 6 redacted session\(s\) are redacted/);

  const lines = content.trim().split("\n");
  writeFileSync(file, [lines[0], lines[2], lines[1], ...lines.slice(3)].join("\n") + "\n");
  const broken = await verifyBin(file, key);
  expect(broken.code).toBe(5);
  expect(JSON.parse(broken.stdout)).toMatchObject({ exit: 5, chain: "broken", line: 2 });
  for (const out of [pending, done, broken]) expect(out.stdout + out.stderr).not.toContain(key);
});

test("BulkRedaction writes evidence through its arg, and a second run continues the same chain", async () => {
  const key = emu.newKey();
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  await emu.control.seed({ apiKey: key, count: 3, created: { from: to - 60, to }, clientReferenceIdPrefix: "bulk-" });
  const file = path.join(dir(), "bulk.jsonl");
  const provider = createBulkRedactionProvider({ env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url }, logger: { info: () => undefined, warn: () => undefined } });
  const args = { filter: { clientReferenceIdPrefix: "bulk-" }, action: "redact", runOn: ["create", "destroy"], evidence: { path: file }, endpointRequestsPerSecond: 500, requestsPerSecond: 500, resourceName: "privacy" };
  const created = await provider.create((await provider.check!({}, args)).inputs);
  await provider.delete!(created.id, created.outs);
  const chain = verifyChain(readFileSync(file, "utf8"));
  expect(chain.ok).toBe(true);
  if (!chain.ok) return;
  expect(chain.lines.filter((l) => l.kind === "header")).toHaveLength(2);
  expect(chain.lines.filter((l) => l.kind === "session" && l.result === "redacted")).toHaveLength(3);
  expect(chain.lines.filter((l) => l.kind === "session" && l.result === "skipped")).toHaveLength(3);
});

test("BulkRedaction pendingRedaction: the sessions it redacted until Stripe finishes; refresh (read) re-checks them, one read each", async () => {
  const key = emu.newKey();
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  const { ids } = await emu.control.seed({ apiKey: key, count: 3, status: "verified", created: { from: to - 60, to }, clientReferenceIdPrefix: "pend-" });
  const provider = createBulkRedactionProvider({ env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url }, logger: { info: () => undefined, warn: () => undefined } });
  const args = { filter: { clientReferenceIdPrefix: "pend-" }, action: "redact", endpointRequestsPerSecond: 500, requestsPerSecond: 500, resourceName: "pending" };
  const created = await provider.create((await provider.check!({}, args)).inputs);
  expect([...created.outs.pendingRedaction].sort()).toEqual([...ids].sort());
  const reads = async () => (await emu.control.stats()).requests["GET /v1/identity/verification_sessions/:id"] ?? 0;
  const before = await reads();
  const still = await provider.read!(created.id, created.outs);
  expect(still.props?.pendingRedaction).toHaveLength(3);
  expect((await reads()) - before).toBe(3);
  await emu.control.finishRedactions(key);
  const done = await provider.read!(created.id, still.props);
  expect(done.props?.pendingRedaction).toEqual([]);
  // Nothing pending: a refresh makes no call.
  const quiet = await reads();
  await provider.read!(created.id, done.props);
  expect(await reads()).toBe(quiet);
});
