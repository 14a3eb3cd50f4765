import Stripe from "stripe";
import { startTestAccount, TestEmulator } from "../helpers/emulator";

/**
 * Every status transition, and every rejected one, as a table: (starting state x operation) ->
 * resulting status, or a 400 naming the current status that changes nothing.
 */
let emu: TestEmulator;
let stripe: Stripe;

beforeAll(async () => ({ emu, stripe } = await startTestAccount()));
afterAll(() => emu.close());

type Start = "requires_input" | "failed" | "processing" | "verified" | "canceled" | "redacted_open" | "redacted_verified";
type Op = "update" | "cancel" | "redact" | "to_processing" | "to_verified" | "to_requires_input";

async function sessionIn(start: Start): Promise<string> {
  const { id } = await stripe.identity.verificationSessions.create({ type: "document", metadata: { k: "v" } });
  const steps: Record<Start, (() => Promise<unknown>)[]> = {
    requires_input: [],
    failed: [() => emu.control.transition(id, "processing"), () => emu.control.transition(id, "requires_input", { code: "document_expired" })],
    processing: [() => emu.control.transition(id, "processing")],
    verified: [() => emu.control.transition(id, "processing"), () => emu.control.transition(id, "verified")],
    canceled: [() => stripe.identity.verificationSessions.cancel(id)],
    redacted_open: [() => stripe.identity.verificationSessions.redact(id)],
    redacted_verified: [
      () => emu.control.transition(id, "processing"),
      () => emu.control.transition(id, "verified"),
      () => stripe.identity.verificationSessions.redact(id),
    ],
  };
  for (const step of steps[start]) await step();
  return id;
}

function perform(op: Op, id: string): Promise<unknown> {
  const vs = stripe.identity.verificationSessions;
  switch (op) {
    case "update":
      return vs.update(id, { metadata: { k2: "v2" } });
    case "cancel":
      return vs.cancel(id);
    case "redact":
      return vs.redact(id);
    case "to_processing":
      return emu.control.transition(id, "processing");
    case "to_verified":
      return emu.control.transition(id, "verified");
    case "to_requires_input":
      return emu.control.transition(id, "requires_input", { code: "document_unverified_other", reason: "blurry" });
  }
}

const X = "rejected";
// Resulting status of each (start, op); "rejected" = 400, nothing changes.
const table: Record<Start, Record<Op, string>> = {
  requires_input: { update: "requires_input", cancel: "canceled", redact: "canceled", to_processing: "processing", to_verified: X, to_requires_input: X },
  failed: { update: "requires_input", cancel: "canceled", redact: "canceled", to_processing: "processing", to_verified: X, to_requires_input: X },
  processing: { update: X, cancel: X, redact: X, to_processing: X, to_verified: "verified", to_requires_input: "requires_input" },
  verified: { update: X, cancel: X, redact: "verified", to_processing: X, to_verified: X, to_requires_input: X },
  canceled: { update: X, cancel: X, redact: X, to_processing: X, to_verified: X, to_requires_input: X },
  redacted_open: { update: X, cancel: X, redact: "canceled", to_processing: X, to_verified: X, to_requires_input: X },
  redacted_verified: { update: X, cancel: X, redact: "verified", to_processing: X, to_verified: X, to_requires_input: X },
};

const cases = Object.entries(table).flatMap(([start, ops]) =>
  Object.entries(ops).map(([op, expected]) => ({ start: start as Start, op: op as Op, expected })),
);

test.each(cases)("$start + $op -> $expected", async ({ start, op, expected }) => {
  const id = await sessionIn(start);
  const before = await stripe.identity.verificationSessions.retrieve(id);
  const outcome = await perform(op, id).then(
    () => undefined,
    (error: unknown) => error,
  );
  const after = await stripe.identity.verificationSessions.retrieve(id);
  if (expected === X) {
    expect(outcome).toBeDefined();
    const e = outcome as { statusCode?: number; status?: number; type?: string; param?: string; message: string };
    expect(e.statusCode ?? e.status).toBe(400);
    if (e.type !== undefined) expect(e.type).toBe("StripeInvalidRequestError");
    expect(e.param).toBeUndefined();
    const named = before.redaction ? "redacted" : before.status;
    expect(e.message).toContain(named);
    expect(after).toEqual(before);
  } else {
    expect(outcome).toBeUndefined();
    expect(after.status).toBe(expected);
  }
});

test("client_secret and url exist only in requires_input, stay stable across reads, and are new after a failure", async () => {
  const created = await stripe.identity.verificationSessions.create({ type: "document" });
  expect(created.client_secret).toMatch(new RegExp(`^${created.id}_secret_[A-Za-z0-9]+$`));
  expect(created.url).toMatch(/^https:\/\/verify\.stripe\.com\/start\/test_[A-Za-z0-9]+$/);
  const again = await stripe.identity.verificationSessions.retrieve(created.id);
  expect([again.client_secret, again.url]).toEqual([created.client_secret, created.url]);
  await emu.control.transition(created.id, "processing");
  const processing = await stripe.identity.verificationSessions.retrieve(created.id);
  expect([processing.client_secret, processing.url]).toEqual([null, null]);
  await emu.control.transition(created.id, "requires_input", { code: "selfie_manipulated", reason: "edited" });
  const failed = await stripe.identity.verificationSessions.retrieve(created.id);
  expect(failed.status).toBe("requires_input");
  expect(failed.last_error).toEqual({ code: "selfie_manipulated", reason: "edited" });
  expect(failed.client_secret).not.toBeNull();
  expect(failed.client_secret).not.toBe(created.client_secret);
  expect(failed.url).not.toBe(created.url);
  expect(failed.last_verification_report).toMatch(/^vr_/);
  await emu.control.transition(created.id, "processing");
  await emu.control.transition(created.id, "verified");
  const verified = await stripe.identity.verificationSessions.retrieve(created.id, { expand: ["verified_outputs"] });
  expect(verified.last_error).toBeNull();
  expect([verified.client_secret, verified.url]).toEqual([null, null]);
  expect(verified.verified_outputs?.first_name).toEqual(expect.any(String));
  expect(verified.last_verification_report).not.toBe(failed.last_verification_report);
});

test("transition of an unknown session is a 404; a bad body a 400", async () => {
  await expect(emu.control.transition("vs_nope", "processing")).rejects.toMatchObject({ status: 404 });
  const { id } = await stripe.identity.verificationSessions.create({ type: "document" });
  const res = await fetch(`${emu.url}/_emulator/verification_sessions/${id}/transition`, {
    method: "POST",
    body: JSON.stringify({ to: "exploded" }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { param: string } }).error.param).toBe("to");
});
