// The Go module proxy refuses Pulumi's Go language host here; asking again costs every
// `npm run pulumi:cli` (so every CI run) a round of `go list` and `go install`. A refusal is
// remembered in the per-user cache for a day; delete the file (or wait) to ask again.
import * as fs from "fs";
import * as path from "path";

export const REFUSAL_TTL_MS = 24 * 60 * 60 * 1000;
const FILE = "go-language-host.refused";

export interface Refusal {
  at: string;
  reason: string;
}

/** Pure: is a refusal recorded at `recordedAt` still fresh at `now`? A future or unreadable stamp is not. */
export function refusalIsFresh(recordedAt: string | undefined, now: Date): boolean {
  if (!recordedAt) return false;
  const at = Date.parse(recordedAt);
  if (Number.isNaN(at)) return false;
  const age = now.getTime() - at;
  return age >= 0 && age < REFUSAL_TTL_MS;
}

export function readRefusal(root: string): Refusal | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, FILE), "utf8")) as Refusal;
  } catch {
    return undefined;
  }
}

/** The recorded refusal when it is under a day old, else undefined. */
export function goHostRefusedRecently(root: string, now = new Date()): (Refusal & { file: string }) | undefined {
  const refusal = readRefusal(root);
  return refusal && refusalIsFresh(refusal.at, now) ? { ...refusal, file: path.join(root, FILE) } : undefined;
}

export function rememberGoHostRefusal(root: string, reason: string, now = new Date()): void {
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, FILE), `${JSON.stringify({ at: now.toISOString(), reason } satisfies Refusal)}\n`);
}

