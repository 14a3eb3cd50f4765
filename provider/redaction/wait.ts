/**
 * Waiting for sessions Stripe is still checking (`processing`): neither redact nor cancel is
 * allowed until the checks finish, usually within a minute. A run that must not leave personal
 * data behind (BulkRedaction) re-reads them every poll interval until each can be handled or the
 * timeout passes; what is still processing then is reported, and the caller fails the run.
 */
import type { Sleep } from "../stripe/backoff";
import type { SessionOutcome } from "./report";

export interface WaitSettings {
  /** How long to wait for the checks, from the end of the listing. */
  timeoutMs: number;
  /** Time between two re-reads of the same session. */
  pollIntervalMs: number;
}

/** BulkRedaction's `processingTimeoutSeconds` default, and the re-read interval. */
export const DEFAULT_WAIT: WaitSettings = { timeoutMs: 120_000, pollIntervalMs: 2_000 };

/** What re-checking one session found: an outcome, or that Stripe is still checking it. */
export type Recheck = SessionOutcome | "still_processing";

export interface WaitContext {
  settings: WaitSettings;
  now: () => number;
  sleep: Sleep;
  /** Re-checks run at once, at most this many (the pacer meters them anyway). */
  concurrency: number;
  recheck: (id: string) => Promise<Recheck>;
  onOutcome: (outcome: SessionOutcome) => void;
  stopping: () => boolean;
  onRound?: () => void;
}

/** Runs `task` on every item, at most `limit` at once. */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Returns the ids still processing when the wait ended (timeout or stop). */
export async function waitForChecks(ids: readonly string[], ctx: WaitContext): Promise<string[]> {
  const deadline = ctx.now() + ctx.settings.timeoutMs;
  let waiting = [...ids];
  while (waiting.length > 0 && !ctx.stopping()) {
    const left = deadline - ctx.now();
    if (left <= 0) break;
    await ctx.sleep(Math.min(ctx.settings.pollIntervalMs, left));
    if (ctx.stopping()) break;
    const still: string[] = [];
    await forEachConcurrently(waiting, ctx.concurrency, async (id) => {
      const result = await ctx.recheck(id);
      if (result === "still_processing") still.push(id);
      else ctx.onOutcome(result);
    });
    waiting = still;
    ctx.onRound?.();
  }
  return waiting;
}
