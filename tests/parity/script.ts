import Stripe from "stripe";
import { IdNames, normalizeObject, Observation, observeError } from "./normalize";

/**
 * The parity script: one fixed sequence of Identity API calls through the real `stripe` SDK,
 * run on the emulator and on Stripe test mode (tests/parity/run.ts), each step recording a
 * normalized observation. Steps that need a session in `processing`/`verified` use the
 * emulator's control API; a target without it (Stripe) records them as skipped. Shared steps
 * never depend on what emulator-only steps did, so the two runs stay comparable.
 */
export interface ParityTarget {
  stripe: Stripe;
  /** Unique per run: in client_reference_id, metadata and Idempotency-Keys; shown as `<run>`. */
  runId: string;
  /** The emulator's `control.transition`; undefined on Stripe test mode. */
  transition?: (id: string, to: "processing" | "verified") => Promise<void>;
  /** Waits until the next `created` second (Stripe, so list order never rests on ties); default none. */
  nextSecond?: () => Promise<void>;
}

type Session = Stripe.Identity.VerificationSession;
/** What every SDK call resolves to: the object plus the HTTP status and headers. */
type Answer = { lastResponse: { statusCode: number; headers: Record<string, string> } };

/** Observations of one run, plus the sessions it made (for clean-up). */
export class Recorder {
  readonly observations: Observation[] = [];
  readonly sessionIds: string[] = [];
  readonly names: IdNames;

  constructor(runId: string) {
    this.names = new IdNames(runId);
  }

  /**
   * Runs one API call and records it. Returns the result, or undefined after an API error.
   * `name` names a session the call returns, unless it has a name already (so a replay that
   * returned another session would show under its own name); `replay` records `Idempotent-Replayed`.
   */
  async step<T extends Answer>(
    step: string,
    call: () => Promise<T>,
    opts: { name?: string; replay?: boolean; emulatorOnly?: boolean } = {},
  ): Promise<T | undefined> {
    const base: Observation = opts.emulatorOnly ? { step, emulatorOnly: true } : { step };
    try {
      const result = await call();
      const id = (result as { id?: unknown }).id;
      if (opts.name && typeof id === "string") {
        this.names.name(id, opts.name);
        if (!this.sessionIds.includes(id)) this.sessionIds.push(id);
      }
      const observation: Observation = { ...base, status: result.lastResponse.statusCode };
      if (opts.replay) observation.replayed = result.lastResponse.headers["idempotent-replayed"] === "true";
      observation.object = normalizeObject(result, this.names);
      this.observations.push(observation);
      return result;
    } catch (error) {
      const observed = observeError(error);
      if (!observed) throw error;
      this.observations.push({ ...base, ...observed });
      return undefined;
    }
  }

  skip(step: string): void {
    this.observations.push({ step, emulatorOnly: true, skipped: "emulator-only" });
  }
}

function must<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`parity step "${step}" failed; later steps need its result`);
  return value;
}

