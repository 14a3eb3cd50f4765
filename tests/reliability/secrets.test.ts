/**
 * Secrets (issue 6 item 4; docs/architecture.md, "Invariants"), the VerificationSession side: a full lifecycle,
 * errors made on purpose, and every artifact scanned for the API key and for client secrets:
 * outputs (clientSecret/url are secret outputs, the only place a client secret may be), the
 * serialized `__provider` text, thrown errors (message, stack, inspected form), provider logs,
 * console writes, emulator logs, harness summaries and state file. A mode mismatch never removes a
 * resource from state. The bulk side (CLI, BulkRedaction) is in secrets-bulk.test.ts.
 */
import { isWellFormedKey } from "../../provider/stripe/keys";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ModeMismatchError } from "../../provider/errors";
import { createSessionProvider } from "../../provider/session/provider";
import { VerificationSession } from "../../sdk/VerificationSession";
// The built harness (as the crash tests use its CLI): its runner starts as plain JS, much faster.
import { Harness, HarnessError, type Summary } from "../../dist/harness";
import { linkedWorkspace } from "../harness/workspace";
import { ensureBuilt } from "../helpers/build";
import type { TestEmulator } from "../helpers/emulator";
import { ArtifactScan } from "./secret-scan";
import { attempt, CLIENT_SECRET, report } from "./support";

type Provider = Required<pulumi.dynamic.ResourceProvider>;

/** Client secrets are allowed in these outputs only (they are registered as secret outputs). */
const SECRET_OUTPUT_KEYS = ["clientSecret", "url"];

let emulator: TestEmulator;
const scan = new ArtifactScan();
const { secrets } = scan;
const keep = scan.keep.bind(scan);
const keepError = scan.keepError.bind(scan);
const leaks = (): string[] => scan.leaks();

beforeAll(async () => {
  ensureBuilt(); // the harness's runner and the package it loads come from dist/
  emulator = await scan.startEmulator();
});
afterAll(() => scan.close());

function bind(key: string, env: Record<string, string> = {}): { provider: Provider; logs: string[] } {
  secrets.push(key);
  const logs: string[] = [];
  const provider = createSessionProvider({
    env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emulator.url, ...env },
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) },
    pollPolicy: { baseMs: 20, maxMs: 50 },
  }) as Provider;
  return { provider, logs };
}

/** Outputs without the two secret outputs: nothing else may hold a client secret. */
function outsWithoutSecretOutputs(outs: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outs as Record<string, unknown>).filter(([k]) => !SECRET_OUTPUT_KEYS.includes(k)));
}

test("provider lifecycle and deliberate errors: no key or client secret anywhere but the secret outputs", async () => {
  const key = emulator.newKey();
  const { provider, logs } = bind(key);
  const args = { type: "document", providedDetails: { email: "jenny@example.com" }, metadata: { team: "kyc" }, deletionPolicy: "redact", tagMetadata: false };

  const checked = await provider.check({}, args);
  const created = await provider.create(checked.inputs);
  keep("create outputs (non-secret)", outsWithoutSecretOutputs(created.outs));
  keep("create id", created.id);
  const outs = created.outs as Record<string, unknown>;
  expect(String(outs.clientSecret)).toMatch(CLIENT_SECRET);
  expect(JSON.stringify(created.outs)).not.toContain(key);

  const read = await provider.read(created.id, outs);
  keep("read props (non-secret)", outsWithoutSecretOutputs(read.props));
  const updated = await provider.update(created.id, read.props, { ...args, metadata: { team: "kyc", round: "2" } });
  keep("update outputs (non-secret)", outsWithoutSecretOutputs(updated.outs));
  const diff = await provider.diff(created.id, updated.outs, { ...args, clientReferenceId: "changed" });
  keep("diff", diff);

  // Errors on purpose: an unknown id, args Stripe refuses, a session in a status that refuses updates.
  for (const [name, action] of [
    ["update of an unknown id", () => provider.update("vs_doesnotexist000000000000", outs, { ...args, metadata: { a: "b" } })],
    ["check of bad args", async () => {
      const result = await provider.check({}, { type: "selfie", metadata: { ["k".repeat(41)]: "v" }, returnUrl: "not a url" });
      keep("check failures", result.failures);
      // Refused field by field (check() reports, it does not throw).
      if ((result.failures ?? []).length < 3) return result;
      throw new Error("refused as expected");
    }],
    ["create with bad args (no check first)", () => provider.create({ type: "selfie" })],
    ["adopt of an unknown id", () => provider.create({ ...checked.inputs, adoptSessionId: "vs_unknown" })],
  ] as const) {
    const outcome = await attempt(action as () => Promise<unknown>);
    expect({ name, failed: !outcome.ok }).toEqual({ name, failed: true });
    if (!outcome.ok && name !== "check of bad args") keepError(name, outcome.error);
  }

  await emulator.control.transition(created.id, "processing");
  await emulator.control.transition(created.id, "verified");
  const refused = await attempt(() => provider.update(created.id, { ...updated.outs, status: "requires_input" }, { ...args, metadata: { x: "y" } }));
  expect(refused.ok).toBe(false);
  if (!refused.ok) keepError("update of a verified session", refused.error);
  await provider.delete(created.id, { ...(updated.outs as object), status: "verified" });
  const after = (await emulator.control.sessions(key))[0];
  expect(after.redaction).not.toBeNull();
  for (const line of logs) keep("provider log", line);

  expect(leaks()).toEqual([]);
  report("secrets/provider", { artifacts: scan.count, emulatorLogLines: scan.countOf("emulator log"), leaks: 0 });
});

