/**
 * What a time bound leaves out. `--status verified --created-before 1h` is bounded, yet it matches
 * every verified session older than an hour: nearly all of them. A plan (and a dry run) therefore
 * says how many sessions the rest of the filter matches outside the time range, so a user sees a
 * bound that bounds almost nothing before approving it.
 *
 * Counted only when time is the filter's only bound (an identity bound, a customer or a client
 * reference id, narrows by itself), by listing the ranges on either side of it with the filter's
 * other list params, and at most LEFT_OUT_CAP sessions a side: the count costs at most
 * LEFT_OUT_CAP / PAGE_SIZE list requests a side, paced like every other request of the run.
 */
import type { SessionRecord, SweepApi } from "./api";
import type { PacedCall } from "./call";
import type { CompiledFilter, ListQuery, RedactionFilter } from "./filter";
import { PAGE_SIZE } from "./lister";

export const LEFT_OUT_CAP = 1_000;

export interface LeftOut {
  /** Sessions the rest of the filter matches outside the time range (at most LEFT_OUT_CAP a side). */
  sessions: number;
  /** More than counted: a side held more than LEFT_OUT_CAP. */
  capped: boolean;
  /** Requests the count cost (list pages, retries included). */
  requests: number;
}

/** Whether the filter's only bound is a time range. */
export function boundedOnlyByTime(filter: RedactionFilter): boolean {
  const identity = filter.clientReferenceId ?? filter.clientReferenceIdPrefix ?? filter.relatedCustomer;
  return identity === undefined && Object.keys(filter.metadata ?? {}).length === 0;
}

/** The created ranges outside the filter's, up to `nowSeconds` (unix seconds; `lt` exclusive). */
export function rangesOutside(compiled: Pick<CompiledFilter, "createdGte" | "createdLt">, nowSeconds: number): Array<{ gte?: number; lt: number }> {
  const ranges: Array<{ gte?: number; lt: number }> = [];
  if (compiled.createdLt !== undefined && compiled.createdLt <= nowSeconds) ranges.push({ gte: compiled.createdLt, lt: nowSeconds + 1 });
  if (compiled.createdGte !== undefined) ranges.push({ lt: compiled.createdGte });
  return ranges;
}

export async function countLeftOut(
  ctx: { api: SweepApi; call: PacedCall },
  filter: RedactionFilter,
  compiled: CompiledFilter,
  nowSeconds: number,
): Promise<LeftOut | undefined> {
  if (!boundedOnlyByTime(filter)) return undefined;
  const ranges = rangesOutside(compiled, nowSeconds);
  if (ranges.length === 0) return undefined;
  // The rest of the filter: its predicate on the session as if it had been created inside the range.
  const inside = compiled.createdGte ?? (compiled.createdLt as number) - 1;
  const rest = (session: SessionRecord): boolean => compiled.matches({ ...session, created: inside });
  let sessions = 0;
  let capped = false;
  const before = ctx.api.counters().requests;
  for (const created of ranges) {
    let counted = 0;
    let cursor: string | undefined;
    for (;;) {
      const query: ListQuery & { limit: number; starting_after?: string } = { ...compiled.listQuery, created, limit: PAGE_SIZE, ...(cursor ? { starting_after: cursor } : {}) };
      const page = await ctx.call("list", () => ctx.api.list(query));
      counted += page.data.filter(rest).length;
      if (counted >= LEFT_OUT_CAP && page.has_more) {
        capped = true;
        break;
      }
      if (!page.has_more || page.data.length === 0) break;
      cursor = page.data[page.data.length - 1].id;
    }
    sessions += Math.min(counted, LEFT_OUT_CAP);
  }
  return { sessions, capped, requests: ctx.api.counters().requests - before };
}
