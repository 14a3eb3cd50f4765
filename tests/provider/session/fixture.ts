/** Shared setup for the provider integration tests: a provider bound to one emulator account. */
import type * as pulumi from "@pulumi/pulumi";
import { createSessionProvider } from "../../../provider/session/provider";
import type { TestEmulator } from "../../helpers/emulator";

export interface LogLine {
  level: "info" | "warn";
  message: string;
}

export interface Bound {
  provider: Required<pulumi.dynamic.ResourceProvider>;
  key: string;
  logs: LogLine[];
}

export function bindProvider(emulator: TestEmulator, mode: "test" | "live" = "test", key = emulator.newKey(mode)): Bound {
  const logs: LogLine[] = [];
  const provider = createSessionProvider({
    env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emulator.url },
    logger: { info: (message) => logs.push({ level: "info", message }), warn: (message) => logs.push({ level: "warn", message }) },
    pollPolicy: { baseMs: 50, maxMs: 200 },
  }) as Required<pulumi.dynamic.ResourceProvider>;
  return { provider, key, logs };
}

/** Requests the emulator received while `action` ran, by route template (zero entries dropped). */
export async function callsDuring(emulator: TestEmulator, action: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = (await emulator.control.stats()).requests;
  await action();
  const after = (await emulator.control.stats()).requests;
  const delta: Record<string, number> = {};
  for (const [route, n] of Object.entries(after)) {
    const d = n - (before[route] ?? 0);
    if (d > 0) delta[route] = d;
  }
  return delta;
}

export const CREATE = "POST /v1/identity/verification_sessions";
export const RETRIEVE = "GET /v1/identity/verification_sessions/:id";
export const UPDATE = "POST /v1/identity/verification_sessions/:id";
export const CANCEL = "POST /v1/identity/verification_sessions/:id/cancel";
export const REDACT = "POST /v1/identity/verification_sessions/:id/redact";

/** What Pulumi would store: check()ed inputs, then create outputs. */
export async function createSession(bound: Bound, args: Record<string, unknown>): Promise<{ id: string; state: Record<string, unknown> }> {
  const checked = await bound.provider.check({}, args);
  if (checked.failures && checked.failures.length > 0) throw new Error(JSON.stringify(checked.failures));
  const created = await bound.provider.create(checked.inputs);
  return { id: created.id, state: created.outs as Record<string, unknown> };
}
