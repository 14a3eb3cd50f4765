/**
 * The run's budgets (budgets.ts, pacer.ts) and its paced caller (call.ts) against Stripe's limiter
 * as the emulator models it (emulator/rate-limit.ts: a global bucket per account and one per
 * endpoint, each one second deep), in virtual time: 150-200 ms latency, the engine's default
 * worker count, every 429 retried with the real backoff. What is measured (429 share, admitted
 * rate over the binding limit) depends on the arithmetic only, never on how loaded the machine is.
 * Wall-clock figures against the emulator are in bench/endpoint-limits.ts.
 */
import Stripe from "stripe";
import { mulberry32 } from "../../../emulator/random";
import { admitRequest, type LimiterState } from "../../../emulator/rate-limit";
import { Budgets, type Endpoint } from "../../../provider/redaction/budgets";
import { DEFAULT_RETRY_BUDGET, pacedCaller } from "../../../provider/redaction/call";
import { defaultConcurrency } from "../../../provider/redaction/pacer";
import { DEFAULT_RPS } from "../../../provider/redaction/run";
import type { SweepApi } from "../../../provider/redaction/api";
import { VirtualTime } from "../../helpers/virtual-time";

interface Scenario {
  /** The account's limits, as the emulator's `rateLimit` control takes them. */
  limits: { rate: number; perEndpoint: number };
  /** What the user asked for (--rps, --endpoint-rps). */
  rps: number;
  endpointRps: number;
  /** Stripe's documented global limit for the key's mode (DEFAULT_RPS in run.ts). */
  documented: number;
  sessions: number;
  /** Round trip, ms (plus up to a third of it as jitter). */
  latencyMs?: number;
}

interface Outcome {
  requests: number;
  rateLimited: number;
  failed: number;
  seconds: number;
  /** Admitted requests per second over the global limit. */
  globalEfficiency: number;
  /** Admitted redacts per second over the per-endpoint limit. */
  redactEfficiency: number;
}

function rateLimitError(reason: string): Error {
  return new Stripe.errors.StripeRateLimitError({
    statusCode: 429, code: "rate_limit", type: "invalid_request_error", message: "Request rate limit exceeded.",
    headers: { "stripe-rate-limited-reason": reason },
  } as Stripe.StripeRawError);
}

/** A redact sweep as the engine runs one: a list page per 100 sessions, then a re-read and a write each. */
async function simulate(scenario: Scenario): Promise<Outcome> {
  const time = new VirtualTime();
  const random = mulberry32(7);
  const limiter: LimiterState = { bucket: null, endpointBuckets: new Map(), inFlight: 0 };
  let requests = 0;
  let rateLimited = 0;
  let admittedRedacts = 0;
  // As runBulkRedaction sets them up: Stripe's documented global limit for the mode is where a run starts.
  const budgets = new Budgets({ globalRps: scenario.rps, documentedGlobalRps: scenario.documented, endpointRps: scenario.endpointRps }, time);
  const api = { counters: () => ({ requests, rateLimited }) } as unknown as SweepApi;
  const call = pacedCaller({ api, budgets, retry: { ...DEFAULT_RETRY_BUDGET, sleep: time.sleep, random } });
  const send = (endpoint: Endpoint) =>
    call(endpoint, async () => {
      requests++;
      const refused = admitRequest(limiter, { rate: scenario.limits.rate, perEndpoint: scenario.limits.perEndpoint }, endpoint, time.now());
      const latency = scenario.latencyMs ?? 150;
      await time.sleep(latency + (latency / 3) * random());
      if (refused) {
        rateLimited++;
        throw rateLimitError(refused);
      }
      if (endpoint === "redact") admittedRedacts++;
    });

  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < scenario.sessions) {
      const index = next++;
      try {
        if (index % 100 === 0) await send("list");
        await send("retrieve");
        await send("redact");
      } catch {
        failed++;
      }
    }
  };
  const workers = defaultConcurrency(scenario.rps);
  await time.run(Promise.all(Array.from({ length: workers }, worker)));
  const seconds = time.now() / 1000;
  return {
    requests,
    rateLimited,
    failed,
    seconds,
    globalEfficiency: (requests - rateLimited) / seconds / scenario.limits.rate,
    redactEfficiency: admittedRedacts / seconds / scenario.limits.perEndpoint,
  };
}

const TEST = { limits: { rate: 25, perEndpoint: 25 }, documented: DEFAULT_RPS.test };
const LIVE = { limits: { rate: 100, perEndpoint: 25 }, documented: DEFAULT_RPS.live };
const OVERRUN = { rps: 1000, endpointRps: 1000 };

describe("adaptation to Stripe's limits (virtual time)", () => {
  // [what, scenario, largest 429 share, the binding limit's efficiency at least]
  it.each<[string, Scenario, number, keyof Outcome, number]>([
    ["asked for 1000/s against test limits (25/s, 25 per endpoint)", { ...TEST, ...OVERRUN, sessions: 600 }, 0.1, "globalEfficiency", 0.8],
    ["asked for 1000/s against live limits (100/s, 25 per endpoint)", { ...LIVE, ...OVERRUN, sessions: 600 }, 0.1, "redactEfficiency", 0.8],
    ["a short run asked for 1000/s against test limits (no burst at the start)", { ...TEST, ...OVERRUN, sessions: 60 }, 0.1, "globalEfficiency", 0],
    // 64 workers at 150-200 ms latency carry at most ~365 requests/s: leaving the envelope is what is measured.
    ["an account with raised limits (400/s, 200 per endpoint) asked for 1000/s", { limits: { rate: 400, perEndpoint: 200 }, documented: DEFAULT_RPS.live, ...OVERRUN, sessions: 4000 }, 0.1, "redactEfficiency", 0.6],
    ["asked right (the defaults for test limits)", { ...TEST, rps: 25, endpointRps: 25, sessions: 600 }, 0.01, "globalEfficiency", 0.95],
    ["asked right (the defaults for live limits)", { ...LIVE, rps: 100, endpointRps: 25, sessions: 600 }, 0.01, "redactEfficiency", 0.95],
  ])("%s: no failures, 429s and efficiency within bounds", async (_what, scenario, maxShare, binding, minEfficiency) => {
    const outcome = await simulate(scenario);
    expect(outcome.failed).toBe(0);
    expect(outcome.rateLimited / outcome.requests).toBeLessThan(maxShare);
    expect(outcome[binding]).toBeGreaterThanOrEqual(minEfficiency);
  });

  it("without limits (the emulator in tests), starting inside Stripe's documented limits costs nothing", async () => {
    const unlimited = { limits: { rate: 1e6, perEndpoint: 1e6 }, rps: 2000, endpointRps: 2000, sessions: 2400, latencyMs: 2 };
    const enveloped = await simulate({ ...unlimited, documented: DEFAULT_RPS.test });
    const free = await simulate({ ...unlimited, documented: 2000 });
    expect(enveloped.seconds / free.seconds).toBeLessThan(1.1);
  });
});
