import { paginate } from "../../emulator/list";
import { OrderedTable } from "../../emulator/store";

/** The ordered per-account table and the cursor arithmetic, without HTTP. */
interface Item {
  id: string;
  seq: number;
  created: number;
}

function table(items: [string, number][]): OrderedTable<Item> {
  const t = new OrderedTable<Item>();
  items.forEach(([id, created], i) => t.put({ id, seq: i, created }));
  return t;
}

test("put refuses to overwrite an id", () => {
  const t = table([["a", 1]]);
  expect(() => t.put({ id: "a", seq: 9, created: 2 })).toThrow(/refusing to overwrite/);
  expect(t.size).toBe(1);
});

test("backdated batches are kept in (created, seq) order with a correct index", () => {
  const t = table([["c", 30], ["d", 40]]);
  t.putMany([
    { id: "a", seq: 10, created: 10 },
    { id: "b", seq: 11, created: 30 },
  ]);
  expect(t.newestFirst().map((i) => i.id)).toEqual(["d", "b", "c", "a"]);
  expect(["a", "b", "c", "d"].map((id) => t.at(t.indexOf(id) ?? -1).id)).toEqual(["a", "b", "c", "d"]);
  expect(t.lowerBound(30)).toBe(1);
  expect(t.lowerBound(31)).toBe(3);
});

test("pages walk newest first in both directions, with created ranges", () => {
  const t = table([["a", 1], ["b", 2], ["c", 2], ["d", 3], ["e", 4]]);
  const ids = (p: { data: Item[] }) => p.data.map((i) => i.id);
  expect(ids(paginate(t, { limit: 2, kind: "x" }))).toEqual(["e", "d"]);
  expect(ids(paginate(t, { limit: 2, starting_after: "d", kind: "x" }))).toEqual(["c", "b"]);
  expect(paginate(t, { limit: 2, starting_after: "c", kind: "x" }).has_more).toBe(false);
  expect(ids(paginate(t, { limit: 2, ending_before: "b", kind: "x" }))).toEqual(["d", "c"]);
  expect(paginate(t, { limit: 2, ending_before: "b", kind: "x" }).has_more).toBe(true);
  expect(ids(paginate(t, { limit: 10, created: { gte: 2, lte: 3 }, kind: "x" }))).toEqual(["d", "c", "b"]);
  expect(ids(paginate(t, { limit: 10, created: { gte: 5, lte: 4 }, kind: "x" }))).toEqual([]);
  expect(() => paginate(t, { limit: 1, starting_after: "zz", kind: "thing" })).toThrow(/No such thing/);
});
