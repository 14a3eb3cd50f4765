/**
 * The Redaction Jobs strategy against the real emulator through the real SDK (jobs through
 * `stripe.rawRequest`). Stripe's side is driven deterministically: the emulator's job speed is
 * set to a crawl and the strategy's injected sleep (called between two polls) is where Stripe
 * finishes a phase, or where someone else acts, or where the user presses Ctrl-C. The clock is
 * injected too, so a timeout is a count of polls, not of seconds.
 */
import { randomUUID } from "node:crypto";
import { stripeSweepApi } from "../../../provider/redaction/api";
import { Budgets } from "../../../provider/redaction/budgets";
import { compileFilter, parseFilter } from "../../../provider/redaction/filter";
import Stripe from "stripe";
import { stripeRedactionJobsApi, REDACTION_JOBS_API_VERSION, type RedactionJobsApi } from "../../../provider/redaction/jobs/client";
import { sweepByJobs, type JobEvent, type JobSettings, type JobsSweepReport } from "../../../provider/redaction/jobs/strategy";
import type { SessionOutcome } from "../../../provider/redaction/report";
import { createStripeClient } from "../../../provider/stripe/client";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ redactionJobs: { sessionsPerSecond: 0.001, maxObjects: 10_000 } });
});
afterAll(() => emu.close());
afterEach(() => emu.control.config({ redactionJobs: { sessionsPerSecond: 0.001, maxObjects: 10_000 } }));

interface Run {
  report: JobsSweepReport;
  outcomes: SessionOutcome[];
  events: JobEvent[];
}

interface Scenario {
  key: string;
  stripeAccount?: string;
  filter?: Record<string, unknown>;
  settings?: Partial<JobSettings>;
  signal?: AbortSignal;
  /** BulkRedaction: wait for sessions Stripe is still checking. */
  waitForProcessing?: { timeoutMs: number; pollIntervalMs: number };
  /** An approved plan's sessions instead of a listing. */
  planned?: Array<{ id: string; status: string; created: number }>;
  /** Wraps the real jobs API (to lose answers). */
  wrapJobs?: (real: RedactionJobsApi) => RedactionJobsApi;
  /** Between two polls: what Stripe (or someone else) does. Default: Stripe finishes every phase under way. */
  betweenPolls?: (jobs: string[], polls: number) => Promise<void>;
}

/** Stripe finishes whatever phase the jobs are in. */
async function finishAll(jobs: readonly string[]): Promise<void> {
  for (const id of jobs) await emu.control.finishRedactionJob(id).catch(() => undefined);
}

async function sweep(scenario: Scenario): Promise<Run> {
  const stripe = createStripeClient({ apiKey: scenario.key, apiBase: emu.url, maxNetworkRetries: 0, ...(scenario.stripeAccount ? { stripeAccount: scenario.stripeAccount } : {}) });
  const api = stripeSweepApi(stripe);
  let clock = 0;
  let polls = 0;
  const jobs: string[] = [];
  const outcomes: SessionOutcome[] = [];
  const events: JobEvent[] = [];
  const filter = compileFilter(parseFilter(scenario.filter ?? { metadata: { batch: "b1" } }), Date.now());
  try {
    const report = await sweepByJobs({
      api,
      jobs: (scenario.wrapJobs ?? ((real) => real))(stripeRedactionJobsApi(stripe)),
      retry: { transientAttempts: 1, rateLimitedAttempts: 1 },
      budgets: new Budgets({ globalRps: 10_000, endpointRps: Infinity }),
      filter,
      runId: randomUUID(),
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
        polls++;
        await (scenario.betweenPolls ?? finishAll)(jobs, polls);
      },
      signal: scenario.signal,
      ...(scenario.planned ? { planned: scenario.planned } : {}),
      ...(scenario.waitForProcessing ? { waitForProcessing: scenario.waitForProcessing } : {}),
      onSession: (outcome) => outcomes.push(outcome),
      onJob: (event) => {
        events.push(event);
        if (!jobs.includes(event.jobId)) jobs.push(event.jobId);
      },
      settings: { pollFirstMs: 1000, pollMaxMs: 1000, validationTimeoutMs: 60_000, redactionTimeoutMs: 60_000, ...scenario.settings },
    });
    return { report, outcomes, events };
  } finally {
    api.close();
  }
}

async function seed(key: string, count: number, status: "verified" | "requires_input" = "verified", batch = "b1", stripeAccount?: string): Promise<string[]> {
  return (await emu.control.seed({ apiKey: key, count, status, metadata: { batch }, ...(stripeAccount ? { stripeAccount } : {}) })).ids;
}

