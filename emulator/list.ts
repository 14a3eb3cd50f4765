import { resourceMissing, invalidRequest } from "./errors";
import { OrderedTable, Ordered } from "./store";

/** A `created` filter, already reduced to an inclusive range of unix seconds. */
export interface CreatedRange {
  gte: number;
  lte: number;
}

export interface PageRequest<T> {
  limit: number;
  starting_after?: string;
  ending_before?: string;
  created?: CreatedRange;
  matches?: (item: T) => boolean;
  /** Object kind for the "No such ..." message of an unknown cursor. */
  kind: string;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

/**
 * Stripe list pagination, newest first. `starting_after` walks to older objects, `ending_before`
 * to newer ones; both start at the cursor's index, so a page costs O(limit) unless a filter is
 * sparse. The `created` range narrows the scan by binary search.
 */
export function paginate<T extends Ordered>(table: OrderedTable<T>, req: PageRequest<T>): Page<T> {
  if (req.starting_after !== undefined && req.ending_before !== undefined) {
    throw invalidRequest("You may only specify one of these parameters: starting_after, ending_before.", {
      param: "ending_before",
    });
  }
  let lo = 0;
  let hi = table.size - 1;
  if (req.created) {
    lo = table.lowerBound(req.created.gte);
    hi = req.created.lte >= Number.MAX_SAFE_INTEGER ? hi : table.lowerBound(req.created.lte + 1) - 1;
  }
  const want = req.limit + 1;
  const found: T[] = [];
  const matches = req.matches;
  if (req.ending_before !== undefined) {
    const pos = cursor(table, req.ending_before, "ending_before", req.kind);
    for (let i = Math.max(pos + 1, lo); i <= hi && found.length < want; i++) {
      const item = table.at(i);
      if (!matches || matches(item)) found.push(item);
    }
    const has_more = found.length === want;
    const data = found.slice(0, req.limit).reverse();
    return { data, has_more };
  }
  const start = req.starting_after !== undefined ? cursor(table, req.starting_after, "starting_after", req.kind) - 1 : hi;
  for (let i = Math.min(start, hi); i >= lo && found.length < want; i--) {
    const item = table.at(i);
    if (!matches || matches(item)) found.push(item);
  }
  const has_more = found.length === want;
  if (has_more) found.pop();
  return { data: found, has_more };
}

function cursor<T extends Ordered>(table: OrderedTable<T>, id: string, param: string, kind: string): number {
  const pos = table.indexOf(id);
  if (pos === undefined) throw resourceMissing(kind, id, param, 400);
  return pos;
}
