import fc from "fast-check";
import Stripe from "stripe";
import { startTestEmulator, TestEmulator } from "../helpers/emulator";

/**
 * List pagination and filters against an in-memory reference: the sessions this file made, with
 * their `created` and the order they were made in, sorted newest first (ties: made later first).
 */
let emu: TestEmulator;
let stripe: Stripe;
interface Ref {
  id: string;
  created: number;
  order: number;
  status: string;
  client_reference_id: string | null;
  related_customer: string | null;
}
let reference: Ref[] = [];

const T0 = 1_700_000_000;

beforeAll(async () => {
  emu = await startTestEmulator();
  const key = emu.newKey();
  stripe = emu.stripe(key);
  const made: { id: string }[] = [];
  // Interleaved and backdated batches, many same-second ties, then sessions made through the API.
  made.push(...(await emu.control.seed({ apiKey: key, count: 120, created: { from: T0, to: T0 + 30 }, clientReferenceIdPrefix: "a-" })).ids.map((id) => ({ id })));
  made.push(...(await emu.control.seed({ apiKey: key, count: 100, status: "verified", created: { from: T0 - 500, to: T0 + 15 } })).ids.map((id) => ({ id })));
  made.push(...(await emu.control.seed({ apiKey: key, count: 40, status: "canceled", created: { from: T0 + 10, to: T0 + 10 } })).ids.map((id) => ({ id })));
  for (let i = 0; i < 20; i++) {
    made.push(await stripe.identity.verificationSessions.create({ type: "document", related_customer: i % 2 ? "cus_odd" : "cus_even", client_reference_id: `api-${i}` }));
  }
  const order = new Map(made.map((m, i) => [m.id, i]));
  const dump = await emu.control.sessions(key);
  reference = dump
    .map((s) => ({
      id: s.id,
      created: s.created,
      order: order.get(s.id) ?? -1,
      status: s.status,
      client_reference_id: s.client_reference_id,
      related_customer: s.related_customer,
    }))
    .sort((a, b) => b.created - a.created || b.order - a.order);
  expect(reference).toHaveLength(280);
}, 30_000);
afterAll(() => emu.close());

type Filter = { status?: "requires_input" | "verified" | "canceled"; created?: { gt?: number; gte?: number; lt?: number; lte?: number } };
type ListParams = NonNullable<Parameters<Stripe["identity"]["verificationSessions"]["list"]>[0]>;

function matches(r: Ref, f: Filter): boolean {
  if (f.status && r.status !== f.status) return false;
  const c = f.created;
  if (c?.gt !== undefined && !(r.created > c.gt)) return false;
  if (c?.gte !== undefined && !(r.created >= c.gte)) return false;
  if (c?.lt !== undefined && !(r.created < c.lt)) return false;
  if (c?.lte !== undefined && !(r.created <= c.lte)) return false;
  return true;
}

