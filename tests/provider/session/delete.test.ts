import type * as pulumi from "@pulumi/pulumi";
import { ProcessingTimeoutError } from "../../../provider/errors";
import { createSessionProvider } from "../../../provider/session/provider";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { bindProvider, callsDuring, createSession, type Bound, type LogLine, CANCEL, REDACT, RETRIEVE } from "./fixture";

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());

/**
 * A provider on a clock the test owns: `sleep` moves `now` at once and first runs `onWait` (what
 * Stripe does while the provider waits), so a wait takes no real time and races nothing.
 */
function withClock(bound: Bound, onWait: (sleptMs: number) => Promise<void> = async () => undefined): Bound & { sleptMs: () => number } {
  let now = Date.UTC(2026, 0, 1);
  let slept = 0;
  const logs: LogLine[] = [];
  const provider = createSessionProvider({
    env: { STRIPE_API_KEY: bound.key, STRIPE_API_BASE: emulator.url },
    logger: { info: (message) => logs.push({ level: "info", message }), warn: (message) => logs.push({ level: "warn", message }) },
    pollPolicy: { baseMs: 50, maxMs: 200 },
    now: () => now,
    sleep: async (ms: number) => {
      await onWait(slept);
      slept += ms;
      now += ms;
    },
  }) as Required<pulumi.dynamic.ResourceProvider>;
  return { provider, key: bound.key, logs, sleptMs: () => slept };
}

type Setup = "requires_input" | "processing" | "verified" | "canceled" | "redaction processing" | "redacted" | "404";
type Policy = "cancel" | "redact" | "retain";

/** A session in the wanted status, with state as a refresh would have stored it. */
async function arrange(setup: Setup, policy: Policy): Promise<{ bound: Bound; id: string; state: Record<string, unknown> }> {
  const bound = bindProvider(emulator);
  const { id, state } = await createSession(bound, { type: "document", deletionPolicy: policy, processingTimeoutSeconds: 0 });
  const stripe = emulator.stripe(bound.key).identity.verificationSessions;
  if (setup === "processing" || setup === "verified") await emulator.control.transition(id, "processing");
  if (setup === "verified") await emulator.control.transition(id, "verified");
  if (setup === "canceled") await stripe.cancel(id);
  if (setup === "redaction processing" || setup === "redacted") {
    await emulator.control.config({ redactionDelayMs: setup === "redacted" ? 0 : 600_000 });
    await stripe.redact(id);
  }
  if (setup === "404") return { bound, id: "vs_gone0000000000000000", state };
  const refreshed = (await bound.provider.read(id, state)).props as Record<string, unknown>;
  return { bound, id, state: refreshed };
}

// docs/architecture.md, "Delete policy table" through the provider: [status, policy, calls made, status after, redacted after, log level].
type Row = [Setup, Policy, Record<string, number>, string | null, boolean, "info" | "warn" | null];
const ROWS: Row[] = [
  ["requires_input", "cancel", { [CANCEL]: 1 }, "canceled", false, null],
  ["requires_input", "redact", { [REDACT]: 1 }, "canceled", true, null],
  ["requires_input", "retain", {}, "requires_input", false, "info"],
  ["verified", "cancel", {}, "verified", false, "warn"],
  ["verified", "redact", { [REDACT]: 1 }, "verified", true, null],
  ["verified", "retain", {}, "verified", false, "info"],
  ["canceled", "cancel", {}, "canceled", false, "info"],
  ["canceled", "redact", {}, "canceled", false, "warn"],
  ["canceled", "retain", {}, "canceled", false, "info"],
  ["redaction processing", "cancel", {}, "canceled", true, "info"],
  ["redaction processing", "redact", {}, "canceled", true, "info"],
  ["redaction processing", "retain", {}, "canceled", true, "info"],
  ["redacted", "cancel", {}, "canceled", true, "info"],
  ["redacted", "redact", {}, "canceled", true, "info"],
  ["redacted", "retain", {}, "canceled", true, "info"],
  ["404", "cancel", { [CANCEL]: 1 }, null, false, "info"],
  ["404", "redact", { [REDACT]: 1 }, null, false, "info"],
  ["404", "retain", {}, null, false, "info"],
  ["processing", "retain", {}, "processing", false, "info"],
];

