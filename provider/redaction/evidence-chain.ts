/**
 * Reading an evidence file back (evidence.ts has the format): each line's own hash, the chain of
 * `prev`s, and the run structure (every header has its footer, the footer counts the run's records
 * and its counts are what the records add up to). Line numbers are 1-based and name the line at
 * fault: an edited line fails its own hash, so it is the one named.
 */
import { ChainHasher, countRecords, EVIDENCE_KEY_ENV, EVIDENCE_VERSION, GENESIS, sha256, unseal, type EvidenceHeader, type EvidenceLine, type EvidenceRecord, type FooterCounts } from "./evidence";

/** `usage`: the file cannot be read as given (its key is missing or another, or an older format): a usage error, not a broken file. */
export type ChainProblem = { ok: false; line: number; problem: string; kind: "broken" | "usage" };

/** A line torn by a crash and isolated by the next writer's `torn` record. */
export interface TornLine {
  line: number;
  bytes: number;
}

export interface OpenRun {
  runId: string;
  headerLine: number;
  records: number;
  outcomes: EvidenceRecord[];
}

export interface ParsedEvidence {
  ok: true;
  lines: EvidenceLine[];
  /** `lineNumbers[i]` is the file line of `lines[i]`. */
  lineNumbers: number[];
  /** The hash the next line must carry as `prev`. */
  head: string;
  hasher: ChainHasher;
  torn: TornLine[];
  /** A last line without its newline: a crash while writing it. */
  tail?: { line: number; text: string };
  /** A run whose header has no footer (yet): killed, truncated or still running. */
  openRun?: OpenRun;
  /** Runs whose footer was written by the next writer because they were killed. */
  interrupted: string[];
}

/** The chain mode the file's first header declares, checked against the key the reader holds. */
function hasherFor(first: string | undefined, key: string | undefined): ChainHasher | ChainProblem {
  const header = (() => {
    try {
      const sealed = first === undefined ? undefined : unseal(first);
      return sealed ? parseJson<Partial<EvidenceHeader>>(sealed.body) : undefined;
    } catch {
      return undefined;
    }
  })();
  if (!header || header.kind !== "header") {
    // Format 1 (before per-line hashes): not broken, just older; say so instead of "broken".
    const legacy = first !== undefined && parseJson<{ kind?: string; v?: number }>(first);
    if (legacy && legacy.kind === "header" && legacy.v === undefined) {
      return { ok: false, line: 1, problem: `the file is evidence format 1, written by an earlier version; this version reads and appends format ${EVIDENCE_VERSION}: keep it, verify it with the version that wrote it, and start a new file`, kind: "usage" };
    }
    return { ok: false, line: 1, problem: `line 1 is not an evidence header of format ${EVIDENCE_VERSION}`, kind: "broken" };
  }
  const hasher = new ChainHasher(key);
  if (header.chain === "hmac-sha256" && !key) return { ok: false, line: 1, problem: `the chain is keyed (HMAC): set ${EVIDENCE_KEY_ENV} to the key it was written with`, kind: "usage" };
  if (header.chain === "hmac-sha256" && header.keyId !== hasher.keyId) return { ok: false, line: 1, problem: `the chain was written with another key than ${EVIDENCE_KEY_ENV} holds`, kind: "usage" };
  // A key given for a keyless file: anyone could have rewritten it without the key.
  if (header.chain !== "hmac-sha256" && key) return { ok: false, line: 1, problem: `the chain is not keyed, but ${EVIDENCE_KEY_ENV} is set: the file may have been rewritten without the key`, kind: "broken" };
  return hasher;
}

