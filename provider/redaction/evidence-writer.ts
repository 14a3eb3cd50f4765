/**
 * Appends a run's lines to an evidence file: exclusively (a lock file beside it; a second writer
 * is refused while the first lives), durably (each line written whole and fsync'd before
 * `append` returns, so an intent is on disk before its write to Stripe is sent) and crash-safely
 * (opening a file whose last line was torn by a crash isolates that line with a `torn` record; a
 * run killed before its footer gets an `interrupted` footer counting its records). A write that
 * fails (disk full) throws EvidenceWriteError and every later append refuses: the run stops.
 */
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { IdentityError, UserInputError } from "../errors";
import { ChainHasher, countRecords, GENESIS, sealLine, sha256, type EvidenceEntry } from "./evidence";
import { parseEvidence, type ParsedEvidence } from "./evidence-chain";
import { describeFsError, preparePrivateFile, PRIVATE_MODE } from "./private-files";

/** The evidence file stopped accepting writes: the run must stop before its next write to Stripe. */
export class EvidenceWriteError extends IdentityError {
  constructor(path: string, error: unknown) {
    super(`evidence: cannot write to ${path}: ${describeFsError(error)}; the run stopped before its next write to Stripe`, { code: "evidence_write_failed" });
  }
}

/** Another live process holds the file's lock. */
export class EvidenceLockedError extends UserInputError {}

/** The file-system calls a write goes through (tests inject failures here). */
export interface EvidenceFs {
  /** Writes some of `data` (a short write is continued), returning how many bytes. */
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
}

const realFs: EvidenceFs = { writeSync: (fd, data) => writeSync(fd, data), fsyncSync };

export interface EvidenceWriterOptions {
  /** HMAC key for a keyed chain; without one, lines are chained with SHA-256. */
  key?: string;
  /** The flag or arg named in messages. */
  flag?: string;
  fs?: EvidenceFs;
}

/**
 * Opens a writer, waiting up to `waitMs` while another live writer holds the file (BulkRedaction
 * resources that share a file run in parallel in one provider process); 0 refuses at once.
 */
export async function openEvidenceWriter(path: string, options: EvidenceWriterOptions & { waitMs?: number; onWait?: (message: string) => void } = {}): Promise<EvidenceWriter> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  let told = false;
  for (;;) {
    try {
      return new EvidenceWriter(path, options);
    } catch (error) {
      if (!(error instanceof EvidenceLockedError) || Date.now() >= deadline) throw error;
      if (!told) options.onWait?.(`${error.message} (waiting)`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export class EvidenceWriter {
  readonly hasher: ChainHasher;
  private prev: string;
  private fd: number | undefined;
  private failed: EvidenceWriteError | undefined;
  private readonly lock: string;
  private readonly fs: EvidenceFs;
  /** Records (intents and outcomes) of the current run, for its footer. */
  records = 0;
  /** What the file held before this run (checked), if it existed. */
  existing: ParsedEvidence | undefined;

  constructor(
    readonly path: string,
    options: EvidenceWriterOptions = {},
  ) {
    const flag = options.flag ?? "--evidence";
    this.fs = options.fs ?? realFs;
    this.hasher = new ChainHasher(options.key);
    const { existed } = preparePrivateFile(flag, path);
    this.lock = `${path}.lock`;
    takeLock(flag, path, this.lock);
    try {
      const content = existed ? readFileSync(path, "utf8") : "";
      const repairs: EvidenceEntry[] = [];
      this.prev = content === "" ? GENESIS : this.continueFrom(flag, content, options.key, repairs);
      this.fd = openSync(path, "a", PRIVATE_MODE);
      if (content !== "" && !content.endsWith("\n")) this.writeWhole("\n");
      for (const entry of repairs) this.append(entry);
    } catch (error) {
      this.close();
      if (error instanceof IdentityError) throw error;
      throw new UserInputError(`${flag}: cannot append to ${path}: ${describeFsError(error)}`);
    }
  }

  /** Checks what is there and plans the repairs a crash left to do; returns the chain's head. */
  private continueFrom(flag: string, content: string, key: string | undefined, repairs: EvidenceEntry[]): string {
    const parsed = parseEvidence(content, key);
    if (!parsed.ok) throw new UserInputError(`${flag}: ${this.path} cannot be continued: ${parsed.problem}; keep it for the record and start a new file`);
    this.existing = parsed;
    if (parsed.tail) repairs.push({ kind: "torn", bytes: Buffer.byteLength(parsed.tail.text), digest: sha256(parsed.tail.text) });
    const open = parsed.openRun;
    if (open) {
      repairs.push({ kind: "footer", runId: open.runId, time: new Date().toISOString(), records: open.records, counts: countRecords(open.outcomes, false), interrupted: true });
    }
    return parsed.head;
  }

  /** Writes one line and makes it durable; throws EvidenceWriteError (and refuses from then on) if it cannot. */
  append(entry: EvidenceEntry): void {
    if (this.failed) throw this.failed;
    const { text, hash } = sealLine(entry, this.prev, this.hasher);
    try {
      this.writeWhole(`${text}\n`);
      this.fs.fsyncSync(this.fd!);
    } catch (error) {
      this.failed = new EvidenceWriteError(this.path, error);
      throw this.failed;
    }
    this.prev = hash;
    if (entry.kind === "intent" || entry.kind === "session") this.records++;
  }

  get broken(): EvidenceWriteError | undefined {
    return this.failed;
  }

  private writeWhole(text: string): void {
    const bytes = Buffer.from(text, "utf8");
    let written = 0;
    while (written < bytes.length) written += this.fs.writeSync(this.fd!, bytes.subarray(written));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    try {
      unlinkSync(this.lock);
    } catch {
      // already gone
    }
  }
}

/**
 * An exclusive lock: `FILE.lock` created with O_EXCL, holding the writer's pid and host. A lock
 * left by a process that no longer runs on this host is taken over; any other is a refusal.
 */
function takeLock(flag: string, path: string, lock: string): void {
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, me, { flag: "wx", mode: PRIVATE_MODE });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new UserInputError(`${flag}: cannot lock ${path} (${lock}): ${describeFsError(error)}`);
    }
    const holder = readHolder(lock);
    if (holder && isAlive(holder)) {
      throw new EvidenceLockedError(`${flag}: another run (pid ${holder.pid} on ${holder.host}) is writing ${path}; wait for it to finish, or use another file`);
    }
    try {
      unlinkSync(lock);
    } catch {
      // someone else took it over first: the next attempt tells
    }
  }
  throw new EvidenceLockedError(`${flag}: another run is taking the lock on ${path}; try again`);
}

function readHolder(lock: string): { pid: number; host: string } | undefined {
  try {
    const [pid, host] = readFileSync(lock, "utf8").split("@");
    return { pid: Number(pid), host };
  } catch {
    return undefined;
  }
}

function isAlive(holder: { pid: number; host: string }): boolean {
  // Another host's process cannot be checked from here: its lock stands.
  if (holder.host !== hostname()) return true;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