describe("delete: the policy table against the emulator", () => {
  afterEach(() => emulator.control.config({ redactionDelayMs: 0 }));

  it.each(ROWS)("%s x %s", async (setup, policy, calls, statusAfter, redactedAfter, logLevel) => {
    const { bound, id, state } = await arrange(setup, policy);
    expect(await callsDuring(emulator, () => bound.provider.delete(id, state))).toEqual(calls);
    const [after] = await emulator.control.sessions(bound.key);
    if (statusAfter !== null) {
      expect(after.status).toBe(statusAfter);
      expect(after.redaction !== null).toBe(redactedAfter);
    }
    if (logLevel) expect(bound.logs).toEqual([{ level: logLevel, message: expect.stringContaining(id) }]);
    // A write says what it did, naming the session and the policy.
    else expect(bound.logs).toEqual([{ level: "info", message: expect.stringMatching(new RegExp(`^VerificationSession ${id}: (canceled|redacted) \\(deletionPolicy ${policy}\\)$`)) }]);
  });

  it.each(["cancel", "redact"] as const)("processing x %s: waits, then fails at the timeout naming status and timeout; nothing changes", async (policy) => {
    const arranged = await arrange("processing", policy);
    const { id, state } = arranged;
    const bound = withClock(arranged.bound);
    const timedOut = { ...state, processingTimeoutSeconds: 1 };
    const error = await bound.provider.delete(id, timedOut).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessingTimeoutError);
    expect((error as Error).message).toMatch(new RegExp(`${id} is still processing after 1s \\(processingTimeoutSeconds\\); nothing was changed in Stripe`));
    expect(bound.sleptMs()).toBe(1000);
    const [after] = await emulator.control.sessions(bound.key);
    expect(after).toMatchObject({ status: "processing", redaction: null });
  });
});

describe("delete: processing, state changes, conflicts", () => {
  it("waits while processing and redacts once the checks finish in time", async () => {
    const arranged = await arrange("processing", "redact");
    const { id, state } = arranged;
    // Stripe finishes the checks while the provider waits for the second time.
    const bound = withClock(arranged.bound, async (sleptMs) => {
      if (sleptMs > 0) await emulator.control.transition(id, "verified");
    });
    const waiting = { ...state, processingTimeoutSeconds: 20 };
    const calls = await callsDuring(emulator, () => bound.provider.delete(id, waiting));
    expect(calls).toEqual({ [REDACT]: 1, [RETRIEVE]: 3 });
    const [after] = await emulator.control.sessions(bound.key);
    expect(after.redaction).not.toBeNull();
    expect(bound.logs).toContainEqual({ level: "info", message: expect.stringMatching(/is processing: waiting up to 20s/) });
  });

  it("waits, then follows the table for the new status (failed check -> cancel)", async () => {
    const arranged = await arrange("processing", "cancel");
    const { id, state } = arranged;
    const bound = withClock(arranged.bound, () => emulator.control.transition(id, "requires_input", { code: "document_expired" }));
    await bound.provider.delete(id, { ...state, processingTimeoutSeconds: 20 });
    expect((await emulator.control.sessions(bound.key))[0].status).toBe("canceled");
  });

  it("state says requires_input but the session moved: one failed action, one re-read, then the table", async () => {
    const { bound, id, state } = await arrange("requires_input", "cancel");
    await emulator.control.transition(id, "processing");
    await emulator.control.transition(id, "verified");
    const calls = await callsDuring(emulator, () => bound.provider.delete(id, state));
    expect(calls).toEqual({ [CANCEL]: 1, [RETRIEVE]: 1 });
    expect(bound.logs).toEqual([{ level: "warn", message: expect.stringMatching(/verified session cannot be canceled/) }]);
  });

  it("state says requires_input but it was canceled: redact is refused, re-read, left with a warning", async () => {
    const { bound, id, state } = await arrange("requires_input", "redact");
    await emulator.stripe(bound.key).identity.verificationSessions.cancel(id);
    const calls = await callsDuring(emulator, () => bound.provider.delete(id, state));
    expect(calls).toEqual({ [REDACT]: 1, [RETRIEVE]: 1 });
    expect(bound.logs).toEqual([{ level: "warn", message: expect.stringMatching(/does not allow redacting a canceled session/) }]);
  });

  it("one API call when state is current", async () => {
    for (const policy of ["cancel", "redact"] as const) {
      const { bound, id, state } = await arrange("requires_input", policy);
      const calls = await callsDuring(emulator, () => bound.provider.delete(id, state));
      expect(Object.values(calls).reduce((a, b) => a + b, 0)).toBe(1);
    }
  });
});
