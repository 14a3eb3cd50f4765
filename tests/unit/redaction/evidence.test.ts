/**
 * Evidence files (issue 12): the hash chain detects an edited, removed or reordered line and a
 * truncated file, names the first bad line, and keeps one chain across appended runs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EvidenceWriter, evidenceFilter, GENESIS, sha256, verifyChain } from "../../../provider/redaction/evidence";

function writeRun(file: string, runId: string, ids: string[]): void {
  const writer = new EvidenceWriter(file);
  const time = "2026-12-01T00:00:00.000Z";
  writer.append({ kind: "header", runId, tool: "test", time, action: "redact", mode: "test", account: null, dryRun: false, filter: { createdBefore: "7d" } });
  for (const id of ids) writer.append({ kind: "session", runId, id, action: "redact", result: "redacted", time, statusBefore: "verified", redactionAfter: "processing", requestId: "req_1" });
  writer.append({ kind: "footer", runId, time, counts: { matched: ids.length, redacted: ids.length, canceled: 0, wouldAct: 0, skipped: 0, failed: 0, unknown: 0, complete: true } });
}

function freshFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "evidence-")), "evidence.jsonl");
}

describe("the evidence chain", () => {
  it("holds for two runs appended to one file, starting from the genesis hash", () => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1", "vs_2"]);
    writeRun(file, "run-2", ["vs_3"]);
    const check = verifyChain(readFileSync(file, "utf8"));
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.lines).toHaveLength(7);
    expect(check.lines[0].prev).toBe(GENESIS);
    const texts = readFileSync(file, "utf8").trim().split("\n");
    expect(check.lines[4].prev).toBe(sha256(texts[3]));
  });

  const tampered: Array<[string, (lines: string[]) => string[], number]> = [
    ["an edited line", (l) => l.map((t, i) => (i === 2 ? t.replace("vs_2", "vs_9") : t)), 4],
    ["a removed line", (l) => l.filter((_, i) => i !== 1), 2],
    ["two lines swapped", (l) => [l[0], l[2], l[1], ...l.slice(3)], 2],
  ];
  it.each(tampered)("detects %s and names the first bad line", (_name, change, badLine) => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1", "vs_2", "vs_3"]);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    writeFileSync(file, change(lines).join("\n") + "\n");
    expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: false, line: badLine });
  });

  it("detects a truncated file", () => {
    const file = freshFile();
    writeRun(file, "run-1", ["vs_1"]);
    const content = readFileSync(file, "utf8");
    expect(verifyChain(content.slice(0, -10))).toMatchObject({ ok: false, problem: expect.stringMatching(/truncated/) });
    expect(verifyChain("")).toMatchObject({ ok: false });
  });

  it("keeps identifying filter values out, as digests", () => {
    const filter = evidenceFilter({ metadata: { user: "jenny@example.com" }, clientReferenceIdPrefix: "signup-jenny", createdBefore: "7d" });
    expect(JSON.stringify(filter)).not.toMatch(/jenny/);
    expect(filter).toMatchObject({ createdBefore: "7d", metadata: { user: `sha256:${sha256("jenny@example.com")}` } });
  });
});
