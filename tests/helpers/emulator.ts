import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import { EmulatorOptions, startEmulator } from "../../emulator";
import { EmulatorControl } from "../../emulator/control-client";
import { createStripeClient } from "../../provider/stripe/client";

/**
 * Starts an emulator on a free port for one test file. `newKey()` makes a fresh fake key, i.e. a
 * new isolated account, so tests need no reset between cases.
 */
export interface TestEmulator {
  url: string;
  control: EmulatorControl;
  /** A real `stripe` client pointed at the emulator; maxNetworkRetries 0 unless raised. */
  stripe(apiKey?: string, options?: { maxNetworkRetries?: number; timeoutMs?: number }): Stripe;
  newKey(mode?: "test" | "live"): string;
  close(): Promise<void>;
}

export async function startTestEmulator(options?: EmulatorOptions): Promise<TestEmulator> {
  const running = await startEmulator({ port: 0, ...options });
  const newKey = (mode: "test" | "live" = "test"): string => `sk_${mode}_emulator${randomBytes(12).toString("hex")}`;
  const defaultKey = newKey();
  return {
    url: running.url,
    control: new EmulatorControl(running.url),
    stripe: (apiKey = defaultKey, opts = {}) =>
      createStripeClient({
        apiKey,
        apiBase: running.url,
        maxNetworkRetries: opts.maxNetworkRetries ?? 0,
        timeoutMs: opts.timeoutMs ?? 10_000,
      }),
    newKey,
    close: () => running.close(),
  };
}

/** An emulator with one fresh account and a client for it: the usual setup of an emulator test file. */
export async function startTestAccount(options?: EmulatorOptions): Promise<{ emu: TestEmulator; key: string; stripe: Stripe }> {
  const emu = await startTestEmulator(options);
  const key = emu.newKey();
  return { emu, key, stripe: emu.stripe(key) };
}
