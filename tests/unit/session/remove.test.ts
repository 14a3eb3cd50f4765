import Stripe from "stripe";
import { ProcessingTimeoutError } from "../../../provider/errors";
import type { ApiSession, SessionApi } from "../../../provider/session/api";
import { deleteSession, type DeleteContext } from "../../../provider/session/remove";

const session = (status: string, redaction: string | null = null) => ({ id: "vs_1", status, redaction: redaction ? { status: redaction } : null }) as unknown as ApiSession;
const conflict = () => new Stripe.errors.StripeInvalidRequestError({ message: "You can only cancel ... `verified`.", statusCode: 400, type: "invalid_request_error" } as never);
const missing = () => new Stripe.errors.StripeInvalidRequestError({ message: "No such verificationsession", statusCode: 404, code: "resource_missing", type: "invalid_request_error" } as never);

function context(api: Partial<SessionApi>) {
  let clock = 0;
  const calls: string[] = [];
  const logs: string[] = [];
  const sleeps: number[] = [];
  const wrap = <K extends keyof SessionApi>(name: K) =>
    ((...args: unknown[]) => {
      calls.push(name);
      const fn = api[name] as ((...a: unknown[]) => Promise<ApiSession>) | undefined;
      if (!fn) throw new Error(`unexpected ${name}`);
      return fn(...args);
    }) as SessionApi[K];
  const ctx: DeleteContext = {
    api: { create: wrap("create"), retrieve: wrap("retrieve"), update: wrap("update"), cancel: wrap("cancel"), redact: wrap("redact") },
    apiKey: "sk_test_unitkey123456",
    keyMode: "test",
    log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
    pollPolicy: { baseMs: 1000, maxMs: 10_000 },
  };
  return { ctx, calls, logs, sleeps, elapsed: () => clock };
}

describe("deleteSession (injected API, sleep and clock)", () => {
  it("times out on a session that stays processing: bounded sleeps, no action, a clear error", async () => {
    const t = context({ retrieve: async () => session("processing") });
    const error = await deleteSession(t.ctx, "vs_1", { status: "processing", livemode: false, deletionPolicy: "cancel", processingTimeoutSeconds: 120 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessingTimeoutError);
    expect((error as Error).message).toMatch(/vs_1 is still processing after 120s/);
    expect(t.elapsed()).toBe(120_000);
    expect(Math.max(...t.sleeps)).toBeLessThanOrEqual(10_000);
    expect(t.calls.every((c) => c === "retrieve")).toBe(true);
  });

  it("re-reads only once: a second conflict is an error, not a loop", async () => {
    const t = context({ cancel: async () => Promise.reject(conflict()), retrieve: async () => session("requires_input") });
    const error = (await deleteSession(t.ctx, "vs_1", { status: "requires_input", livemode: false }).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe("SessionApiError");
    expect(t.calls).toEqual(["cancel", "retrieve", "cancel"]);
  });

  it("a 404 on the action counts as gone", async () => {
    const t = context({ redact: async () => Promise.reject(missing()) });
    await deleteSession(t.ctx, "vs_1", { status: "verified", livemode: false, deletionPolicy: "redact" });
    expect(t.calls).toEqual(["redact"]);
    expect(t.logs).toEqual([expect.stringMatching(/^info VerificationSession vs_1: .*404/)]);
  });

  it("reads first when the state has no status; retain never calls the API", async () => {
    const t = context({ retrieve: async () => session("requires_input"), cancel: async () => session("canceled") });
    await deleteSession(t.ctx, "vs_1", {});
    expect(t.calls).toEqual(["retrieve", "cancel"]);
    const r = context({});
    await deleteSession(r.ctx, "vs_1", { deletionPolicy: "retain" });
    expect(r.calls).toEqual([]);
    expect(r.logs).toEqual([expect.stringMatching(/retain/)]);
  });

  it("never puts the key in an error", async () => {
    const t = context({ cancel: async () => Promise.reject(new Error("boom sk_test_unitkey123456")) });
    const error = (await deleteSession(t.ctx, "vs_1", { status: "requires_input" }).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain("sk_test_unitkey123456");
    expect(error.message).toContain("3456");
  });
});
