import { BoundedQueue } from "../../../provider/redaction/queue";

describe("BoundedQueue", () => {
  it("hands items out in order and makes push wait while full (backpressure)", async () => {
    const queue = new BoundedQueue<number>(2);
    await queue.push(1);
    await queue.push(2);
    let third = false;
    const pushing = queue.push(3).then((taken) => (third = taken));
    await Promise.resolve();
    expect(third).toBe(false);
    expect(queue.size).toBe(2);
    expect(await queue.pop()).toBe(1);
    await pushing;
    expect(third).toBe(true);
    expect([await queue.pop(), await queue.pop()]).toEqual([2, 3]);
  });
  it("pop waits for an item, and returns undefined once closed and drained", async () => {
    const queue = new BoundedQueue<string>(4);
    const waiting = queue.pop();
    await queue.push("a");
    expect(await waiting).toBe("a");
    await queue.push("b");
    queue.close();
    expect(await queue.pop()).toBe("b");
    expect(await queue.pop()).toBeUndefined();
    expect(await queue.push("late")).toBe(false);
  });
  it("discard drops what is queued and releases a blocked pusher", async () => {
    const queue = new BoundedQueue<number>(1);
    await queue.push(1);
    const blocked = queue.push(2);
    expect(queue.discard()).toBe(1);
    expect(await blocked).toBe(false);
    expect(await queue.pop()).toBeUndefined();
  });
  it("keeps its backing array bounded over many items", async () => {
    const queue = new BoundedQueue<number>(10);
    for (let i = 0; i < 50_000; i++) {
      await queue.push(i);
      expect(await queue.pop()).toBe(i);
    }
    expect(queue.size).toBe(0);
  });
  it("refuses a capacity below one", () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
