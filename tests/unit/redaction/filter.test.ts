import fc from "fast-check";
import {
  compileFilter,
  parseFilter,
  RedactionFilter,
  SESSION_STATUSES,
  UNBOUNDED_MESSAGE,
  type ListQuery,
  type SessionFacts,
} from "../../../provider/redaction/filter";
import { dateSpecProblem, resolveDateSpec } from "../../../provider/redaction/dates";
import { UserInputError } from "../../../provider/errors";

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0); // 2026-06-15T12:00:00Z
const sec = (ms: number): number => Math.floor(ms / 1000);
const DAY = 86_400;

function facts(overrides: Partial<SessionFacts> = {}): SessionFacts {
  return {
    id: "vs_1",
    status: "requires_input",
    created: sec(NOW) - 10 * DAY,
    type: "document",
    client_reference_id: "order-17",
    related_customer: "cus_A",
    metadata: { app: "shop", env: "test" },
    ...overrides,
  };
}

function compile(raw: unknown, now = NOW) {
  return compileFilter(parseFilter(raw), now);
}

describe("date specs", () => {
  it.each(["7d", "12h", "30m", "45s", "2w", "2026-01-01", "2026-01-01T10:00:00Z", "2026-01-01T10:00:00.250+02:00", "2026-01-01T10:00Z"])(
    "accepts %s",
    (text) => expect(dateSpecProblem(text)).toBeUndefined(),
  );
  it.each(["", "7", "d7", "7days", "-7d", "2026-13-01", "2026-02-30", "2026-01-01T10:00:00", "yesterday", "1.5d"])("refuses %j", (text) =>
    expect(dateSpecProblem(text)).toEqual(expect.any(String)),
  );
  it("resolves relative specs back from now and absolute ones as UTC", () => {
    expect(resolveDateSpec("7d", NOW)).toBe(NOW - 7 * DAY * 1000);
    expect(resolveDateSpec("12h", NOW)).toBe(NOW - 12 * 3600 * 1000);
    expect(resolveDateSpec("30m", NOW)).toBe(NOW - 30 * 60 * 1000);
    expect(resolveDateSpec("2026-01-01", NOW)).toBe(Date.UTC(2026, 0, 1));
    expect(resolveDateSpec("2026-01-01T02:00:00+02:00", NOW)).toBe(Date.UTC(2026, 0, 1));
  });
});

describe("RedactionFilter schema", () => {
  it("refuses an unbounded filter, saying why", () => {
    for (const raw of [{}, { status: ["verified"] }, { type: "document" }, { excludeIds: ["vs_1"] }, { metadata: {} }, { status: ["canceled"], type: "id_number", excludeIds: ["x"] }]) {
      expect(() => parseFilter(raw)).toThrow(UserInputError);
      expect(() => parseFilter(raw)).toThrow(UNBOUNDED_MESSAGE);
    }
    expect(UNBOUNDED_MESSAGE).toMatch(/status: verified alone would redact every verified session/);
  });
  it.each([
    [{ createdBefore: "7d" }],
    [{ createdAfter: "2026-01-01" }],
    [{ clientReferenceId: "order-1" }],
    [{ clientReferenceIdPrefix: "order-" }],
    [{ relatedCustomer: "cus_1" }],
    [{ metadata: { app: "shop" } }],
  ])("accepts the bound %j", (raw) => expect(() => parseFilter(raw)).not.toThrow());

  it("names the field in every error", () => {
    expect(() => parseFilter({ createdBefore: "last week" })).toThrow(/^filter\.createdBefore: "last week": expected a duration/);
    expect(() => parseFilter({ createdBefore: "7d", status: ["done"] })).toThrow(/filter\.status\.0:/);
    expect(() => parseFilter({ createdBefore: "7d", status: [] })).toThrow(/filter\.status: list at least one status/);
    expect(() => parseFilter({ createdBefore: "7d", type: "selfie" })).toThrow(/filter\.type:/);
    expect(() => parseFilter({ createdBefore: "7d", colour: "red" })).toThrow(/filter: .*colour/);
    expect(() => parseFilter({ clientReferenceId: "" })).toThrow(/filter\.clientReferenceId: must not be empty/);
    expect(() => parseFilter({ createdBefore: "7d", metadata: { app: 1 } })).toThrow(/filter\.metadata\.app:/);
    expect(() => parseFilter({ createdBefore: "7d", excludeIds: [""] })).toThrow(/filter\.excludeIds\.0: must be a VerificationSession id/);
    expect(() => parseFilter({ createdAfter: "2026-02-01", createdBefore: "2026-01-01" })).toThrow(/filter\.createdAfter: createdAfter must be earlier/);
    expect(() => parseFilter({ createdAfter: "7d", createdBefore: "30d" })).toThrow(/filter\.createdAfter:/);
    expect(() => parseFilter("7d")).toThrow(/^filter: /);
  });
  it("infers the type from the schema", () => {
    const filter: RedactionFilter = parseFilter({ status: ["verified"], createdBefore: "30d" });
    expect(filter).toEqual({ status: ["verified"], createdBefore: "30d" });
  });
});