/** Parses and checks every line and the run structure; an open last run is reported, not refused. */
export function parseEvidence(content: string, key?: string): ParsedEvidence | ChainProblem {
  if (content === "") return { ok: false, line: 1, problem: "the file is empty", kind: "broken" };
  const texts = content.split("\n");
  const last = texts.pop()!;
  const tail = last === "" ? undefined : { line: texts.length + 1, text: last };
  // Only a torn first line (the disk filled while the first header was written): nothing to check.
  if (texts.length === 0 && tail) return { ok: true, lines: [], lineNumbers: [], head: GENESIS, hasher: new ChainHasher(key), torn: [], tail, interrupted: [] };
  // The first sealed line declares the chain (a torn first line, isolated, comes before it).
  const hasher = hasherFor(texts.find((text) => unseal(text) !== undefined) ?? texts[0], key);
  if (!(hasher instanceof ChainHasher)) return hasher;
  const broken = (line: number, problem: string): ChainProblem => ({ ok: false, line, problem, kind: "broken" });
  const lines: EvidenceLine[] = [];
  const lineNumbers: number[] = [];
  const torn: TornLine[] = [];
  const interrupted: string[] = [];
  let head = GENESIS;
  let run: OpenRun | undefined;
  let chainMode: Pick<EvidenceHeader, "chain" | "keyId"> | undefined;
  for (let index = 0; index < texts.length; index++) {
    const number = index + 1;
    const text = texts[index];
    const sealed = unseal(text);
    if (!sealed) {
      // A torn line is isolated by the next line, a `torn` record that holds its digest.
      const next = unseal(texts[index + 1] ?? "");
      const marker = next ? parseJson<Partial<EvidenceLine>>(next.body) : undefined;
      if (marker?.kind === "torn" && marker.digest === sha256(text) && marker.bytes === Buffer.byteLength(text)) {
        torn.push({ line: number, bytes: marker.bytes });
        continue;
      }
      return broken(number, `line ${number} is not an evidence line (edited, or cut short)`);
    }
    if (hasher.hash(sealed.body) !== sealed.hash) return broken(number, `line ${number} was changed: its hash does not match its content`);
    const parsedLine = parseJson<EvidenceLine>(sealed.body);
    if (!parsedLine || typeof parsedLine !== "object") return broken(number, `line ${number} is not a JSON object`);
    const line = { ...parsedLine, hash: sealed.hash };
    if (line.prev !== head) {
      const before = number === 1 ? "the start of the file" : `line ${number - 1}`;
      return broken(number, `line ${number} does not follow ${before}: a line was removed, inserted or reordered here, or ${before} was changed and rehashed`);
    }
    head = sealed.hash;
    lines.push(line);
    lineNumbers.push(number);
    switch (line.kind) {
      case "header":
        if (line.v !== EVIDENCE_VERSION) return broken(number, `line ${number}: evidence format version ${String(line.v)} is not known to this version`);
        chainMode ??= { chain: line.chain, keyId: line.keyId };
        if (line.chain !== chainMode.chain || line.keyId !== chainMode.keyId) return broken(number, `line ${number}: the run's chain mode differs from the file's first run`);
        if (run) return broken(number, `run ${run.runId} (line ${run.headerLine}) has no footer before the next header at line ${number} (records or its footer were removed)`);
        run = { runId: line.runId, headerLine: number, records: 0, outcomes: [] };
        break;
      case "intent":
      case "session":
        if (!run || line.runId !== run.runId) return broken(number, `line ${number} belongs to no open run (its header is missing or its run already ended)`);
        run.records++;
        if (line.kind === "session") run.outcomes.push(line);
        break;
      case "footer": {
        if (!run || line.runId !== run.runId) return broken(number, `line ${number} is a footer for a run that is not open`);
        if (line.records !== run.records) return broken(number, `line ${number}: the footer counts ${line.records} record(s), but the run has ${run.records} (records were removed or added)`);
        const mismatch = countsMismatch(line.counts, countRecords(run.outcomes, line.counts.complete));
        if (mismatch) return broken(number, `line ${number}: the footer's counts do not add up to the run's records (${mismatch})`);
        if (line.interrupted) interrupted.push(line.runId);
        run = undefined;
        break;
      }
      case "job":
        // Redaction Jobs: a job's step, inside its run; not a session record, so not counted.
        if (!run || line.runId !== run.runId) return broken(number, `line ${number} belongs to no open run (its header is missing or its run already ended)`);
        break;
      case "torn":
        break;
      default:
        return broken(number, `line ${number} has an unknown kind`);
    }
  }
  return { ok: true, lines, lineNumbers, head, hasher, torn, ...(tail ? { tail } : {}), ...(run ? { openRun: run } : {}), interrupted };
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function countsMismatch(claimed: FooterCounts, actual: FooterCounts): string | undefined {
  const fields = ["matched", "redacted", "canceled", "wouldAct", "skipped", "failed", "unknown"] as const;
  const wrong = fields.filter((field) => claimed[field] !== actual[field]);
  return wrong.length === 0 ? undefined : wrong.map((field) => `${field} ${claimed[field]} recorded, ${actual[field]} in the records`).join("; ");
}

export type ChainCheck = (ParsedEvidence & { ok: true }) | ChainProblem;

/** A complete file: the parse, and no torn last line and no run without its footer. */
export function verifyChain(content: string, key?: string): ChainCheck {
  const parsed = parseEvidence(content, key);
  if (!parsed.ok) return parsed;
  if (parsed.tail) return { ok: false, line: parsed.tail.line, problem: `line ${parsed.tail.line} is incomplete (a crash while writing it, or the file was truncated)`, kind: "broken" };
  if (parsed.openRun) {
    const { runId, headerLine } = parsed.openRun;
    return { ok: false, line: headerLine, problem: `run ${runId} (header at line ${headerLine}) has no footer: the file was truncated, or the run was killed or is still running`, kind: "broken" };
  }
  return parsed;
}

/** Sessions that earlier runs of this plan (by digest) sent a write for: their intents. */
export function writesOfPlan(parsed: ParsedEvidence, planDigest: string): Set<string> {
  const runsOfPlan = new Set<string>();
  const ids = new Set<string>();
  for (const line of parsed.lines) {
    if (line.kind === "header" && line.plan?.digest === planDigest) runsOfPlan.add(line.runId);
    if (line.kind === "intent" && runsOfPlan.has(line.runId)) ids.add(line.id);
  }
  return ids;
}
