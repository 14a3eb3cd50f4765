/**
 * Pages through the compiled filter's list query (100 per page, `starting_after` by hand so the
 * pacer meters each page) and offers the sessions inside the filter to the workers.
 *
 * One query, newest first, cursor by position: a session's place in that order (`created`) never
 * changes, so each session is listed at most once per run, whatever its status does meanwhile.
 *
 * Paging while writing: a cursor must still be valid when the next page is asked for. Stripe pages
 * by the cursor's position, but a server that resolves the cursor inside the filtered list would
 * lose its place if we had just moved the cursor session out of the filter (a cancel moves it out
 * of `status=requires_input`). So the last session of a page, the next cursor, is held back until
 * the next page has been fetched: no write can touch it while it is still needed. Sessions seen on
 * the previous page are dropped if a page repeats them, and a page that brings nothing new with
 * `has_more` set stops the listing rather than looping.
 */
import type { CompiledFilter } from "./filter";
import type { SessionRecord, SweepApi } from "./api";
import type { PacedCall } from "./call";

export const PAGE_SIZE = 100;

/** Thrown inside a paced call when the run stopped while the request waited for its token. */
export class ListingStopped extends Error {
  constructor() {
    super("the run is stopping");
  }
}

export interface ListerContext {
  api: SweepApi;
  filter: CompiledFilter;
  call: PacedCall;
  /** Hands a matching session to the workers; resolves when there is room (backpressure). */
  offer: (session: SessionRecord) => Promise<void>;
  /** Checked before each page is sent and between sessions: true once the run is stopping. */
  stopping: () => boolean;
  /** After each page: sessions listed, and how many of them are inside the filter. */
  onPage?: (listed: number, matching: number) => void;
}

export async function listMatching(ctx: ListerContext): Promise<void> {
  const query = ctx.filter.listQuery;
  let cursor: string | undefined;
  let held: SessionRecord | undefined;
  let previous = new Set<string>();
  for (;;) {
    if (ctx.stopping()) return;
    const request = { ...query, limit: PAGE_SIZE, ...(cursor !== undefined ? { starting_after: cursor } : {}) };
    let page;
    try {
      page = await ctx.call("list", () => {
        // The page may have waited for its token while the run was told to stop (Ctrl-C).
        if (ctx.stopping()) throw new ListingStopped();
        return ctx.api.list(request);
      });
    } catch (error) {
      if (error instanceof ListingStopped) return;
      throw error;
    }
    const candidates = held ? [held] : [];
    held = undefined;
    const fresh = page.data.filter((session) => !previous.has(session.id) && session.id !== cursor);
    const last = page.data[page.data.length - 1];
    if (page.has_more) {
      if (!last || fresh.length === 0) {
        throw new Error(`the list API answered has_more with no new sessions after ${cursor ?? "the first page"}; stopping instead of looping`);
      }
      if (fresh[fresh.length - 1].id === last.id) held = fresh.pop();
      cursor = last.id;
    }
    candidates.push(...fresh);
    const matching = candidates.filter((session) => ctx.filter.matches(session));
    ctx.onPage?.(page.data.length, matching.length);
    for (const session of matching) {
      if (ctx.stopping()) return;
      await ctx.offer(session);
    }
    if (!page.has_more) return;
    previous = new Set(page.data.map((session) => session.id));
  }
}