describe("compileFilter: list queries", () => {
  it("sends status, created, client_reference_id and related_customer to the API", () => {
    const compiled = compile({ status: ["verified"], createdAfter: "2026-01-01", createdBefore: "7d", clientReferenceId: "o-1", relatedCustomer: "cus_A" });
    expect(compiled.listQuery).toEqual(
      { status: "verified", created: { gte: sec(Date.UTC(2026, 0, 1)), lt: sec(NOW) - 7 * DAY }, client_reference_id: "o-1", related_customer: "cus_A" },
    );
  });
  it("lists several statuses in one status-less query (issue 10 item 2: a session that changes status is listed once)", () => {
    const compiled = compile({ status: ["requires_input", "verified", "canceled", "requires_input"], createdBefore: "1d" });
    expect(compiled.listQuery).toEqual({ created: { lt: sec(NOW) - DAY } });
    expect(compiled.matches(facts({ status: "processing", created: sec(NOW) - 2 * DAY }))).toBe(false);
    expect(compiled.matches(facts({ status: "verified", created: sec(NOW) - 2 * DAY }))).toBe(true);
  });
  it("is leavable (re-read before writes) exactly when status, type or metadata are in the filter", () => {
    expect(compile({ createdBefore: "1d", clientReferenceIdPrefix: "a", excludeIds: ["vs_1"], relatedCustomer: "cus_1" }).leavable).toBe(false);
    expect(compile({ createdBefore: "1d", status: ["verified"] }).leavable).toBe(true);
    expect(compile({ createdBefore: "1d", type: "document" }).leavable).toBe(true);
    expect(compile({ createdBefore: "1d", metadata: { batch: "a" } }).leavable).toBe(true);
  });
  it("leaves out sessions created after the run started (createdAtMost), in the query and the predicate", () => {
    const start = sec(NOW);
    const compiled = compileFilter(parseFilter({ clientReferenceIdPrefix: "a" }), NOW, { createdAtMost: start });
    expect(compiled.listQuery).toEqual({ created: { lt: start + 1 } });
    expect(compiled.matches(facts({ client_reference_id: "a1", created: start }))).toBe(true);
    expect(compiled.matches(facts({ client_reference_id: "a1", created: start + 1 }))).toBe(false);
    const bounded = compileFilter(parseFilter({ createdBefore: "1d" }), NOW, { createdAtMost: start });
    expect(bounded.listQuery).toEqual({ created: { lt: start - DAY } });
  });
  it("lists without status when none is asked, and keeps prefix, type, metadata and exclusions out of the params", () => {
    const compiled = compile({ clientReferenceIdPrefix: "order-", type: "document", metadata: { app: "shop" }, excludeIds: ["vs_9"] });
    expect(compiled.listQuery).toEqual({});
  });
  it("rounds sub-second bounds up to whole seconds without changing what matches", () => {
    const compiled = compile({ createdAfter: "2026-01-01T00:00:00.500Z", createdBefore: "2026-01-02T00:00:00.001Z" });
    const t = sec(Date.UTC(2026, 0, 1));
    expect(compiled.listQuery.created).toEqual({ gte: t + 1, lt: sec(Date.UTC(2026, 0, 2)) + 1 });
    expect(compiled.matches(facts({ created: t }))).toBe(false);
    expect(compiled.matches(facts({ created: t + 1 }))).toBe(true);
    expect(compiled.matches(facts({ created: sec(Date.UTC(2026, 0, 2)) }))).toBe(true);
  });
  it("resolves relative dates once, against the now it is given", () => {
    const compiled = compile({ createdBefore: "7d" });
    const edge = sec(NOW) - 7 * DAY;
    expect(compiled.createdLt).toBe(edge);
    expect(compiled.matches(facts({ created: edge - 1 }))).toBe(true);
    expect(compiled.matches(facts({ created: edge }))).toBe(false);
    const later = compile({ createdBefore: "7d" }, NOW + 3600_000);
    expect(later.createdLt).toBe(edge + 3600);
  });
  it("refuses a mixed relative/absolute range that is empty at run time", () => {
    expect(() => compile({ createdAfter: "2026-06-14", createdBefore: "7d" })).toThrow(/filter\.createdAfter: resolves to .* not earlier than createdBefore/);
  });
  it.each([
    [{ createdBefore: "0d" }],
    [{ createdBefore: "2030-01-01", status: ["verified"] }],
    [{ createdAfter: "2010-06-01" }],
    [{ createdAfter: "2005-01-01", createdBefore: "2099-01-01" }],
  ])("refuses a time bound that excludes no session when nothing else narrows: %j", (raw) => {
    expect(() => compile(raw)).toThrow(/excludes no session/);
  });
  it("accepts the same time bounds next to an identity bound, and real time bounds alone", () => {
    expect(() => compile({ createdBefore: "0d", clientReferenceIdPrefix: "app-" })).not.toThrow();
    expect(() => compile({ createdAfter: "2010-06-01", metadata: { app: "shop" } })).not.toThrow();
    expect(() => compile({ createdBefore: "1s" })).not.toThrow();
    expect(() => compile({ createdAfter: "2026-06-01" })).not.toThrow();
  });
  it("refuses an unbounded filter even when it skipped the schema", () => {
    expect(() => compileFilter({ status: ["verified"] }, NOW)).toThrow(UNBOUNDED_MESSAGE);
  });
});

