/**
 * `npm run parity`: runs the parity script (tests/parity/script.ts) on a fresh local emulator
 * and, when STRIPE_PARITY_API_KEY holds a secret test-mode key (`sk_test_...`), on Stripe test
 * mode too, then prints the differences step by step. Exit 0: no differences (or Stripe not
 * contacted); 1: differences; 2: refused key or a run that could not finish. The key is never
 * printed; the sessions made on Stripe are redacted (or left canceled) afterwards.
 */
import { randomBytes } from "node:crypto";
import { startTestEmulator } from "../helpers/emulator";
import { createStripeClient } from "../../provider/stripe/client";
import { isWellFormedKey, redactSecret } from "../../provider/stripe/keys";
import { compareObservations, formatComparison } from "./compare";
import { Observation } from "./normalize";
import { cleanUp, Recorder, runParityScript } from "./script";

const ENV = "STRIPE_PARITY_API_KEY";

function newRunId(): string {
  return `parity${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
}

function printObservations(title: string, observations: readonly Observation[]): void {
  console.log(`\n${title} (${observations.length} steps)`);
  const width = Math.max(...observations.map((o) => o.step.length), 0);
  for (const { step, emulatorOnly: _e, ...rest } of observations) console.log(`  ${step.padEnd(width)}  ${JSON.stringify(rest)}`);
}

async function runOnEmulator(): Promise<Observation[]> {
  const emu = await startTestEmulator();
  try {
    const runId = newRunId();
    const rec = new Recorder(runId);
    const key = emu.newKey();
    await runParityScript({ stripe: emu.stripe(key), runId, transition: (id, to) => emu.control.transition(id, to) }, rec);
    return rec.observations;
  } finally {
    await emu.close();
  }
}

/** Stripe test mode over the network; `failure` says why a run broke off (observations up to there are kept). */
async function runOnStripe(apiKey: string): Promise<{ observations: Observation[]; failure?: string }> {
  const stripe = createStripeClient({ apiKey, maxNetworkRetries: 2, timeoutMs: 30_000 });
  const runId = newRunId();
  const rec = new Recorder(runId);
  let failure: string | undefined;
  try {
    await runParityScript({ stripe, runId, nextSecond: () => new Promise((r) => setTimeout(r, 1100)) }, rec);
  } catch (error) {
    failure = redactSecret(error instanceof Error ? error.message : String(error), apiKey);
  } finally {
    const counts = await cleanUp(stripe, rec.sessionIds);
    console.log(
      `clean-up on Stripe: ${rec.sessionIds.length} session(s) made, ${counts.redacted} redacted, ` +
        `${counts.left} already canceled/redacted, ${counts.failed} could not be checked`,
    );
  }
  return { observations: rec.observations, failure };
}

async function main(): Promise<number> {
  const apiKey = process.env[ENV] ?? "";
  if (apiKey !== "" && !(apiKey.startsWith("sk_test_") && isWellFormedKey(apiKey))) {
    console.error(`${ENV} must be a secret test-mode key (sk_test_...); refusing to use it (live and restricted keys are never used).`);
    return 2;
  }
  const emulator = await runOnEmulator();
  if (apiKey === "") {
    printObservations("emulator observations", emulator);
    console.log(`\nStripe was not contacted: set ${ENV}=sk_test_... to compare with Stripe test mode.`);
    return 0;
  }
  console.log("running the parity script on Stripe test mode (network)...");
  const stripe = await runOnStripe(apiKey);
  printObservations("emulator observations", emulator);
  printObservations("Stripe test-mode observations", stripe.observations);
  console.log("\ndifferences (- emulator, + stripe):");
  // A broken-off run is compared up to where it got; the failure itself is reported below.
  const reached = new Set(stripe.observations.map((o) => o.step));
  const compared = stripe.failure ? emulator.filter((o) => reached.has(o.step)) : emulator;
  const comparison = compareObservations(compared, stripe.observations);
  for (const line of formatComparison(comparison, "emulator", "stripe")) console.log(redactSecret(line, apiKey));
  if (stripe.failure) {
    console.error(`the Stripe run broke off after ${stripe.observations.length} of ${emulator.length} steps: ${stripe.failure}`);
    return 2;
  }
  return comparison.differences.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const text = error instanceof Error ? error.message : String(error);
    console.error(redactSecret(text, process.env[ENV]));
    process.exit(2);
  },
);
