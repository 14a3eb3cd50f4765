/**
 * `npm run demo`: the platform example's whole lifecycle, narrated.
 *
 * Starts the embedded emulator (or, with STRIPE_API_KEY set to a test key and no STRIPE_API_BASE,
 * uses Stripe test mode), seeds realistic sessions, then runs preview, up, an out-of-band change
 * seen by refresh and fixed by the next up, and destroy, printing after each step what changed in
 * Stripe and which policy did it. Runs the program from a scratch copy of examples/platform whose
 * node_modules links this repo, so it needs no `npm install` and loads one @pulumi/pulumi. Not
 * part of the package: `npm run demo` runs it from the sources with tsx, over the built dist/.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type Stripe from "stripe";
import { EmulatorControl, startEmulator, type RunningEmulator } from "../emulator";
import { createStripeClient } from "../provider/stripe/client";
import { describeChanges, emulatorAccount, stripeAccount, tally, type Account, type Cause, type Snapshot } from "./account";
import { linkProgramModules } from "../tools/link-program";
import { cliDriver, findOrBuildPulumiCli } from "./driver";

const REPO = path.resolve(__dirname, "..");
const DAY = 24 * 3600;
const print = (line = ""): void => console.log(line);

interface Target {
  mode: "emulator" | "stripe";
  apiKey: string;
  apiBase?: string;
  stripe: Stripe;
  account: Account;
  control?: EmulatorControl;
  emulator?: RunningEmulator;
}

async function target(started: number): Promise<Target> {
  const envKey = process.env.STRIPE_API_KEY;
  if (envKey && !process.env.STRIPE_API_BASE) {
    if (!/^(sk|rk)_test_/.test(envKey)) throw new Error("STRIPE_API_KEY is not a test-mode key; the demo only runs against test mode");
    const stripe = createStripeClient({ apiKey: envKey });
    return { mode: "stripe", apiKey: envKey, stripe, account: stripeAccount(stripe, started) };
  }
  const emulator = await startEmulator({ port: 0 });
  const apiKey = `sk_test_demo${randomBytes(8).toString("hex")}`;
  const control = new EmulatorControl(emulator.url);
  const stripe = createStripeClient({ apiKey, apiBase: emulator.url });
  return { mode: "emulator", apiKey, apiBase: emulator.url, stripe, control, emulator, account: emulatorAccount(control, apiKey) };
}

/** Sessions that exist before the stack does: old QA leftovers, the app's users, another team's. */
async function seed(t: Target, appPrefix: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  if (t.control) {
    await t.control.seed({ apiKey: t.apiKey, count: 6, status: "requires_input", created: { from: now - 90 * DAY, to: now - 40 * DAY }, clientReferenceIdPrefix: "qa-" });
    await t.control.seed({ apiKey: t.apiKey, count: 3, status: "requires_input", created: { from: now - 3 * DAY, to: now - 3600 }, clientReferenceIdPrefix: appPrefix });
    await t.control.seed({ apiKey: t.apiKey, count: 2, status: "verified", created: { from: now - 5 * DAY, to: now - DAY }, clientReferenceIdPrefix: appPrefix });
    await t.control.seed({ apiKey: t.apiKey, count: 3, created: { from: now - 2 * DAY, to: now }, metadata: { team: "risk" }, clientReferenceIdPrefix: "risk-" });
    print("  seeded 14 sessions: 6 stale QA sessions (40-90 days old), 5 made by the app (3 open, 2 verified), 3 of the risk team");
  } else {
    // Stripe test mode: `created` cannot be back-dated, so only the app's sessions are made.
    for (const n of [1, 2]) await t.stripe.identity.verificationSessions.create({ type: "document", client_reference_id: `${appPrefix}user_${n}` });
    print(`  created 2 sessions as the app would (client_reference_id ${appPrefix}...)`);
  }
}

