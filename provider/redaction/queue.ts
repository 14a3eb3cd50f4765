/**
 * A bounded FIFO between the lister and the workers. `push` waits while the queue is full, so the
 * lister never runs more than `capacity` sessions ahead of the writes (memory stays flat however
 * many sessions match); `pop` waits while it is empty and returns `undefined` once closed and
 * drained.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private closed = false;
  private readonly popWaiters: Array<() => void> = [];
  private readonly pushWaiters: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Resolves `false` (item not taken) when the queue is or gets closed. */
  async push(item: T): Promise<boolean> {
    while (this.size >= this.capacity && !this.closed) {
      await new Promise<void>((resolve) => this.pushWaiters.push(resolve));
    }
    if (this.closed) return false;
    this.items.push(item);
    this.popWaiters.shift()?.();
    return true;
  }

  async pop(): Promise<T | undefined> {
    while (this.size === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => this.popWaiters.push(resolve));
    }
    const item = this.items[this.head];
    this.items[this.head] = undefined as T;
    this.head++;
    // Compact now and then so the backing array does not grow with the number of items ever seen.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.pushWaiters.shift()?.();
    return item;
  }

  /** No more pushes; pending pops drain what is left, then get `undefined`. */
  close(): void {
    this.closed = true;
    for (const wake of this.popWaiters.splice(0)) wake();
    for (const wake of this.pushWaiters.splice(0)) wake();
  }

  /** Drops everything not yet popped (used when a run stops early) and closes. */
  discard(): number {
    const dropped = this.size;
    this.items.length = 0;
    this.head = 0;
    this.close();
    return dropped;
  }
}
