/**
 * One account's objects of one kind, kept in list order: ascending by (created, seq), so the
 * newest is last. An id -> index map makes cursor pages O(page). Appends are O(1) (the usual case:
 * objects made now); a backdated batch (seeding) is appended then sorted once.
 */
export interface Ordered {
  id: string;
  seq: number;
  created: number;
}

export class OrderedTable<T extends Ordered> {
  private items: T[] = [];
  private index = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }

  get(id: string): T | undefined {
    const at = this.index.get(id);
    return at === undefined ? undefined : this.items[at];
  }

  indexOf(id: string): number | undefined {
    return this.index.get(id);
  }

  at(i: number): T {
    return this.items[i];
  }

  /** Adds a new object; refuses to overwrite one with the same id (a bug, never a request error). */
  put(item: T): void {
    this.putMany([item]);
  }

  putMany(batch: readonly T[]): void {
    let sorted = true;
    for (const item of batch) {
      if (this.index.has(item.id)) throw new Error(`store: refusing to overwrite ${item.id}`);
      const last = this.items[this.items.length - 1];
      if (last && compare(last, item) > 0) sorted = false;
      this.index.set(item.id, this.items.length);
      this.items.push(item);
    }
    if (!sorted) this.resort();
  }

  /** First index whose `created` is >= `created` (binary search; the array is sorted by created). */
  lowerBound(created: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].created < created) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every object, newest first. */
  newestFirst(): T[] {
    return this.items.slice().reverse();
  }

  private resort(): void {
    this.items.sort(compare);
    this.index.clear();
    this.items.forEach((item, i) => this.index.set(item.id, i));
  }
}

function compare(a: Ordered, b: Ordered): number {
  return a.created - b.created || a.seq - b.seq;
}