async function redactionById(key: string, stripeAccount?: string): Promise<Map<string, string | null>> {
  return new Map((await emu.control.sessions(key, stripeAccount)).map((s) => [s.id, (s.redaction as { status: string } | null)?.status ?? null]));
}

const idsOf = (outcomes: SessionOutcome[], result: SessionOutcome["result"]): string[] => outcomes.filter((o) => o.result === result).map((o) => o.id).sort();

test("redacts every matching session in jobs of the chunk size, each session once, with its job and request id; nothing outside the filter", async () => {
  const key = emu.newKey();
  const ids = await seed(key, 25);
  const outside = await seed(key, 5, "verified", "other");
  const { report, outcomes, events } = await sweep({ key, settings: { chunkSize: 10 } });
  expect(report).toMatchObject({ complete: true, matched: 25, redacted: 25, failed: 0, skipped: 0 });
  expect(report.jobs).toMatchObject({ created: 3, run: 3, succeeded: 3, stillRunning: [] });
  expect(idsOf(outcomes, "redacted")).toEqual([...ids].sort());
  for (const outcome of outcomes) expect(outcome).toMatchObject({ jobId: expect.stringMatching(/^prj_/), requestId: expect.stringMatching(/^req_/), statusBefore: "verified" });
  expect(events.filter((e) => e.status === "succeeded")).toHaveLength(3);
  const after = await redactionById(key);
  for (const id of ids) expect(after.get(id)).toBe("redacted");
  for (const id of outside) expect(after.get(id)).toBeNull();
});

test("too_many_objects: the job is canceled and its chunk halved until Stripe takes it", async () => {
  await emu.control.config({ redactionJobs: { maxObjects: 3 } });
  const key = emu.newKey();
  const ids = await seed(key, 10);
  const { report, events } = await sweep({ key, settings: { chunkSize: 10 } });
  expect(report).toMatchObject({ complete: true, redacted: 10, failed: 0 });
  expect(events.filter((e) => e.note === "too many objects: split in two").length).toBeGreaterThan(0);
  expect(events.filter((e) => e.status === "redacting").every((e) => e.sessions <= 3)).toBe(true);
  const after = await redactionById(key);
  for (const id of ids) expect(after.get(id)).toBe("redacted");
});

test("a session that leaves the filter while its job validates is never run: the job is canceled and made again without it", async () => {
  const key = emu.newKey();
  const ids = await seed(key, 6, "requires_input");
  const stripe = emu.stripe(key);
  let moved = false;
  const { report, outcomes, events } = await sweep({
    key,
    betweenPolls: async (jobs) => {
      if (!moved) {
        moved = true;
        await stripe.identity.verificationSessions.update(ids[2], { metadata: { batch: "kept-by-its-owner" } });
      }
      await finishAll(jobs);
    },
  });
  expect(report).toMatchObject({ matched: 6, redacted: 5, skipped: 1, skippedByReason: { no_longer_matches: 1 } });
  expect(outcomes.find((o) => o.id === ids[2])).toMatchObject({ result: "skipped", reason: "no_longer_matches" });
  expect(events.some((e) => e.status === "canceled" && /left the filter/.test(e.note ?? ""))).toBe(true);
  const kept = await stripe.identity.verificationSessions.retrieve(ids[2]);
  expect([kept.redaction, kept.metadata, kept.status]).toEqual([null, { batch: "kept-by-its-owner" }, "requires_input"]);
});

