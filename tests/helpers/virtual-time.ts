/**
 * Virtual time for tests of pacing: `sleep` registers a timer; `run` lets every pending promise
 * settle, then jumps the clock to the earliest timer, until the work is done. Nothing waits on
 * the wall clock, so a loaded machine changes how long a test takes, never what it measures.
 */
export class VirtualTime {
  private current = 0;
  private sequence = 0;
  private timers: Array<{ at: number; seq: number; wake: () => void }> = [];

  readonly now = (): number => this.current;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((wake) => {
      this.timers.push({ at: this.current + Math.max(0, ms), seq: this.sequence++, wake });
    });

  /** Runs the timers until `work` settles; throws if it waits on something no timer will bring. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    for (;;) {
      // A macrotask turn: every microtask queued so far (and those they queue) has run by then.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled) return watched;
      if (this.timers.length === 0) throw new Error("virtual time: the work waits on something no timer will bring");
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.current = Math.max(this.current, next.at);
      next.wake();
    }
  }
}
