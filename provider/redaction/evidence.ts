/**
 * Evidence of a bulk run: an append-only JSON Lines file with a header (run id, filter, action,
 * key mode, account, tool version, time), one record per session handled and a footer (counts).
 * No personal data: ids, statuses, results and Stripe request ids only; the filter's metadata
 * values and client reference ids appear as SHA-256 digests (`sha256:...`), which a reviewer can
 * check against the values they expect without the file holding them.
 *
 * Each line carries `prev`, the SHA-256 of the previous line's exact text (64 zeros for a file's
 * first line), so an edited, removed, reordered or truncated line breaks the chain at a line that
 * `verifyChain` names. Several runs appended to one file keep one chain.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { RedactionFilter } from "./filter";
import type { BulkAction } from "./plan";
import type { SessionOutcome, SweepReport, WriteFacts } from "./report";
import type { JobEvent } from "./jobs/follow";

export const GENESIS = "0".repeat(64);

export const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

export interface EvidenceHeader {
  kind: "header";
  runId: string;
  tool: string;
  time: string;
  action: BulkAction;
  mode: "test" | "live";
  account: string | null;
  dryRun: boolean;
  filter: Record<string, unknown>;
  /** `jobs`: the run redacted through Stripe's Redaction Jobs (job lines name them). */
  strategy?: "jobs";
}

export interface EvidenceRecord {
  kind: "session";
  runId: string;
  id: string;
  action: BulkAction;
  result: SessionOutcome["result"];
  time: string;
  statusBefore?: string;
  redactionAfter?: string | null;
  requestId?: string;
  reason?: string;
  /** Redaction Jobs: the job that redacted the session. */
  jobId?: string;
}

/** Redaction Jobs: a job's step (created, ready with what validation dropped, redacting, succeeded, canceled). */
export interface EvidenceJob {
  kind: "job";
  runId: string;
  jobId: string;
  status: string;
  sessions: number;
  time: string;
  requestId?: string;
  dropped?: Record<string, number>;
  note?: string;
}

export interface EvidenceFooter {
  kind: "footer";
  runId: string;
  time: string;
  counts: Pick<SweepReport, "matched" | "redacted" | "canceled" | "wouldAct" | "skipped" | "failed" | "unknown"> & { complete: boolean };
}

export type EvidenceLine = (EvidenceHeader | EvidenceRecord | EvidenceJob | EvidenceFooter) & { prev: string };

/** One session's record: its outcome and what the write saw, without fields the outcome lacks. */
export function sessionRecord(runId: string, action: BulkAction, outcome: SessionOutcome, time: string): EvidenceRecord {
  const facts = outcome as Partial<WriteFacts> & { reason?: string };
  const record: EvidenceRecord = { kind: "session", runId, id: outcome.id, action, result: outcome.result, time };
  if (facts.statusBefore !== undefined) record.statusBefore = facts.statusBefore;
  if (facts.redactionAfter !== undefined) record.redactionAfter = facts.redactionAfter;
  if (facts.requestId !== undefined) record.requestId = facts.requestId;
  if (facts.reason !== undefined) record.reason = facts.reason;
  if (facts.jobId !== undefined) record.jobId = facts.jobId;
  return record;
}

export function jobRecord(runId: string, event: JobEvent, time: string): EvidenceJob {
  return { kind: "job", runId, time, ...event };
}

/** A run's footer: its counts. */
export function footerOf(runId: string, report: SweepReport, time: string): EvidenceFooter {
  const { matched, redacted, canceled, wouldAct, skipped, failed, unknown, complete } = report;
  return { kind: "footer", runId, time, counts: { matched, redacted, canceled, wouldAct, skipped, failed, unknown, complete } };
}

/** The filter as evidence may hold it: identifying values digested, everything else as given. */
export function evidenceFilter(filter: RedactionFilter): Record<string, unknown> {
  const digest = (value: string): string => `sha256:${sha256(value)}`;
  const out: Record<string, unknown> = { ...filter };
  if (filter.metadata) out.metadata = Object.fromEntries(Object.entries(filter.metadata).map(([key, value]) => [key, digest(value)]));
  if (filter.clientReferenceId !== undefined) out.clientReferenceId = digest(filter.clientReferenceId);
  if (filter.clientReferenceIdPrefix !== undefined) out.clientReferenceIdPrefix = digest(filter.clientReferenceIdPrefix);
  return out;
}

/** Appends lines to an evidence file, continuing the chain of what is already in it. */
export class EvidenceWriter {
  private prev: string;

  constructor(readonly path: string) {
    this.prev = existsSync(path) ? lastLineHash(readFileSync(path, "utf8")) : GENESIS;
  }

  append(line: EvidenceHeader | EvidenceRecord | EvidenceJob | EvidenceFooter): void {
    const text = JSON.stringify({ ...line, prev: this.prev });
    // One synchronous append per line: a crash loses at most the line being written.
    appendFileSync(this.path, `${text}\n`, { encoding: "utf8", mode: 0o600 });
    this.prev = sha256(text);
  }
}

function lastLineHash(content: string): string {
  const lines = content.split("\n").filter((line) => line !== "");
  return lines.length === 0 ? GENESIS : sha256(lines[lines.length - 1]);
}

export type ChainCheck = { ok: true; lines: EvidenceLine[] } | { ok: false; line: number; problem: string };

/**
 * Checks the chain line by line (1-based line numbers). A file must end with a newline: a last
 * line cut short is a broken chain too.
 */
export function verifyChain(content: string): ChainCheck {
  if (content === "") return { ok: false, line: 1, problem: "the file is empty" };
  if (!content.endsWith("\n")) return { ok: false, line: content.split("\n").length, problem: "the last line is incomplete (the file was truncated)" };
  const texts = content.slice(0, -1).split("\n");
  const lines: EvidenceLine[] = [];
  let prev = GENESIS;
  for (const [index, text] of texts.entries()) {
    let parsed: EvidenceLine;
    try {
      parsed = JSON.parse(text) as EvidenceLine;
    } catch {
      return { ok: false, line: index + 1, problem: "not a JSON object" };
    }
    if (parsed === null || typeof parsed !== "object" || parsed.prev !== prev) {
      return { ok: false, line: index + 1, problem: "its prev hash does not match the line before it (a line was edited, removed or reordered)" };
    }
    lines.push(parsed);
    prev = sha256(text);
  }
  return { ok: true, lines };
}
