/**
 * Evidence of a bulk run: an append-only JSON Lines file (docs/evidence.md has the threat model).
 * A run writes a header (run id, tool, the instant its relative dates resolved against, filter,
 * action, key mode, account, the plan it executed), then for each write to Stripe an `intent`
 * record, durable before the write is sent, and a `session` record with its outcome (sessions
 * skipped without a write get only the outcome), then a footer (counts, and how many records the
 * run wrote). No personal data: ids, statuses, results and Stripe request ids only; the filter's
 * identifying values appear as SHA-256 digests (`sha256:...`).
 *
 * Every line carries `prev` (the previous line's `hash`; 64 zeros for a file's first line) and
 * its own `hash` over its text without `hash`: an edited line fails its own hash (that line is
 * named), a removed, inserted or reordered line fails `prev`. The hash is SHA-256 (detects
 * accidents and naive edits) or, with a key the user holds, HMAC-SHA256 (a tamperer without the
 * key cannot recompute it). Format version 2; readers refuse versions they do not know, and
 * writers may add fields (the Jobs work adds job ids) without a version change.
 */
import { createHash, createHmac } from "node:crypto";
import type { RedactionFilter } from "./filter";
import type { BulkAction } from "./plan";
import type { SessionOutcome, SweepReport, WriteFacts } from "./report";
import type { JobEvent } from "./jobs/follow";

export const EVIDENCE_VERSION = 2;
export const GENESIS = "0".repeat(64);
/** The environment variable that holds the evidence chain's HMAC key (never a flag: flags show in `ps`). */
export const EVIDENCE_KEY_ENV = "STRIPE_IDENTITY_EVIDENCE_KEY";

export const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

export type ChainMode = "sha256" | "hmac-sha256";

/** How lines are hashed: keyless SHA-256 or HMAC-SHA256 with the user's key. */
export class ChainHasher {
  readonly mode: ChainMode;
  /** Names the key without revealing it (an HMAC of a fixed label), so verify can say "wrong key". */
  readonly keyId?: string;

  constructor(private readonly key?: string) {
    this.mode = key ? "hmac-sha256" : "sha256";
    if (key) this.keyId = createHmac("sha256", key).update("pulumi-stripe-identity evidence key id").digest("hex").slice(0, 16);
  }

  hash(text: string): string {
    return this.key ? createHmac("sha256", this.key).update(text, "utf8").digest("hex") : sha256(text);
  }
}

export interface EvidenceHeader {
  kind: "header";
  v: typeof EVIDENCE_VERSION;
  runId: string;
  tool: string;
  time: string;
  /** The instant relative dates (`30d`) resolved against (Stripe's clock, ISO). */
  now: string;
  chain: ChainMode;
  keyId?: string;
  action: BulkAction;
  mode: "test" | "live";
  /** The connected account the run acted on (`Stripe-Account`), or null for the platform's own. */
  account: string | null;
  /** The account Stripe said the key acts on (GET /v1/account), or null when the key may not read it. */
  accountId: string | null;
  dryRun: boolean;
  filter: Record<string, unknown>;
  /** `jobs`: the run redacted through Stripe's Redaction Jobs (job lines name them). */
  strategy?: "jobs";
  /** The approved plan this run executed: its integrity digest. */
  plan?: { digest: string };
}

/** Written, and made durable, before a write to Stripe is sent. */
export interface EvidenceIntent {
  kind: "intent";
  runId: string;
  id: string;
  action: BulkAction;
  time: string;
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

export type FooterCounts = Pick<SweepReport, "matched" | "redacted" | "canceled" | "wouldAct" | "skipped" | "failed" | "unknown"> & { complete: boolean };

export interface EvidenceFooter {
  kind: "footer";
  runId: string;
  time: string;
  /** Intent and session records of this run: a footer that does not count them breaks the file. */
  records: number;
  counts: FooterCounts;
  /** Written by the next writer for a run that was killed before its footer. */
  interrupted?: true;
}

/** A line torn by a crash (no newline), isolated by the next writer: its length and digest. */
export interface EvidenceTorn {
  kind: "torn";
  bytes: number;
  digest: string;
}

export type EvidenceEntry = EvidenceHeader | EvidenceIntent | EvidenceRecord | EvidenceJob | EvidenceFooter | EvidenceTorn;
export type EvidenceLine = EvidenceEntry & { prev: string; hash: string };

/** The exact text of a line: its JSON with `prev`, then `hash` over that text. */
export function sealLine(entry: EvidenceEntry, prev: string, hasher: ChainHasher): { text: string; hash: string } {
  const body = JSON.stringify({ ...entry, prev });
  const hash = hasher.hash(body);
  return { text: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

const SEALED = /^(\{.*),"hash":"([0-9a-f]{64})"\}$/;

/** A line's body (what its hash covers) and the hash it claims, or undefined if it has none. */
export function unseal(text: string): { body: string; hash: string } | undefined {
  const match = SEALED.exec(text);
  return match ? { body: `${match[1]}}`, hash: match[2] } : undefined;
}

/** One session's outcome record, without fields the outcome lacks. */
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

export function footerCounts(report: SweepReport): FooterCounts {
  const { matched, redacted, canceled, wouldAct, skipped, failed, unknown, complete } = report;
  return { matched, redacted, canceled, wouldAct, skipped, failed, unknown, complete };
}

/** The counts a run's outcome records add up to (what its footer must say). */
export function countRecords(records: readonly EvidenceRecord[], complete: boolean): FooterCounts {
  const counts: FooterCounts = { matched: 0, redacted: 0, canceled: 0, wouldAct: 0, skipped: 0, failed: 0, unknown: 0, complete };
  for (const record of records) {
    counts.matched++;
    const key = ({ redacted: "redacted", canceled: "canceled", would_act: "wouldAct", skipped: "skipped", failed: "failed", unknown: "unknown" } as const)[record.result];
    counts[key]++;
  }
  return counts;
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

// Readers check a file with verifyChain (evidence-chain.ts); re-exported here, where the format is.
export { verifyChain } from "./evidence-chain";
