/**
 * Seedable randomness. Separate streams for ids, faults and jitter, so that setting a seed makes
 * the fault and jitter sequences reproducible no matter how many ids were drawn in between.
 */
export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for test data and fault dice. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Built from char codes in one go: appending a char at a time makes a rope of `length` nodes,
 * which at 100k sessions (ids, secrets, urls) costs over 100 MB of heap.
 */
export function alnum(rng: Rng, length: number): string {
  const codes = new Array<number>(length);
  for (let i = 0; i < length; i++) codes[i] = ALNUM.charCodeAt(Math.floor(rng() * 62));
  return String.fromCharCode(...codes);
}

export interface RandomStreams {
  ids: Rng;
  faults: Rng;
  jitter: Rng;
  data: Rng;
}

export function randomStreams(seed: number | undefined): RandomStreams {
  const base = seed ?? Math.floor(Math.random() * 2 ** 32);
  return {
    ids: mulberry32(base ^ 0x1d5),
    faults: mulberry32(base ^ 0xfa017),
    jitter: mulberry32(base ^ 0x717e),
    data: mulberry32(base ^ 0xda7a),
  };
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}