describe("compileFilter: the predicate checks every field", () => {
  const base = { createdBefore: "1d" };
  it.each<[string, Record<string, unknown>, Partial<SessionFacts>, Partial<SessionFacts>]>([
    ["status", { status: ["verified", "canceled"] }, { status: "verified" }, { status: "requires_input" }],
    ["createdBefore", { createdBefore: "7d" }, { created: sec(NOW) - 8 * DAY }, { created: sec(NOW) - 6 * DAY }],
    ["createdAfter", { createdAfter: "2026-06-01" }, { created: sec(Date.UTC(2026, 5, 1)) }, { created: sec(Date.UTC(2026, 5, 1)) - 1 }],
    ["clientReferenceId", { clientReferenceId: "order-17" }, {}, { client_reference_id: "order-170" }],
    ["clientReferenceIdPrefix", { clientReferenceIdPrefix: "order-" }, { client_reference_id: "order-" }, { client_reference_id: "ord" }],
    ["clientReferenceIdPrefix (null id)", { clientReferenceIdPrefix: "o" }, {}, { client_reference_id: null }],
    ["relatedCustomer", { relatedCustomer: "cus_A" }, {}, { related_customer: "cus_B" }],
    ["relatedCustomer (null)", { relatedCustomer: "cus_A" }, {}, { related_customer: null }],
    ["type", { type: "id_number" }, { type: "id_number" }, { type: "document" }],
    ["metadata (all keys must match)", { metadata: { app: "shop", env: "test" } }, { metadata: { app: "shop", env: "test", x: "1" } }, { metadata: { app: "shop" } }],
    ["metadata (value)", { metadata: { app: "shop" } }, {}, { metadata: { app: "shop2" } }],
    ["metadata (redacted, erased)", { metadata: { app: "shop" } }, {}, { metadata: null }],
    ["metadata (inherited names do not count)", { metadata: { constructor: "x" } }, { metadata: { constructor: "x" } }, { metadata: {} }],
    ["excludeIds", { excludeIds: ["vs_2"] }, { id: "vs_1" }, { id: "vs_2" }],
  ])("%s", (_name, extra, inside, outside) => {
    const compiled = compile({ ...base, ...extra });
    expect(compiled.matches(facts(inside))).toBe(true);
    expect(compiled.matches(facts(outside))).toBe(false);
  });
  it("re-checks the list params too (a wrong list answer cannot widen the selection)", () => {
    const compiled = compile({ status: ["verified"], createdAfter: "30d", clientReferenceId: "order-17", relatedCustomer: "cus_A" });
    expect(compiled.matches(facts({ status: "verified" }))).toBe(true);
    expect(compiled.matches(facts({ status: "canceled" }))).toBe(false);
    expect(compiled.matches(facts({ status: "verified", created: sec(NOW) - 31 * DAY }))).toBe(false);
    expect(compiled.matches(facts({ status: "verified", client_reference_id: "x" }))).toBe(false);
    expect(compiled.matches(facts({ status: "verified", related_customer: "cus_B" }))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: list params + predicate select exactly what a naive full scan selects.

const T0 = sec(NOW) - 10 * DAY;
const sessionArb = fc.record({
  status: fc.constantFrom(...SESSION_STATUSES),
  created: fc.integer({ min: T0, max: T0 + 20 * DAY }),
  type: fc.constantFrom("document", "id_number", "verification_flow"),
  client_reference_id: fc.constantFrom(null, "a", "ab", "abc", "b"),
  related_customer: fc.constantFrom(null, "cus_1", "cus_2"),
  metadata: fc.oneof(fc.constant(null), fc.dictionary(fc.constantFrom("k1", "k2"), fc.constantFrom("v1", "v2"))),
});
const dateArb = fc.oneof(
  fc.integer({ min: 0, max: 25 * 24 }).map((h) => `${h}h`),
  fc.integer({ min: 0, max: 25 }).map((d) => `${d}d`),
  fc.integer({ min: (T0 - DAY) * 1000, max: (T0 + 21 * DAY) * 1000 }).map((ms) => new Date(ms).toISOString()),
);
const filterArb = fc.record(
  {
    status: fc.uniqueArray(fc.constantFrom(...SESSION_STATUSES), { minLength: 1 }),
    createdBefore: dateArb,
    createdAfter: dateArb,
    clientReferenceId: fc.constantFrom("a", "ab", "b"),
    clientReferenceIdPrefix: fc.constantFrom("a", "ab", "b", "abc"),
    relatedCustomer: fc.constantFrom("cus_1", "cus_2"),
    type: fc.constantFrom("document" as const, "id_number" as const, "verification_flow" as const),
    metadata: fc.dictionary(fc.constantFrom("k1", "k2"), fc.constantFrom("v1", "v2")),
    excludeIds: fc.array(fc.integer({ min: 0, max: 40 }).map((i) => `vs_${i}`)),
  },
  { requiredKeys: [] },
);

/** What the API does with list params (its documented semantics, written independently). */
function apiList(all: SessionFacts[], query: ListQuery): SessionFacts[] {
  return all.filter(
    (s) =>
      (query.status === undefined || s.status === query.status) &&
      (query.created?.gte === undefined || s.created >= query.created.gte) &&
      (query.created?.lt === undefined || s.created < query.created.lt) &&
      (query.client_reference_id === undefined || s.client_reference_id === query.client_reference_id) &&
      (query.related_customer === undefined || s.related_customer === query.related_customer),
  );
}

/** The filter's meaning, read straight off docs/architecture.md, "Public contract", on every session. */
function naive(filter: RedactionFilter, s: SessionFacts, nowMs: number): boolean {
  const createdMs = s.created * 1000;
  return (
    (filter.status === undefined || filter.status.includes(s.status as never)) &&
    (filter.createdBefore === undefined || createdMs < resolveDateSpec(filter.createdBefore, nowMs)) &&
    (filter.createdAfter === undefined || createdMs >= resolveDateSpec(filter.createdAfter, nowMs)) &&
    (filter.clientReferenceId === undefined || s.client_reference_id === filter.clientReferenceId) &&
    (filter.clientReferenceIdPrefix === undefined || (s.client_reference_id !== null && s.client_reference_id.startsWith(filter.clientReferenceIdPrefix))) &&
    (filter.relatedCustomer === undefined || s.related_customer === filter.relatedCustomer) &&
    (filter.type === undefined || s.type === filter.type) &&
    Object.entries(filter.metadata ?? {}).every(([k, v]) => s.metadata !== null && s.metadata[k] === v) &&
    !(filter.excludeIds ?? []).includes(s.id)
  );
}

describe("compileFilter: property", () => {
  it("list queries + predicate select exactly what a naive full scan selects, each session once", () => {
    fc.assert(
      fc.property(fc.array(sessionArb, { maxLength: 40 }), filterArb, (rows, raw) => {
        const all = rows.map((row, i) => ({ ...row, id: `vs_${i}` }));
        const parsed = RedactionFilter.safeParse(raw);
        fc.pre(parsed.success);
        const filter = parsed.data!;
        let compiled;
        try {
          compiled = compileFilter(filter, NOW);
        } catch (error) {
          if (/excludes no session/.test(String(error))) {
            // Refused as unbounded: no identity field, and the time range keeps every session since 2011.
            expect([filter.clientReferenceId, filter.clientReferenceIdPrefix, filter.relatedCustomer]).toEqual([undefined, undefined, undefined]);
            expect(Object.keys(filter.metadata ?? {})).toEqual([]);
            return;
          }
          // Otherwise only an empty mixed range may be refused here; then the naive scan selects nothing.
          expect(String(error)).toMatch(/not earlier than createdBefore/);
          expect(all.filter((s) => naive(filter, s, NOW))).toEqual([]);
          return;
        }
        const selected: string[] = [];
        for (const s of apiList(all, compiled.listQuery)) if (compiled.matches(s)) selected.push(s.id);
        expect(new Set(selected).size).toBe(selected.length);
        expect(selected.sort()).toEqual(all.filter((s) => naive(filter, s, NOW)).map((s) => s.id).sort());
      }),
      { numRuns: 2000 },
    );
  });
});

describe("input that would silently widen a filter is refused (issue 10, item 4)", () => {
  it.each([
    // Date.parse rolls these over (2026-11-31 runs as December 1st): each is refused, naming why.
    ["2026-11-31T00:00:00Z", /is not a calendar date/],
    ["2026-02-29T12:00:00Z", /is not a calendar date/],
    ["2026-01-01T24:00:00Z", /is not a time of day/],
    ["2026-01-01T10:60:00Z", /is not a time of day/],
    ["2026-01-01T10:00:60+01:00", /is not a time of day/],
    ["2026-01-01T10:00:00+15:00", /no such time zone offset/],
  ])("date-time %s", (text, problem) => {
    expect(dateSpecProblem(text)).toMatch(problem);
    expect(() => parseFilter({ createdBefore: text })).toThrow(UserInputError);
  });
  it("accepts the date-times that exist", () => {
    for (const text of ["2024-02-29T23:59:59Z", "2026-12-31T00:00:00.123+14:00", "2026-06-01T08:30-05:00"]) expect(dateSpecProblem(text)).toBeUndefined();
  });
  it("a metadata key __proto__ is refused, never dropped", () => {
    const metadata = JSON.parse('{"__proto__": "x", "app": "shop"}') as Record<string, string>;
    expect(() => parseFilter({ createdBefore: "7d", metadata })).toThrow(/filter\.metadata\.__proto__: .*cannot be matched safely/);
    const onlyProto = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    expect(() => parseFilter({ status: ["verified"], metadata: onlyProto })).toThrow(/__proto__/);
  });
  it("excludeIds must be session ids, and at least one", () => {
    expect(() => parseFilter({ createdBefore: "7d", excludeIds: ['"vs_1"'] })).toThrow(/filter\.excludeIds\.0: must be a VerificationSession id/);
    expect(() => parseFilter({ createdBefore: "7d", excludeIds: [] })).toThrow(/filter\.excludeIds: list at least one id/);
    expect(parseFilter({ createdBefore: "7d", excludeIds: ["vs_1", "vs_AbC9"] }).excludeIds).toEqual(["vs_1", "vs_AbC9"]);
  });
  it("metadata limits are named: keys up to 40 characters, values up to 500", () => {
    expect(() => parseFilter({ metadata: { ["k".repeat(41)]: "v" } })).toThrow(/longer than 40 characters \(Stripe's limit\)/);
    expect(() => parseFilter({ metadata: { k: "v".repeat(501) } })).toThrow(/filter\.metadata\.k: metadata values are at most 500 characters/);
  });
});
