/**
 * The harness's state file: Pulumi's checkpoint reduced to what a dynamic provider needs.
 *
 * Values are kept in Pulumi's wire form. A secret is `{ <sig key>: <secret sig>, value }` in memory
 * and `{ <sig key>: <secret sig>, ciphertext }` on disk, as Pulumi's own checkpoints store it, so
 * the file holds no plaintext secret yet a later refresh/update/delete still gets every property
 * the provider returned (Pulumi hands the provider its full state on delete).
 *
 * The file is rewritten atomically (temp file + rename) after every step, so an interrupted
 * `up` or `destroy` leaves a state that a rerun can finish.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Json, JsonObject } from "./types";
import { SECRET_SIG, SIG_KEY, isSecret, mapJson } from "./wire";

export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id?: string;
  parent?: string;
  inputs: JsonObject;
  outputs: JsonObject;
  dependencies: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs?: string[];
  /** Replaced by a newer resource and waiting for its delete (Pulumi's `delete: true`). */
  pendingDelete?: boolean;
}

export interface StackState {
  version: 1;
  project: string;
  stack: string;
  resources: ResourceState[];
  outputs: JsonObject;
}

interface StateFile extends Omit<StackState, "resources" | "outputs"> {
  secrets: { cipher: "aes-256-gcm"; kdf: "scrypt"; salt: string; check: string };
  resources: ResourceState[];
  outputs: JsonObject;
}

const CHECK_TEXT = "pulumi-stripe-identity harness";

/** Encrypts and decrypts secret values with a key derived from the passphrase and the file's salt. */
class SecretBox {
  private readonly key: Buffer;
  constructor(passphrase: string, readonly salt: Buffer) {
    this.key = crypto.scryptSync(passphrase, salt, 32);
  }
  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }
  open(sealed: string): string {
    const raw = Buffer.from(sealed, "base64");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}

export class StateStore {
  private box: SecretBox | undefined;

  constructor(
    readonly file: string,
    private readonly passphrase: string,
  ) {}

  /**
   * Takes the stack's lock (`<state>.lock`, holding this process's pid) for the whole operation, as
   * Pulumi's backends lock a stack: two operations on one state would lose each other's steps. A
   * lock left by a process that no longer runs (a killed run) is taken over.
   */
  lock(): void {
    const file = `${this.file}.lock`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: "wx" });
        process.once("exit", () => fs.rmSync(file, { force: true }));
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const holder = Number(fs.readFileSync(file, "utf8"));
        if (holder && holder !== process.pid && isRunning(holder)) {
          throw new Error(`${this.file} is locked by another harness operation (pid ${holder}); wait for it, or remove ${file} if that process is not a harness run`);
        }
        fs.rmSync(file, { force: true });
      }
    }
    throw new Error(`could not lock ${this.file}`);
  }

  /** The stack's state, or an empty one when the file does not exist yet. */
  load(project: string, stack: string): StackState {
    if (!fs.existsSync(this.file)) return { version: 1, project, stack, resources: [], outputs: {} };
    const raw = JSON.parse(fs.readFileSync(this.file, "utf8")) as StateFile;
    this.box = new SecretBox(this.passphrase, Buffer.from(raw.secrets.salt, "base64"));
    try {
      if (this.box.open(raw.secrets.check) !== CHECK_TEXT) throw new Error("mismatch");
    } catch {
      throw new Error(`${this.file}: the secrets passphrase does not match the one this state was written with`);
    }
    const box = this.box;
    const open = (value: JsonObject): JsonObject =>
      mapJson(value, (node) =>
        isSealed(node) ? { [SIG_KEY]: SECRET_SIG, value: JSON.parse(box.open(node.ciphertext)) as Json } : undefined,
      ) as JsonObject;
    return {
      version: 1,
      project: raw.project,
      stack: raw.stack,
      resources: raw.resources.map((r) => ({ ...r, inputs: open(r.inputs), outputs: open(r.outputs) })),
      outputs: open(raw.outputs),
    };
  }

  /** Writes the state atomically; secrets are sealed on the way out. */
  save(state: StackState): void {
    if (!this.box) this.box = new SecretBox(this.passphrase, crypto.randomBytes(16));
    const box = this.box;
    const seal = (value: JsonObject): JsonObject =>
      mapJson(value, (node) =>
        isSecret(node) ? { [SIG_KEY]: SECRET_SIG, ciphertext: box.seal(JSON.stringify(node.value ?? null)) } : undefined,
      ) as JsonObject;
    const out: StateFile = {
      version: 1,
      project: state.project,
      stack: state.stack,
      secrets: { cipher: "aes-256-gcm", kdf: "scrypt", salt: box.salt.toString("base64"), check: box.seal(CHECK_TEXT) },
      resources: state.resources.map((r) => ({ ...r, inputs: seal(r.inputs), outputs: seal(r.outputs) })),
      outputs: seal(state.outputs),
    };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(out, null, 2) + "\n", { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed runner whose parent died too can linger as a zombie until init reaps it: signal 0
  // still "reaches" it, but it holds nothing.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return true;
  }
}

function isSealed(node: Json): node is { [key: string]: Json; ciphertext: string } {
  return node !== null && typeof node === "object" && !Array.isArray(node) && node[SIG_KEY] === SECRET_SIG && typeof node.ciphertext === "string";
}
