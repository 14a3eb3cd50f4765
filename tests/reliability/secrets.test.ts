/**
 * Secrets (issue 6 item 4; DESIGN section 9): a full lifecycle, errors made on purpose, and every
 * artifact scanned for the API key and for client secrets: outputs (clientSecret/url are secret
 * outputs, the only place a client secret may be), the serialized `__provider` text, thrown errors
 * (message, stack, inspected form), provider logs, everything written to stdout/stderr, emulator
 * logs, the CLI's stdout/stderr and the harness state file. A mode mismatch never removes a
 * resource from state.
 */
import { inspect } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { ModeMismatchError } from "../../provider/errors";
import { createSessionProvider } from "../../provider/session/provider";
import { VerificationSession } from "../../sdk/VerificationSession";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { attempt, CLIENT_SECRET, findSecret, report, unclearError } from "./support";

type Provider = Required<pulumi.dynamic.ResourceProvider>;

let emulator: TestEmulator;
const emulatorLog: string[] = [];
/** Every artifact, by where it came from; scanned at the end of each test. */
const artifacts: { source: string; text: string }[] = [];
const secrets: string[] = [];
/** Client secrets are allowed in these outputs only (they are registered as secret outputs). */
const SECRET_OUTPUT_KEYS = ["clientSecret", "url"];

let restoreStreams: () => void;
beforeAll(async () => {
  emulator = await startTestEmulator({ log: (line) => emulatorLog.push(line) });
  // Capture everything anyone writes to the console while the lifecycle runs.
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (source: string) => (chunk: unknown, ...rest: unknown[]) => {
    artifacts.push({ source, text: String(chunk) });
    return source === "stdout" ? out(chunk as string, ...(rest as [])) : err(chunk as string, ...(rest as []));
  };
  process.stdout.write = capture("stdout") as typeof process.stdout.write;
  process.stderr.write = capture("stderr") as typeof process.stderr.write;
  restoreStreams = () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };
});
afterAll(async () => {
  restoreStreams();
  await emulator.close();
});

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

function keep(source: string, value: unknown): void {
  artifacts.push({ source, text: typeof value === "string" ? value : JSON.stringify(value) ?? String(value) });
}

/** An error as every consumer could see it: message, stack, inspect (what Pulumi prints), JSON. */
function keepError(source: string, error: unknown): void {
  const problem = unclearError(error, secrets);
  if (problem) artifacts.push({ source: `${source} (unclear error)`, text: `UNCLEAR: ${problem}` });
  keep(`${source}: inspect`, inspect(error, { depth: 8, showHidden: true }));
  keep(`${source}: json`, error);
}

/** Outputs without the two secret outputs: nothing else may hold a client secret. */
function outsWithoutSecretOutputs(outs: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outs as Record<string, unknown>).filter(([k]) => !SECRET_OUTPUT_KEYS.includes(k)));
}

function leaks(): string[] {
  const found: string[] = [];
  for (const { source, text } of [...artifacts, ...emulatorLog.map((text) => ({ source: "emulator log", text }))]) {
    if (text.startsWith("UNCLEAR: ")) found.push(`${source}: ${text}`);
    const leak = findSecret(text, secrets);
    if (leak) found.push(`${source}: ${leak}`);
  }
  return found;
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
      return result;
    }],
    ["create with bad args (no check first)", () => provider.create({ type: "selfie" })],
    ["adopt of an unknown id", () => provider.create({ ...checked.inputs, adoptSessionId: "vs_unknown" })],
  ] as const) {
    const outcome = await attempt(action as () => Promise<unknown>);
    if (!outcome.ok) keepError(name, outcome.error);
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
  report("secrets/provider", { artifacts: artifacts.length, emulatorLogLines: emulatorLog.length, leaks: 0 });
});

test("a malformed key, a wrong key and a bad apiBase fail with messages that never carry the key", async () => {
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
        expect((outcome.error as { statusCode?: number }).statusCode).toBe(401);
      }
    }
  }
  // A config error names the field, not the value.
  const bad = bind(emulator.newKey(), { STRIPE_API_BASE: "notaurl-secret-sk_test_" });
  const outcome = await attempt(() => bad.provider.create({ type: "document" }));
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) {
    keepError("bad apiBase", outcome.error);
    expect(String((outcome.error as Error).message)).toMatch(/apiBase/);
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
