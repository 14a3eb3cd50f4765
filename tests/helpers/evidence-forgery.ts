/**
 * What a tamperer does to an evidence file: edit lines, then recompute every hash after them (the
 * keyless chain lets anyone; with a keyed chain they can only guess a key).
 */
import { ChainHasher, GENESIS, sealLine, unseal, type EvidenceEntry } from "../../provider/redaction/evidence";

export function rechain(lines: readonly string[], hasher = new ChainHasher()): string {
  let prev = GENESIS;
  const out: string[] = [];
  for (const text of lines) {
    const { body } = unseal(text)!;
    const { prev: _old, ...entry } = JSON.parse(body) as EvidenceEntry & { prev: string };
    const sealed = sealLine(entry as EvidenceEntry, prev, hasher);
    out.push(sealed.text);
    prev = sealed.hash;
  }
  return `${out.join("\n")}\n`;
}

/** The JSON of a sealed line (its `hash` left out). */
export function entryOf(text: string): Record<string, unknown> {
  return JSON.parse(unseal(text)!.body) as Record<string, unknown>;
}

/** A line with some fields changed (its hash now stale until rechained). */
export function withFields(text: string, fields: Record<string, unknown>): string {
  const { prev, ...entry } = entryOf(text);
  return sealLine({ ...entry, ...fields } as unknown as EvidenceEntry, prev as string, new ChainHasher()).text;
}