const filterArb: fc.Arbitrary<Filter> = fc.record(
  {
    status: fc.constantFrom("requires_input", "verified", "canceled"),
    created: fc.record({ gte: fc.integer({ min: T0 - 600, max: T0 + 40 }), lt: fc.integer({ min: T0 - 600, max: T0 + 40 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

test("walking forward with starting_after and back with ending_before matches the reference", async () => {
  await fc.assert(
    fc.asyncProperty(filterArb, fc.integer({ min: 7, max: 100 }), fc.nat(), async (filter, limit, startSeed) => {
      const expected = reference.filter((r) => matches(r, filter)).map((r) => r.id);
      // Forward from the top.
      const forward: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await stripe.identity.verificationSessions.list({ ...filter, limit, starting_after: after });
        expect(page.data.length).toBeLessThanOrEqual(limit);
        forward.push(...page.data.map((s) => s.id));
        if (!page.has_more) break;
        after = page.data[page.data.length - 1].id;
      }
      expect(forward).toEqual(expected);
      // Backward from a cursor anywhere in the filtered list.
      if (expected.length === 0) return;
      const start = startSeed % expected.length;
      const backward: string[] = [];
      let before = expected[start];
      for (;;) {
        const page = await stripe.identity.verificationSessions.list({ ...filter, limit, ending_before: before });
        backward.unshift(...page.data.map((s) => s.id));
        if (!page.has_more || page.data.length === 0) break;
        before = page.data[0].id;
      }
      expect(backward).toEqual(expected.slice(0, start));
    }),
    { numRuns: 25 },
  );
}, 30_000);

test("auto-pagination through the SDK sees every session once, newest first", async () => {
  const all = await stripe.identity.verificationSessions.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
  expect(all.map((s) => s.id)).toEqual(reference.map((r) => r.id));
});

test("filters: status, created (integer and range), client_reference_id, related_customer", async () => {
  const vs = stripe.identity.verificationSessions;
  const ids = async (params: ListParams) => (await vs.list({ limit: 100, ...params })).data.map((s) => s.id);
  const ref = (pred: (r: Ref) => boolean) => reference.filter(pred).map((r) => r.id).slice(0, 100);
  expect(await ids({ created: T0 + 10 })).toEqual(ref((r) => r.created === T0 + 10));
  expect(await ids({ created: { gt: T0, lte: T0 + 5 } })).toEqual(ref((r) => r.created > T0 && r.created <= T0 + 5));
  expect(await ids({ status: "verified", created: { lt: T0 - 100 } })).toEqual(ref((r) => r.status === "verified" && r.created < T0 - 100));
  expect(await ids({ client_reference_id: "a-7" })).toEqual(ref((r) => r.client_reference_id === "a-7"));
  expect(await ids({ related_customer: "cus_odd" })).toEqual(ref((r) => r.related_customer === "cus_odd"));
  expect(await ids({ related_customer_account: "acct_none" })).toEqual([]);
  expect(await ids({ created: { gt: T0 + 5, lt: T0 + 5 } })).toEqual([]);
});

test("limit: default 10, 1..100 allowed, 400 outside; url and has_more are set", async () => {
  const page = await stripe.identity.verificationSessions.list();
  expect(page.data).toHaveLength(10);
  expect([page.object, page.url, page.has_more]).toEqual(["list", "/v1/identity/verification_sessions", true]);
  expect((await stripe.identity.verificationSessions.list({ limit: 1 })).data).toHaveLength(1);
  for (const limit of [0, 101, -1]) {
    await expect(stripe.identity.verificationSessions.list({ limit })).rejects.toMatchObject({ statusCode: 400, param: "limit" });
  }
});

test("bad cursors: unknown id and both cursors at once are 400s", async () => {
  await expect(stripe.identity.verificationSessions.list({ starting_after: "vs_nope" })).rejects.toMatchObject({
    statusCode: 400,
    param: "starting_after",
    code: "resource_missing",
  });
  const [a, b] = reference;
  await expect(stripe.identity.verificationSessions.list({ starting_after: a.id, ending_before: b.id })).rejects.toMatchObject({ statusCode: 400 });
});

// That a deep page inside 100,000 sessions costs about what the first does is measured in
// bench/emulator-timing.ts (a ratio), not asserted on a loaded machine's clock; seeding 100,000
// sessions here took over 30 s under load, so this checks the cursor on 5,000.
test("a page deep inside a long list starts right after its cursor", async () => {
  const key = emu.newKey();
  const { ids } = await emu.control.seed({ apiKey: key, count: 5_000, created: { from: T0 - 5_000, to: T0 } });
  const client = emu.stripe(key);
  const page = await client.identity.verificationSessions.list({ limit: 3, starting_after: ids[500] });
  expect(page.data.map((s) => s.id)).toEqual([ids[499], ids[498], ids[497]]);
  const deep = await client.identity.verificationSessions.list({ limit: 100, starting_after: ids[4_900] });
  expect(deep.data.map((s) => s.id)).toEqual(ids.slice(4_800, 4_900).reverse());
});