test("malformed keys and bad apiBase values fail with typed errors that never carry the key", async () => {
  const malformed = ["sk_test_has spaces and more secret", "not-a-stripe-key-but-secret-123456", "sk_test_" + "z".repeat(300), "sk_test_ab#d"];
  for (const key of malformed) {
    const { provider } = bind(key);
    for (const [name, action] of [
      ["create", () => provider.create({ type: "document" })],
      ["read", () => provider.read("vs_123", { livemode: false, status: "requires_input" })],
      ["delete", () => provider.delete("vs_123", { livemode: false, status: "requires_input", deletionPolicy: "cancel" })],
    ] as const) {
      const outcome = await attempt(action as () => Promise<unknown>);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) {
        keepError(`${name} with a malformed key`, outcome.error);
        // Refused before any request when its shape is not a Stripe key's; else Stripe's 401.
        const error = outcome.error as { statusCode?: number; name?: string };
        expect(error.name === "UserInputError" ? "refused locally" : error.statusCode).toEqual(isWellFormedKey(key.trim()) ? 401 : "refused locally");
      }
    }
  }
  // A config error names the field.
  for (const apiBase of ["notaurl-secret-sk_test_", "ftp://127.0.0.1:1", "file:///etc/passwd"]) {
    const bad = bind(emulator.newKey(), { STRIPE_API_BASE: apiBase });
    const outcome = await attempt(() => bad.provider.create({ type: "document" }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      keepError(`apiBase ${apiBase}`, outcome.error);
      expect(String((outcome.error as Error).message)).toMatch(/apiBase/);
    }
  }
  expect(leaks()).toEqual([]);
});

test("mode mismatch: read, update and delete raise; nothing leaves the state, nothing changes in Stripe", async () => {
  const liveKey = emulator.newKey("live");
  const testKey = emulator.newKey("test");
  const live = bind(liveKey);
  const created = await live.provider.create((await live.provider.check({}, { type: "document", tagMetadata: false })).inputs);
  const state = created.outs as Record<string, unknown>;
  expect(state.livemode).toBe(true);
  const before = await emulator.control.sessions(liveKey);

  const wrong = bind(testKey);
  for (const [name, action] of [
    ["read", () => wrong.provider.read(created.id, state)],
    ["update", () => wrong.provider.update(created.id, state, { type: "document", tagMetadata: false, metadata: { a: "b" } })],
    ["delete", () => wrong.provider.delete(created.id, state)],
    ["delete (retain)", () => wrong.provider.delete(created.id, { ...state, deletionPolicy: "retain" })],
  ] as const) {
    const outcome = await attempt(action as () => Promise<unknown>);
    // Raised, never `{ id: "" }` (which would drop the resource from state).
    expect(outcome).toMatchObject({ ok: false, error: expect.any(ModeMismatchError) });
    if (!outcome.ok) {
      keepError(`mode mismatch ${name}`, outcome.error);
      expect((outcome.error as Error).message).toMatch(/live mode.*test-mode key/);
    }
  }
  // And the reverse: a test-mode session with a live key.
  const testSession = await wrong.provider.create((await wrong.provider.check({}, { type: "document", tagMetadata: false })).inputs);
  const reverse = await attempt(() => live.provider.read(testSession.id, testSession.outs));
  expect(reverse).toMatchObject({ ok: false, error: expect.any(ModeMismatchError) });
  expect(await emulator.control.sessions(liveKey)).toEqual(before);
  expect(leaks()).toEqual([]);
});

