/**
 * The diff's promise checked against the emulator: whenever diff proposes an in-place update,
 * the update call succeeds (Stripe would have accepted it); random args, random session states.
 */
import fc from "fast-check";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { bindProvider, createSession } from "./fixture";

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const args = fc.record({
  type: fc.constantFrom("document", "id_number"),
  metadata: maybe(fc.dictionary(fc.constantFrom("a", "b", "c"), fc.constantFrom("1", "2"), { maxKeys: 3 })),
  options: maybe(fc.record({ document: maybe(fc.record({ allowedTypes: fc.subarray(["driving_license", "id_card", "passport"], { minLength: 1 }), requireLiveCapture: maybe(fc.boolean()) })) })),
  providedDetails: maybe(fc.record({ email: maybe(fc.constantFrom("a@example.com", "b@example.com")) })),
  clientReferenceId: maybe(fc.constantFrom("r1", "r2")),
  deletionPolicy: maybe(fc.constantFrom("cancel", "redact", "retain")),
});
const situation = fc.constantFrom("requires_input", "processing", "verified", "canceled", "redacted", "failed");

it("every in-place update the diff proposes is accepted by the API", async () => {
  let updates = 0;
  await fc.assert(
    fc.asyncProperty(args, args, situation, async (before, after, where) => {
      const bound = bindProvider(emulator);
      const { id, state } = await createSession(bound, before);
      const stripe = emulator.stripe(bound.key).identity.verificationSessions;
      if (where === "processing" || where === "verified" || where === "failed") await emulator.control.transition(id, "processing");
      if (where === "verified") await emulator.control.transition(id, "verified");
      if (where === "failed") await emulator.control.transition(id, "requires_input", { code: "document_expired" });
      if (where === "canceled") await stripe.cancel(id);
      if (where === "redacted") await stripe.redact(id);
      const refreshed = (await bound.provider.read(id, state)).props as Record<string, unknown>;
      const news = (await bound.provider.check(refreshed, after)).inputs;
      const diff = await bound.provider.diff(id, refreshed, news);
      if (diff.changes && (diff.replaces ?? []).length === 0) {
        const { outs } = await bound.provider.update(id, refreshed, news);
        updates++;
        expect(outs).toMatchObject({ metadata: after.metadata });
        // Stripe now holds what was asked for: removed keys are gone, document options replaced.
        const [stored] = await emulator.control.sessions(bound.key);
        expect(stored.metadata).toEqual(after.metadata ?? {});
        if (after.options?.document?.allowedTypes) expect(stored.options?.document?.allowed_types).toEqual(after.options.document.allowedTypes);
      }
    }),
    { numRuns: 60, seed: 42 },
  );
  expect(updates).toBeGreaterThan(0);
});
