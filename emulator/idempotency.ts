/**
 * Completed responses by `Idempotency-Key`, per account. A replay needs the same method, path and
 * body (the fingerprint); a different request under the same key is an `idempotency_error`.
 *
 * As in Stripe, a key expires 24 hours after its first use. Memory is bounded too: per account at
 * most MAX_KEYS keys and MAX_BYTES of stored responses (oldest dropped first); with MAX_ACCOUNTS
 * accounts (state.ts) that bounds the whole store.
 */
export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
}

export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_KEYS = 100_000;
export const MAX_BYTES = 16 * 1024 * 1024;

interface Entry {
  response: StoredResponse;
  savedAt: number;
  bytes: number;
}

export class IdempotencyStore {
  /** In the order saved, so the oldest (first to expire) come first. */
  private entries = new Map<string, Entry>();
  private bytes = 0;

  get size(): number {
    return this.entries.size;
  }

  get storedBytes(): number {
    return this.bytes;
  }

  get(key: string, nowMs: number): StoredResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs - entry.savedAt >= KEY_TTL_MS) {
      this.remove(key, entry);
      return undefined;
    }
    return entry.response;
  }

  save(key: string, response: StoredResponse, nowMs: number): void {
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    // Strings are UTF-16 in memory: two bytes a character.
    const bytes = 2 * (key.length + response.fingerprint.length + response.body.length) + 64;
    this.entries.set(key, { response, savedAt: nowMs, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      const expired = nowMs - entry.savedAt >= KEY_TTL_MS;
      if (!expired && this.entries.size <= MAX_KEYS && this.bytes <= MAX_BYTES) break;
      this.remove(oldest, entry);
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

export function fingerprint(method: string, path: string, body: string): string {
  return `${method} ${path}\n${body}`;
}