function find(snapshot: Snapshot, resource: string): string {
  const hit = [...snapshot.values()].find((s) => s.owner === `resource ${resource}` && s.status !== "canceled" && !s.redacted);
  if (!hit) throw new Error(`no live session of ${resource} found`);
  return hit.id;
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(REPO, "dist", "sdk", "index.js"))) throw new Error("the package is not built: run `npm ci` (or `npm run build`) first");
  const started = Math.floor(Date.now() / 1000);
  const t = await target(started);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "stripe-identity-demo-"));
  try {
    const programDir = path.join(scratch, "platform");
    fs.cpSync(path.join(REPO, "examples", "platform"), programDir, { recursive: true, filter: (src) => !/[\\/]node_modules$/.test(src) });
    linkProgramModules(scratch);

    const stack = "dev";
    const appPrefix = t.mode === "emulator" ? `app-${stack}-` : `app-demo-${randomBytes(3).toString("hex")}-`;
    const config: Record<string, string> = { "stripe-identity-platform:appReferencePrefix": appPrefix };
    if (t.apiBase) config["stripe-identity:apiBase"] = t.apiBase;
    // On a real test account, the stale-session sweep only reports what it would redact.
    if (t.mode === "stripe") config["stripe-identity-platform:staleCleanupDryRun"] = "true";
    const options = { programDir, stack, config, secrets: { "stripe-identity:apiKey": t.apiKey }, stateDir: path.join(scratch, "state"), print };
    const driver = cliDriver(options, findOrBuildPulumiCli(REPO, print));

    print("pulumi-stripe-identity demo: the platform example (examples/platform), start to finish");
    print(`  Stripe: ${t.mode === "emulator" ? `the embedded emulator at ${t.apiBase} (no network, no account)` : "Stripe TEST mode (STRIPE_API_KEY)"}`);
    print(`  Pulumi: ${driver.description}`);

    let before = await t.account.snapshot();
    const step = async (title: string, action: () => Promise<void>, cause?: Cause): Promise<void> => {
      print();
      print(`== ${title}`);
      await action();
      const after = await t.account.snapshot();
      print("  in Stripe:");
      for (const line of describeChanges(before, after, cause)) print(`  ${line}`);
      before = after;
    };
    // What each of the example's resources does to its sessions (examples/platform/index.ts).
    const policies: Record<string, string> = {
      "resource onboarding": "deletionPolicy cancel",
      "resource payouts-kyc": "deletionPolicy redact",
      "resource compliance-audit": "deletionPolicy retain",
    };
    const byResource: Cause = (s) => policies[s.owner];
    const staleSweep: Cause = (s) => (s.owner === "old test data" ? "BulkRedaction stale-test-sessions (requires_input, older than 30d)" : byResource(s));
    const teardown: Cause = (s) => (s.owner === "the app" ? `BulkRedaction redact-app-sessions (client_reference_id ${appPrefix}*, at destroy)` : byResource(s));

    await step("1. seed the account", () => seed(t, appPrefix));
    await step("2. pulumi preview: what up would do (no API writes)", () => driver.run("preview"));
    await step("3. pulumi up: one session per use case; the stale-session policy sweeps old QA data", () => driver.run("up"), staleSweep);
    const onboarding = find(before, "onboarding");
    const payouts = find(before, "payouts-kyc");
    const outOfBand: Cause = (s) => (s.id === onboarding ? "the user finished the flow" : s.id === payouts ? "canceled in the Dashboard" : undefined);
    await step("4. out of band: a user completes onboarding; someone cancels the payouts session in the Dashboard", async () => {
      if (t.control) {
        await t.control.transition(onboarding, "processing");
        await t.control.transition(onboarding, "verified");
        print(`  ${onboarding} verified (the user finished the flow)`);
      } else print("  (Stripe test mode cannot verify a session from the API: only the cancel happens)");
      await t.stripe.identity.verificationSessions.cancel(payouts);
      print(`  ${payouts} canceled outside Pulumi`);
    }, outOfBand);
    await step("5. pulumi refresh: the stack sees the drift", () => driver.run("refresh"));
    await step("6. pulumi up: the canceled session is recreated (recreateOnCanceled); the verified one is kept", () => driver.run("up"), (s) =>
      s.owner === "resource payouts-kyc" ? "recreateOnCanceled" : undefined,
    );
    await step("7. pulumi destroy: each session's deletionPolicy, and the teardown redaction policy", () => driver.run("destroy"), teardown);

    print();
    print("== where things stand");
    print(`  the app's sessions: ${tally(before, (s) => s.owner === "the app")}`);
    print(`  the stack's sessions: ${tally(before, (s) => s.owner.startsWith("resource "))}`);
    if (t.control) {
      print(`  the risk team's sessions: ${tally(before, (s) => s.owner === "team risk")} (outside every filter: untouched)`);
      const stats = await t.control.stats();
      print(`  Stripe API requests over the whole demo: ${Object.values(stats.requests).reduce((a, b) => a + b, 0)} (preview makes none)`);
    }
    print("done.");
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    await t.emulator?.close();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
