/**
 * Fuzzing BulkRedaction's check() (issue 6 item 3; the VerificationSession check() is fuzzed in
 * tests/unit/session/check.test.ts): random and nearly valid args never make it throw; each
 * failure names a field and says why; whatever passes is a bounded filter that compiles, so a
 * check() that says yes can never lead to an unbounded sweep.
 */
import type * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { UserInputError } from "../../provider/errors";
import { boundProblem, compileFilter, parseFilter } from "../../provider/redaction/filter";
import { BulkRedactionArgs, checkBulkArgs } from "../../provider/redaction/inputs";
import { containsUnknown, UNKNOWN } from "../../provider/values";
import { createBulkRedactionProvider } from "../../provider/redaction/provider";
import { LONG, report, SEED } from "./support";

const RUNS = LONG ? 20_000 : 2_000;
const ARG_NAMES = ["filter", "action", "runOn", "dryRun", "maxSessions", "requestsPerSecond", "allowLivemode", "triggers", "resourceName", "args"];

/** Mostly valid, sometimes junk: most cases then get deep into validation instead of failing at once. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: junk as fc.Arbitrary<unknown> });

const junk = fc.oneof(
  fc.constant(UNKNOWN),
  fc.anything({ withNullPrototype: true, withObjectString: true, withBigInt: true, withMap: true, withSet: true, withDate: true, maxDepth: 2 }),
);
const dateSpec = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("7d", "12h", "30m", "1w", "2026-01-01", "2026-01-01T00:00:00Z", "2025-06-30T23:59:59.5+02:00") },
  fc.constantFrom("7d", "0d", "12h", "30m", "1w", "999999d", "2026-01-01", "2026-02-30", "0050-01-01", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T25:00Z", "7 d", "-1d", "", "d7"),
  fc.integer({ min: 0, max: 2_000_000 }).map((n) => `${n}${"smhdw"[n % 5]}`),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 12 }),
);
const statuses = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.constantFrom("requires_input", "processing", "verified", "canceled"), { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom("requires_input", "redacted", ""), { maxLength: 3 }) },
);
const text = fc.oneof(
  { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "x".repeat(5001)) },
);
const metadata = fc.oneof(
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom("batch", "team"), fc.constantFrom("a", "b"), { minKeys: 1, maxKeys: 2 }) },
  fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("__proto__", "constructor", "k".repeat(41))), fc.oneof(fc.string({ maxLength: 8 }), fc.constant("v".repeat(501))), { maxKeys: 3 }),
  junk as fc.Arbitrary<unknown>,
);
const filter = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        status: mostly(statuses),
        createdBefore: mostly(dateSpec),
        createdAfter: mostly(dateSpec),
        clientReferenceId: mostly(text),
        clientReferenceIdPrefix: mostly(text),
        relatedCustomer: mostly(text),
        type: mostly(fc.constantFrom("document", "id_number", "verification_flow", "selfie")),
        metadata,
        excludeIds: mostly(fc.array(fc.stringMatching(/^vs_[A-Za-z0-9]{1,8}$/), { minLength: 1, maxLength: 3 })),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom("status", "metadata", "extra", "__proto__", "createdBefore"), junk, { maxKeys: 3 }) },
  { weight: 1, arbitrary: junk },
);
const args = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        filter,
        action: mostly(fc.oneof({ weight: 8, arbitrary: fc.constantFrom("redact", "cancel") }, fc.constantFrom("delete", ""))),
        runOn: mostly(fc.array(fc.constantFrom("create", "update", "destroy", "create", "update", "destroy", "refresh"), { maxLength: 3 })),
        dryRun: mostly(fc.boolean()),
        maxSessions: mostly(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 100 }) }, fc.integer({ min: -5, max: -1 }), fc.double())),
        requestsPerSecond: mostly(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 10_000 }) }, fc.double({ min: -1, max: 20_000 }))),
        allowLivemode: mostly(fc.boolean()),
        triggers: mostly(fc.array(fc.jsonValue(), { maxLength: 2 })),
        __provider: fc.string(),
        matched: fc.nat(),
      },
      { requiredKeys: ["filter", "action"] },
    ),
  },
  { weight: 1, arbitrary: junk },
);

test(`BulkRedaction check(): ${RUNS} random and nearly valid args`, () => {
  const counts = { accepted: 0, refused: 0, unboundedRefused: 0 };
  const now = Date.UTC(2026, 10, 26);
  fc.assert(
    fc.property(args, (news) => {
      const { failures } = checkBulkArgs(news);
      for (const failure of failures) {
        // A nested field is named at the start of the reason (Pulumi shows a nested property path as {<nil>}).
        const named = String(failure.property) || String(failure.reason).split(/[ :(]/)[0];
        expect(ARG_NAMES).toContain(named.split(/[.[]/)[0]);
        expect(typeof failure.reason).toBe("string");
        expect(failure.reason.length).toBeGreaterThan(5);
        expect(failure.reason).not.toMatch(/\n\s+at /);
      }
      if (failures.length > 0) {
        counts.refused++;
        if (failures.some((f) => f.reason.includes("no bound"))) counts.unboundedRefused++;
        return;
      }
      if (containsUnknown(news)) return; // preview: judged again once the values are known
      counts.accepted++;
      // Accepted means: valid args with a bounded filter that compiles (or is refused by name).
      const parsed = BulkRedactionArgs.parse(Object.fromEntries(Object.entries(news as object).filter(([k]) => !k.startsWith("__") && k !== "matched")));
      expect(boundProblem(parsed.filter)).toBeUndefined();
      try {
        compileFilter(parseFilter(parsed.filter), now);
      } catch (error) {
        expect(error).toBeInstanceOf(UserInputError);
        expect((error as Error).message).toMatch(/^filter\./);
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
  report("check-fuzz/bulk-redaction", { cases: RUNS, ...counts });
  expect(counts.accepted).toBeGreaterThan(RUNS / 200);
  expect(counts.unboundedRefused).toBeGreaterThan(0);
});

test("filters with only status, type or excludeIds are refused by check(), naming the filter", () => {
  fc.assert(
    fc.property(
      fc.record({ status: fc.array(fc.constantFrom("requires_input", "verified", "canceled", "processing"), { minLength: 1 }), type: fc.constantFrom("document", "id_number"), excludeIds: fc.array(fc.constant("vs_1"), { minLength: 1 }), metadata: fc.constant({}) }, { requiredKeys: [] }),
      fc.constantFrom("redact", "cancel"),
      (unbounded, action) => {
        const { failures } = checkBulkArgs({ filter: unbounded, action });
        expect(failures).toEqual(expect.arrayContaining([{ property: "filter", reason: expect.stringContaining("no bound") }]));
      },
    ),
    { numRuns: 300, seed: SEED },
  );
});

test(`the BulkRedaction provider's check() itself: never rejects, failures name a field (${Math.round(RUNS / 4)} cases)`, async () => {
  const provider = createBulkRedactionProvider({ env: {} }) as Required<pulumi.dynamic.ResourceProvider>;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(args, async (news) => {
      const result = await provider.check({}, news as pulumi.Inputs);
      for (const failure of result.failures ?? []) {
        // A nested field is named at the start of the reason (Pulumi shows a nested property path as {<nil>}).
        const named = String(failure.property) || String(failure.reason).split(/[ :(]/)[0];
        expect(ARG_NAMES).toContain(named.split(/[.[]/)[0]);
        expect(failure.reason).not.toMatch(/\n\s+at /);
      }
      if ((result.failures ?? []).length > 0) refused++;
    }),
    { numRuns: Math.round(RUNS / 4), seed: SEED + 1 },
  );
  report("check-fuzz/bulk-redaction-provider", { cases: Math.round(RUNS / 4), refused });
});