test("__provider: the serialized text carries no key although the key is in config and the environment", async () => {
  const key = emulator.newKey();
  secrets.push(key);
  const saved = process.env.STRIPE_API_KEY;
  process.env.STRIPE_API_KEY = key;
  try {
    const texts: string[] = [];
    let secretOutputs: string[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          texts.push(String(a.inputs.__provider));
          keep("registered inputs", { ...a.inputs, __provider: undefined });
          return { id: "vs_mock", state: a.inputs };
        },
        call: (a) => a.inputs,
      },
      "proj",
      "dev",
    );
    pulumi.runtime.setAllConfig({ "stripe-identity:apiKey": key }, ["stripe-identity:apiKey"]);
    const spy: pulumi.ResourceTransformation = (a) => {
      secretOutputs = (a.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? [];
      return undefined;
    };
    const resource = new VerificationSession("kyc", { type: "document" }, { transformations: [spy] });
    await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
    expect(texts).toHaveLength(1);
    for (const text of texts) keep("__provider", text);
    expect(texts[0]).not.toMatch(/sk_(test|live)_|rk_(test|live)_/);
    expect(secretOutputs).toEqual(expect.arrayContaining(["clientSecret", "url"]));
  } finally {
    if (saved === undefined) delete process.env.STRIPE_API_KEY;
    else process.env.STRIPE_API_KEY = saved;
  }
  expect(leaks()).toEqual([]);
});

test("harness lifecycle with failures on purpose: summaries, logs, errors and the state file carry no key or client secret; a mode mismatch keeps the resources", async () => {
  const ws = linkedWorkspace("reliability-secrets-");
  try {
    const programDir = ws.add("fleet", path.join(__dirname, "fixtures", "fleet"));
    const key = emulator.newKey();
    const liveKey = emulator.newKey("live");
    secrets.push(key, liveKey);
    const open = (apiKey: string, config: Record<string, string> = {}) =>
      Harness.open({
        programDir,
        stack: "dev",
        config: { "stripe-identity:apiBase": emulator.url, "reliability-fleet:count": "3", "reliability-fleet:policy": "redact", ...config },
        secrets: { "stripe-identity:apiKey": apiKey },
      });
    const run = async (name: string, harness: Promise<Harness>, op: "up" | "refresh" | "destroy"): Promise<Summary> => {
      try {
        const summary = await (await harness)[op]();
        keep(`harness ${name}`, summary);
        return summary;
      } catch (error) {
        if (!(error instanceof HarnessError)) throw error;
        keep(`harness ${name} (failed)`, error.summary);
        keep(`harness ${name} error`, `${error.message}\n${error.stack}`);
        return error.summary;
      }
    };
    const up = await run("up", open(key), "up");
    expect(up.ok).toBe(true);
    const ids = up.outputs.ids as string[];

    const bad = await run("up with bad args", open(key, { "reliability-fleet:bad": "true" }), "up");
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/type/);
    // A live key against test-mode state: destroy fails (mode mismatch), and nothing leaves the state.
    const mismatch = await run("destroy with a live key", open(liveKey), "destroy");
    expect(mismatch).toMatchObject({ ok: false, error: expect.stringMatching(/test mode.*live-mode key/) });
    const stateFile = (await open(key)).stateFile;
    const stateIds = (JSON.parse(fs.readFileSync(stateFile, "utf8")) as { resources: { id?: string }[] }).resources.map((r) => r.id).filter(Boolean);
    expect(stateIds.sort()).toEqual([...ids].sort());
    expect((await emulator.control.sessions(key)).every((s) => s.status === "requires_input" && s.redaction === null)).toBe(true);

    expect(await run("destroy", open(key), "destroy")).toMatchObject({ ok: true });
    expect((await emulator.control.sessions(key)).every((s) => s.redaction !== null)).toBe(true);
    keep("harness state file", fs.readFileSync(stateFile, "utf8"));
    expect(leaks()).toEqual([]);
  } finally {
    ws.remove();
  }
});
