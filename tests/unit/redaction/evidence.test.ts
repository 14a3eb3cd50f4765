/**
 * Evidence files: each line's own hash names an edited line; `prev` catches removed, inserted or
 * reordered lines; the run structure catches a header without its footer and a footer that does
 * not count its records; a keyed chain (HMAC) resists a tamperer who recomputes; a torn last line
 * is isolated by the next writer; a second writer is refused while the first lives; and a write
 * that fails (ENOSPC, injected at the writer's file-system boundary) stops the run before its
 * next write to Stripe, with an exact report (issue 19).
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync, appendFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ChainHasher, evidenceFilter, GENESIS, sha256, unseal } from "../../../provider/redaction/evidence";
import { rechain } from "../../helpers/evidence-forgery";
import { parseEvidence, verifyChain } from "../../../provider/redaction/evidence-chain";
import { EvidenceWriter } from "../../../provider/redaction/evidence-writer";
import { runBulkRedaction } from "../../../provider/redaction/run";
import { FakeApi, session } from "./fake-api";

const TIME = "2026-12-01T00:00:00.000Z";

function writeRun(file: string, runId: string, ids: string[], key?: string): void {
  const writer = new EvidenceWriter(file, { key });
  writer.append({ kind: "header", v: 2, runId, tool: "test", time: TIME, now: TIME, chain: writer.hasher.mode, ...(writer.hasher.keyId ? { keyId: writer.hasher.keyId } : {}), action: "redact", mode: "test", account: null, accountId: "acct_1", dryRun: false, filter: { createdBefore: TIME } });
  for (const id of ids) {
    writer.append({ kind: "intent", runId, id, action: "redact", time: TIME });
    writer.append({ kind: "session", runId, id, action: "redact", result: "redacted", time: TIME, statusBefore: "verified", redactionAfter: "processing", requestId: "req_1" });
  }
  writer.append({ kind: "footer", runId, time: TIME, records: writer.records, counts: { matched: ids.length, redacted: ids.length, canceled: 0, wouldAct: 0, skipped: 0, failed: 0, unknown: 0, complete: true } });
  writer.close();
}

const freshFile = (): string => path.join(mkdtempSync(path.join(tmpdir(), "evidence-")), "evidence.jsonl");
const linesOf = (file: string): string[] => readFileSync(file, "utf8").trim().split("\n");

describe("the evidence chain", () => {
  it("holds for two runs appended to one file, starting from the genesis hash", () => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1", "vs_2"]);
    writeRun(file, "run-2", ["vs_3"]);
    const check = verifyChain(readFileSync(file, "utf8"));
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.lines).toHaveLength(10);
    expect(check.lines[0].prev).toBe(GENESIS);
    expect(check.lines[6].prev).toBe(check.lines[5].hash);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  const tampered: Array<[string, (lines: string[]) => string[], number]> = [
    // An edit is named at the edited line, not the one after it.
    ["an edited line 2", (l) => l.map((t, i) => (i === 1 ? t.replace("vs_1", "vs_9") : t)), 2],
    ["an edited footer", (l) => l.map((t, i) => (i === l.length - 1 ? t.replace('"redacted":3', '"redacted":4') : t)), 8],
    ["a removed line", (l) => l.filter((_, i) => i !== 1), 2],
    ["two lines swapped", (l) => [l[0], l[2], l[1], ...l.slice(3)], 2],
  ];
  it.each(tampered)("detects %s and names the line at fault", (_name, change, badLine) => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1", "vs_2", "vs_3"]);
    writeFileSync(file, change(linesOf(file)).join("\n") + "\n");
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: false, line: badLine });
  });

  it("refuses a header without its footer, a truncated run, and a footer that does not count the records, even rechained", () => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1", "vs_2"]);
    const lines = linesOf(file);
    expect(verifyChain(lines.slice(0, -1).join("\n") + "\n")).toMatchObject({ ok: false, line: 1, problem: expect.stringMatching(/no footer/) });
    expect(verifyChain(lines.slice(0, -3).join("\n") + "\n")).toMatchObject({ ok: false, problem: expect.stringMatching(/no footer/) });
    // Records removed, chain recomputed: the footer still counts them.
    expect(verifyChain(rechain([...lines.slice(0, 3), lines[lines.length - 1]]))).toMatchObject({ ok: false, line: 4, problem: expect.stringMatching(/counts 4 record/) });
    // A skipped session turned into a redaction, rechained: the footer's counts disagree.
    const forged = lines.map((t, i) => (i === 2 ? t.replace('"result":"redacted"', '"result":"skipped"') : t));
    expect(verifyChain(rechain(forged))).toMatchObject({ ok: false, problem: expect.stringMatching(/counts do not add up/) });
    expect(verifyChain(content("")).ok).toBe(false);
  });

  it("a keyed chain resists recomputation: a rechained file fails with the key, and a keyed file needs it", () => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1", "vs_2"], "k-secret");
    const text = readFileSync(file, "utf8");
    expect(verifyChain(text, "k-secret").ok).toBe(true);
    expect(verifyChain(text)).toMatchObject({ ok: false, kind: "usage" });
    expect(verifyChain(text, "other")).toMatchObject({ ok: false, kind: "usage" });
    const edited = linesOf(file).map((t, i) => (i === 1 ? t.replace("vs_1", "vs_9") : t));
    // Rechained with SHA-256 (the tamperer has no key): not a keyed file any more.
    const keyless = rechain(edited.map((t) => t.replace('"chain":"hmac-sha256"', '"chain":"sha256"')));
    expect(verifyChain(keyless, "k-secret")).toMatchObject({ ok: false, kind: "broken" });
    // Rechained with a guessed key: every line fails.
    expect(verifyChain(rechain(edited, new ChainHasher("guess")), "k-secret")).toMatchObject({ ok: false, line: 1 });
  });

  it("isolates a torn last line when the next run opens the file, and closes the interrupted run", () => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1"]);
    const writer = new EvidenceWriter(file);
    writer.append({ kind: "header", v: 2, runId: "run-2", tool: "test", time: TIME, now: TIME, chain: "sha256", action: "redact", mode: "test", account: null, accountId: null, dryRun: false, filter: {} });
    writer.append({ kind: "intent", runId: "run-2", id: "vs_2", action: "redact", time: TIME });
    writer.close();
    appendFileSync(file, '{"kind":"session","runId":"run-2","id":"vs_2","act'); // killed mid-line
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: false, problem: expect.stringMatching(/incomplete/) });
    writeRun(file, "run-3", ["vs_3"]);
    const check = verifyChain(readFileSync(file, "utf8"));
    expect(check).toMatchObject({ ok: true, torn: [{ line: 7, bytes: 50 }], interrupted: ["run-2"] });
  });

  it("refuses a second writer while the first lives, and takes over a dead writer's lock", () => {
    const file = freshFile();
    const first = new EvidenceWriter(file);
    expect(() => new EvidenceWriter(file)).toThrow(new RegExp(`another run \\(pid ${process.pid}`));
    first.close();
    writeFileSync(`${file}.lock`, `999999999@${require("node:os").hostname()}`);
    expect(() => new EvidenceWriter(file).close()).not.toThrow();
  });

  it("tightens an existing file readable by others to 0600", () => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1"]);
    chmodSync(file, 0o644);
    new EvidenceWriter(file).close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("names an evidence file of the earlier format as such, not as broken", () => {
    const v1 = `${JSON.stringify({ kind: "header", runId: "r", tool: "t", time: TIME, action: "redact", mode: "test", account: null, dryRun: false, filter: {}, prev: GENESIS })}\n`;
    expect(verifyChain(v1)).toMatchObject({ ok: false, kind: "usage", problem: expect.stringMatching(/format 1, written by an earlier version/) });
  });

  it("keeps identifying filter values out, as digests", () => {
    const filter = evidenceFilter({ metadata: { user: "jenny@example.com" }, clientReferenceIdPrefix: "signup-jenny", createdBefore: "7d" });
    expect(JSON.stringify(filter)).not.toMatch(/jenny/);
    expect(filter).toMatchObject({ createdBefore: "7d", metadata: { user: `sha256:${sha256("jenny@example.com")}` } });
  });
});

function content(text: string): string {
  return text;
}

describe("an evidence write that fails (ENOSPC at the writer's boundary)", () => {
  const NOW = Date.UTC(2026, 5, 15);
  const OLD = Math.floor(NOW / 1000) - 30 * 86_400;

  it.each([1, 2])("stops the run before its next write to Stripe (concurrency %i): every write has a durable intent, the report is exact", async (concurrency) => {
    const file = freshFile();
    const api = new FakeApi(Array.from({ length: 40 }, (_, i) => session(`vs_${i}`, { created: OLD, status: "verified" })));
    let writes = 0;
    const durable: string[] = [];
    const report = await runBulkRedaction({
      apiKey: "sk_test_unit",
      filter: { createdBefore: "7d" },
      action: "redact",
      requestsPerSecond: 100_000,
      endpointRequestsPerSecond: 100_000,
      concurrency,
      now: () => NOW,
      retry: { sleep: async () => undefined },
      api,
      evidencePath: file,
      evidenceFs: {
        writeSync: (fd, text) => {
          // The disk fills after 12 lines (header included).
          if (++writes > 12) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
          return require("node:fs").writeSync(fd, text);
        },
        fsyncSync: (fd) => {
          require("node:fs").fsyncSync(fd);
          durable.push(...readFileSync(file, "utf8").split("\n").filter(Boolean).slice(durable.length));
        },
      },
    });
    expect(report.complete).toBe(false);
    expect(report.stoppedBecause).toMatch(/evidence: cannot write to .*the disk is full/);
    const acted = api.calls.filter((c) => c.kind === "act").map((c) => c.id!);
    const intents = new Set(durable.map((t) => JSON.parse(unseal(t)!.body)).filter((l) => l.kind === "intent").map((l) => l.id));
    for (const id of acted) expect(intents.has(id)).toBe(true);
    expect(acted.length).toBeLessThan(40);
    expect(report.redacted).toBe(new Set(acted).size);
    expect(report.matched).toBe(report.redacted + report.skipped + report.failed + report.unknown);
    // What reached the disk is a valid prefix: the next writer can close the run and go on.
    expect(parseEvidence(readFileSync(file, "utf8"))).toMatchObject({ ok: true, openRun: expect.anything() });
  });
});