export async function runParityScript(target: ParityTarget, rec: Recorder): Promise<Observation[]> {
  const vs = target.stripe.identity.verificationSessions;
  const reports = target.stripe.identity.verificationReports;
  const run = target.runId;
  const nextSecond = target.nextSecond ?? (async () => undefined);
  const create = async (name: string, params: Stripe.Identity.VerificationSessionCreateParams): Promise<Session> =>
    must(await rec.step(`create.${name}`, () => vs.create(params), { name }), `create.${name}`);

  // Create, read, update.
  const main = await create("main", {
    type: "document",
    options: { document: { allowed_types: ["driving_license", "passport"], require_matching_selfie: true } },
    metadata: { parity: "main", run },
    client_reference_id: `${run}-main`,
    return_url: "https://example.com/parity/return",
  });
  await rec.step("retrieve.main", () => vs.retrieve(main.id));
  await rec.step("update.main.metadata", () => vs.update(main.id, { metadata: { parity: "updated", extra: "x" } }));
  await rec.step("update.main.metadata-unset-key", () => vs.update(main.id, { metadata: { extra: "" } }));

  // Lists: three sessions under one client_reference_id, so the account's other sessions never show.
  const page = `${run}-page`;
  const a = await create("page-a", { type: "id_number", client_reference_id: page });
  await nextSecond();
  const b = await create("page-b", { type: "document", client_reference_id: page });
  await nextSecond();
  const c = await create("page-c", { type: "document", client_reference_id: page });
  await rec.step("list.page.limit-2", () => vs.list({ client_reference_id: page, limit: 2 }));
  await rec.step("list.page.starting-after-b", () => vs.list({ client_reference_id: page, limit: 2, starting_after: b.id }));
  await rec.step("list.page.ending-before-a", () => vs.list({ client_reference_id: page, limit: 2, ending_before: a.id }));
  await rec.step("list.page.ending-before-b", () => vs.list({ client_reference_id: page, limit: 1, ending_before: b.id }));
  await rec.step("list.page.created-range", () =>
    vs.list({ client_reference_id: page, created: { gte: a.created, lte: c.created } }));
  await rec.step("list.page.created-before-a", () => vs.list({ client_reference_id: page, created: { lt: a.created } }));
  await rec.step("cancel.page-b", () => vs.cancel(b.id));
  await rec.step("list.page.status-canceled", () => vs.list({ client_reference_id: page, status: "canceled" }));
  await rec.step("list.page.status-requires-input", () => vs.list({ client_reference_id: page, status: "requires_input" }));

  // Status rules.
  await rec.step("cancel.main", () => vs.cancel(main.id));
  await rec.step("cancel.main.again", () => vs.cancel(main.id));
  await rec.step("redact.main.canceled", () => vs.redact(main.id));
  await rec.step("update.main.canceled", () => vs.update(main.id, { metadata: { late: "yes" } }));
  const redactMe = await create("redact-me", { type: "document", client_reference_id: `${run}-redact`, metadata: { run } });
  await rec.step("redact.redact-me", () => vs.redact(redactMe.id));
  await rec.step("redact.redact-me.again", () => vs.redact(redactMe.id));
  await rec.step("retrieve.redact-me", () => vs.retrieve(redactMe.id));

  // Validation and missing objects.
  await rec.step("retrieve.unknown", () => vs.retrieve("vs_parityDoesNotExist000000"));
  await rec.step("list.limit-0", () => vs.list({ limit: 0 }));
  await rec.step("list.limit-101", () => vs.list({ limit: 101 }));
  const badType = "passport" as unknown as Stripe.Identity.VerificationSessionCreateParams.Type;
  await rec.step("create.bad-enum", () => vs.create({ type: badType, client_reference_id: `${run}-bad` }), { name: "bad-enum" });
  const unknownParam = { type: "document", client_reference_id: `${run}-bad`, parity_unknown: "x" } as Stripe.Identity.VerificationSessionCreateParams;
  await rec.step("create.unknown-param", () => vs.create(unknownParam), { name: "unknown-param" });

  // Idempotency: replay of the same request, then the same key with other parameters.
  const idempotencyKey = `parity-${run}-create`;
  const idem: Stripe.Identity.VerificationSessionCreateParams = { type: "document", client_reference_id: `${run}-idem` };
  await rec.step("create.idem", () => vs.create(idem, { idempotencyKey }), { name: "idem", replay: true });
  await rec.step("create.idem.replay", () => vs.create(idem, { idempotencyKey }), { name: "idem-replay", replay: true });
  await rec.step("create.idem.mismatch", () => vs.create({ ...idem, type: "id_number" }, { idempotencyKey }), {
    name: "idem-mismatch",
    replay: true,
  });

  // Reports: none for a session that never finished its checks.
  await rec.step("list.reports.main", () => reports.list({ verification_session: main.id }));

  await verifiedSteps(target, rec, await create("verify", { type: "document", client_reference_id: `${run}-verify` }));
  return rec.observations;
}

/** The steps that need a session moved to processing/verified: emulator only. */
async function verifiedSteps(target: ParityTarget, rec: Recorder, session: Session): Promise<void> {
  const vs = target.stripe.identity.verificationSessions;
  const steps: [string, () => Promise<Answer>][] = [];
  const add = (step: string, call: () => Promise<Answer>) => steps.push([step, call]);
  const transition = target.transition;
  let reportId = "";
  add("cancel.verify.processing", async () => {
    await must(transition, "transition")(session.id, "processing");
    return vs.cancel(session.id);
  });
  add("update.verify.processing", () => vs.update(session.id, { metadata: { late: "yes" } }));
  add("redact.verify.processing", () => vs.redact(session.id));
  add("retrieve.verify.verified", async () => {
    await must(transition, "transition")(session.id, "verified");
    const verified = await vs.retrieve(session.id, { expand: ["verified_outputs"] });
    reportId = verified.last_verification_report as string;
    rec.names.name(reportId, "verify");
    return verified;
  });
  add("list.sessions.verify.status-verified", () =>
    vs.list({ client_reference_id: `${target.runId}-verify`, status: "verified" }));
  add("list.reports.verify", () => target.stripe.identity.verificationReports.list({ verification_session: session.id }));
  add("retrieve.report.verify", () => target.stripe.identity.verificationReports.retrieve(reportId));
  add("redact.verify.verified", () => vs.redact(session.id));
  add("retrieve.report.verify.redacted", () => target.stripe.identity.verificationReports.retrieve(reportId));
  for (const [step, call] of steps) {
    if (transition) await rec.step(step, call, { emulatorOnly: true });
    else rec.skip(step);
  }
}

/**
 * Leaves nothing open: redacts every session the run made that can still be redacted
 * (`requires_input`, which redaction also cancels, or `verified` not yet redacted). Canceled
 * sessions cannot be redacted and stay as they are. Never throws; counts what it did.
 */
export async function cleanUp(stripe: Stripe, ids: readonly string[]): Promise<{ redacted: number; left: number; failed: number }> {
  const counts = { redacted: 0, left: 0, failed: 0 };
  for (const id of ids) {
    try {
      const s = await stripe.identity.verificationSessions.retrieve(id);
      if (s.redaction === null && (s.status === "requires_input" || s.status === "verified")) {
        await stripe.identity.verificationSessions.redact(id);
        counts.redacted++;
      } else {
        counts.left++;
      }
    } catch {
      counts.failed++;
    }
  }
  return counts;
}
