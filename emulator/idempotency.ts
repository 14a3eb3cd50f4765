/**
 * Completed responses by `Idempotency-Key`, per account. A replay needs the same method, path and
 * body (the fingerprint); a different request under the same key is an `idempotency_error`.
 * Stripe prunes keys after 24 h; the emulator keeps the newest MAX_KEYS per account instead.
 */
export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
}

const MAX_KEYS = 200_000;

export class IdempotencyStore {
  private entries = new Map<string, StoredResponse>();

  get(key: string): StoredResponse | undefined {
    return this.entries.get(key);
  }

  save(key: string, response: StoredResponse): void {
    if (this.entries.size >= MAX_KEYS) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, response);
  }
}

export function fingerprint(method: string, path: string, body: string): string {
  return `${method} ${path}\n${body}`;
}