test("validation failure: the job is canceled, its sessions fail naming the job and Stripe's code, none is redacted", async () => {
  const key = emu.newKey();
  const ids = await seed(key, 4);
  const { report, outcomes } = await sweep({
    key,
    betweenPolls: async (jobs) => {
      for (const id of jobs) await emu.control.failRedactionJob(id, "invalid_cascading_source").catch(() => undefined);
    },
  });
  expect(report).toMatchObject({ matched: 4, failed: 4, redacted: 0 });
  expect(report.jobs).toMatchObject({ created: 1, failed: 1, canceled: 1, run: 0 });
  expect(outcomes[0]).toMatchObject({ result: "failed", message: expect.stringMatching(/prj_\w+ failed validation \(invalid_cascading_source/) });
  const after = await redactionById(key);
  for (const id of ids) expect(after.get(id)).toBeNull();
});

test("a job canceled by someone else before it ran: its sessions fail, nothing is redacted, the job is not made again", async () => {
  const key = emu.newKey();
  const ids = await seed(key, 3);
  const other = stripeRedactionJobsApi(emu.stripe(key));
  const { report, outcomes } = await sweep({
    key,
    betweenPolls: async (jobs) => {
      for (const id of jobs) {
        await emu.control.finishRedactionJob(id).catch(() => undefined);
        await other.cancel(id, `someone-else-${id}`).catch(() => undefined);
      }
    },
  });
  expect(report).toMatchObject({ matched: 3, failed: 3, redacted: 0 });
  expect(report.jobs).toMatchObject({ created: 1, run: 0 });
  expect(outcomes.every((o) => o.result === "failed" && /canceled by someone else/.test(o.message))).toBe(true);
  for (const id of ids) expect((await redactionById(key)).get(id)).toBeNull();
});

test("locked_by_other_job: sessions another sweep's jobs hold are skipped and left to them; a second sweep after them redacts them", async () => {
  const key = emu.newKey();
  const ids = await seed(key, 6);
  const others = stripeRedactionJobsApi(emu.stripe(key));
  // One job of another sweep still validates (the sessions look free in a listing: validation
  // drops them); another is ready (the listing shows them `validated`).
  const validating = await others.create(ids.slice(0, 2), "other-sweep-1");
  const ready = await others.create(ids.slice(2, 3), "other-sweep-2");
  await emu.control.finishRedactionJob(ready.id);
  const first = await sweep({ key });
  expect(first.report).toMatchObject({ matched: 6, redacted: 3, skipped: 3, skippedByReason: { locked_by_other_job: 3 } });
  expect(idsOf(first.outcomes, "skipped")).toEqual(ids.slice(0, 3).sort());
  expect(first.events.find((e) => e.status === "ready")?.dropped).toEqual({ locked_by_other_job: 2 });
  await emu.control.finishRedactionJob(validating.id);
  for (const job of [validating, ready]) await others.cancel(job.id, `other-cancel-${job.id}`);
  // (Redaction erased the first three's metadata: they are outside the filter now.)
  const second = await sweep({ key });
  expect(second.report).toMatchObject({ matched: 3, redacted: 3, skipped: 0 });
  for (const id of ids) expect((await redactionById(key)).get(id)).toBe("redacted");
});

test("a job that never finishes: the run stops following it at the timeout and says it still runs and how to follow it", async () => {
  const key = emu.newKey();
  await seed(key, 3);
  const { report, outcomes } = await sweep({
    key,
    settings: { redactionTimeoutMs: 5_000 },
    // Stripe validates, but the redaction never ends.
    betweenPolls: async (jobs) => {
      for (const id of jobs) if ((await stripeRedactionJobsApi(emu.stripe(key)).retrieve(id)).status === "validating") await emu.control.finishRedactionJob(id);
    },
  });
  expect(report.complete).toBe(false);
  expect(report.jobs.stillRunning).toEqual([expect.stringMatching(/^prj_/)]);
  expect(report.stoppedBecause).toMatch(new RegExp(`${report.jobs.stillRunning[0]}.*GET /v1/privacy/redaction_jobs/<id>.*verify`));
  expect(outcomes.every((o) => o.result === "redacted" && o.redactionAfter === "processing")).toBe(true);
});

test("Ctrl-C before run cancels the open job and redacts nothing; after run it names the jobs still running", async () => {
  const key = emu.newKey();
  const ids = await seed(key, 3);
  const before = new AbortController();
  // Ctrl-C while the job validates; Stripe then finishes validating and the run cancels the job.
  const early = await sweep({
    key,
    signal: before.signal,
    betweenPolls: async (jobs) => {
      if (before.signal.aborted) await finishAll(jobs);
      else before.abort();
    },
  });
  expect(early.report).toMatchObject({ complete: false, stoppedBecause: "aborted", matched: 0, redacted: 0 });
  expect(early.report.jobs).toMatchObject({ created: 1, canceled: 1, run: 0 });
  const jobId = early.events[0].jobId;
  expect((await stripeRedactionJobsApi(emu.stripe(key)).retrieve(jobId)).status).toBe("canceled");
  for (const id of ids) expect((await redactionById(key)).get(id)).toBeNull();

  const after = new AbortController();
  const late = await sweep({
    key,
    signal: after.signal,
    betweenPolls: async (jobs) => {
      const status = (await stripeRedactionJobsApi(emu.stripe(key)).retrieve(jobs[0])).status;
      if (status === "validating") await emu.control.finishRedactionJob(jobs[0]);
      else after.abort();
    },
  });
  expect(late.report).toMatchObject({ complete: false, redacted: 3 });
  expect(late.report.jobs.stillRunning).toHaveLength(1);
  expect(late.report.stoppedBecause).toMatch(/^aborted; redaction job\(s\) still running/);
});

test("Connect: a sweep on a connected account redacts there, and only there", async () => {
  const key = emu.newKey();
  await emu.control.connectAccount(key, "acct_JobsSweep1");
  const connected = await seed(key, 3, "verified", "b1", "acct_JobsSweep1");
  const platform = await seed(key, 3);
  const { report } = await sweep({ key, stripeAccount: "acct_JobsSweep1" });
  expect(report).toMatchObject({ redacted: 3, failed: 0 });
  const there = await redactionById(key, "acct_JobsSweep1");
  for (const id of connected) expect(there.get(id)).toBe("redacted");
  const here = await redactionById(key);
  for (const id of platform) expect(here.get(id)).toBeNull();
  expect(REDACTION_JOBS_API_VERSION).toMatch(/\.preview$/);
});

test("a run whose answer is lost and whose job cannot be read: the sessions' outcome is unknown, never failed", async () => {
  const key = emu.newKey();
  await seed(key, 2);
  const lost = (): Promise<never> => Promise.reject(new Stripe.errors.StripeConnectionError({ message: "socket hang up" }));
  let ran = false;
  const { report, outcomes } = await sweep({
    key,
    wrapJobs: (real) => ({
      ...real,
      run: async (id, idempotencyKey) => {
        await real.run(id, idempotencyKey);
        ran = true;
        return lost();
      },
      retrieve: (id) => (ran ? lost() : real.retrieve(id)),
    }),
  });
  expect(report).toMatchObject({ matched: 2, unknown: 2, failed: 0, redacted: 0, complete: false });
  expect(outcomes[0]).toMatchObject({ result: "unknown", message: expect.stringContaining("GET /v1/privacy/redaction_jobs/prj_") });
});

test("a failure after the job was made cancels it, so it does not hold its sessions from the next sweep", async () => {
  const key = emu.newKey();
  // A plan made when these were verified; they are canceled now, so validation drops all 12, and
  // with more than 10 errors the run pages through them: that page fails.
  const ids = (await emu.control.seed({ apiKey: key, count: 12, status: "canceled", metadata: { batch: "b1" } })).ids;
  const created = new Map((await emu.control.sessions(key)).map((session) => [session.id, session.created as number]));
  const { report, events } = await sweep({
    key,
    planned: ids.map((id) => ({ id, status: "verified", created: created.get(id)! })),
    wrapJobs: (real) => ({ ...real, validationErrors: () => Promise.reject(new Stripe.errors.StripeAPIError({ statusCode: 500, message: "boom" })) }),
  });
  expect(report.complete).toBe(false);
  expect(report.stoppedBecause).toMatch(/the redaction jobs run failed: 500/);
  const last = events[events.length - 1];
  expect(last).toMatchObject({ status: "canceled", note: expect.stringContaining("the run failed") });
  expect((await stripeRedactionJobsApi(emu.stripe(key)).retrieve(last.jobId)).status).toBe("canceled");
});

test("BulkRedaction waits for sessions Stripe is still checking: redacted by a later job once checked; still processing at the timeout, reported as such", async () => {
  const key = emu.newKey();
  const verified = await seed(key, 2);
  const [checked, stuck] = await seed(key, 2, "requires_input");
  for (const id of [checked, stuck]) await emu.control.transition(id, "processing");
  let polls = 0;
  const { report, outcomes } = await sweep({
    key,
    waitForProcessing: { timeoutMs: 5_000, pollIntervalMs: 1_000 },
    betweenPolls: async (jobs) => {
      if (++polls === 2) await emu.control.transition(checked, "verified");
      await finishAll(jobs);
    },
  });
  expect(report).toMatchObject({ matched: 4, redacted: 3, skipped: 1, skippedByReason: { processing: 1 } });
  expect(idsOf(outcomes, "redacted")).toEqual([...verified, checked].sort());
  expect(outcomes.find((o) => o.id === stuck)).toMatchObject({ result: "skipped", reason: "processing" });
  const after = await redactionById(key);
  expect([after.get(checked), after.get(stuck)]).toEqual(["redacted", null]);
});
