/**
 * Evidence that cannot be fooled (issue 19), end to end with the emulator and the real SDK:
 * * a full disk mid-run (a 64 KiB tmpfs, when this user may mount one, and a file size limit,
 *   `ulimit -f`, which any user can set) stops the sweep before its next write to Stripe: every
 *   session Stripe shows redacted has a durable intent in the file, the report (JSON and text) says
 *   exactly what was done, exit 1; BulkRedaction likewise;
 * * verify: a removed footer, removed records, rechained edits (footer counts), a forged
 *   `redacted` record (exit 6, named), a keyed chain against a keyless rechain, a torn last line
 *   (isolated by the next run), line numbers that name the edited line, a missing file;
 * * the header records the instant relative dates resolved against;
 * * a second writer is refused while the first holds the file; BulkRedaction waits for it.
 */
import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "../../cli/args";
import { runSweepCli } from "../../cli/run";
import { runVerify } from "../../cli/verify";
import { parseEvidence, verifyChain } from "../../provider/redaction/evidence-chain";
import { EvidenceWriter } from "../../provider/redaction/evidence-writer";
import { createBulkRedactionProvider } from "../../provider/redaction/provider";
import { ChainHasher } from "../../provider/redaction/evidence";
import { ensureBuilt } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { entryOf, rechain, withFields } from "../helpers/evidence-forgery";

const BIN = path.join(__dirname, "../../dist/cli/bin.js");
const dir = (): string => mkdtempSync(path.join(tmpdir(), "evidence-integrity-"));

/** A 64 KiB tmpfs (root only); tests that need a real ENOSPC are skipped where it cannot be mounted. */
const tmpfs = path.join(dir(), "tiny");
const mounted = ((): boolean => {
  try {
    mkdirSync(tmpfs);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", tmpfs], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const withTmpfs = mounted ? test : test.skip;

let emu: TestEmulator;
beforeAll(async () => {
  ensureBuilt();
  emu = await startTestEmulator({ redactionDelayMs: 600_000 });
});
afterAll(async () => {
  await emu.close();
  if (mounted) execFileSync("umount", [tmpfs]);
});

/** Fills the tmpfs, leaving one 4 KiB page: room for a header and a few sessions. */
function nearlyFullFile(): string {
  execFileSync("sh", ["-c", `rm -rf ${tmpfs}/fill ${tmpfs}/run-*; dd if=/dev/zero of=${tmpfs}/fill bs=4096 count=14 2>/dev/null || true`]);
  return path.join(mkdtempSync(path.join(tmpfs, "run-")), "evidence.jsonl");
}

function bin(args: string[], env: Record<string, string>, fileSizeBlocks?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = fileSizeBlocks === undefined ? [process.execPath, BIN, ...args] : ["sh", "-c", `ulimit -f ${fileSizeBlocks}; exec "$0" "$@"`, process.execPath, BIN, ...args];
  return new Promise((resolve) => {
    execFile(command[0], command.slice(1), { env: { PATH: process.env.PATH ?? "", STRIPE_API_BASE: emu.url, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function seedVerified(key: string, count: number, prefix: string): Promise<string[]> {
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  return (await emu.control.seed({ apiKey: key, count, status: "verified", created: { from: to - 60, to }, clientReferenceIdPrefix: prefix })).ids;
}

/** Sessions Stripe shows a redaction for, and the ids with a durable intent in the file. */
async function redactedVersusIntents(key: string, file: string): Promise<{ redacted: string[]; intents: Set<string> }> {
  const redacted = (await emu.control.sessions(key)).filter((s) => s.redaction !== null).map((s) => s.id);
  const parsed = parseEvidence(readFileSync(file, "utf8"));
  if (!parsed.ok) throw new Error(`${parsed.problem}: ${readFileSync(file, "utf8").slice(-300)}`);
  return { redacted, intents: new Set(parsed.lines.filter((l) => l.kind === "intent").map((l) => (l as { id: string }).id)) };
}

const fast = ["--rps", "500", "--endpoint-rps", "500"];

describe("an evidence file that stops accepting writes mid-run", () => {
  const cases: Array<[string, boolean, (file: string) => Promise<{ code: number; stdout: string; stderr: string }>, (key: string) => Record<string, string>, RegExp]> = [
    ["a full disk (ENOSPC on a 64 KiB tmpfs)", mounted, async () => ({ code: -1, stdout: "", stderr: "" }), () => ({}), /the disk is full/],
    ["a file size limit (EFBIG under ulimit -f)", true, async () => ({ code: -1, stdout: "", stderr: "" }), () => ({}), /file size limit/],
  ];
  for (const [name, runs, , , reason] of cases) {
    (runs ? test : test.skip)(`${name}: the sweep stops before its next write, every redaction has its intent on disk, the report is exact, exit 1`, async () => {
      const key = emu.newKey();
      await seedVerified(key, 30, "full-");
      const onTmpfs = reason.source.includes("disk");
      const file = onTmpfs ? nearlyFullFile() : path.join(dir(), "evidence.jsonl");
      const args = ["--client-reference-id-prefix", "full-", "--yes", "--evidence", file, "--concurrency", "2", ...fast];
      const json = await bin([...args, "--json"], { STRIPE_API_KEY: key }, onTmpfs ? undefined : 4);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout);
      expect(report).toMatchObject({ complete: false, stoppedBecause: expect.stringMatching(new RegExp(`evidence: cannot write to .*${reason.source}`)) });
      const { redacted, intents } = await redactedVersusIntents(key, file);
      expect(redacted.length).toBeGreaterThan(0);
      expect(redacted.length).toBeLessThan(30);
      expect(report.redacted).toBe(redacted.length);
      for (const id of redacted) expect(intents.has(id)).toBe(true);
      expect(json.stdout + json.stderr).not.toContain(key);
      if (onTmpfs) return;
      // A second run on the same full file cannot even open it (a configuration error before any
      // write, exit 2): nothing more is written to Stripe.
      const again = await bin(args, { STRIPE_API_KEY: key }, 4);
      expect(again).toMatchObject({ code: 2, stderr: expect.stringMatching(/--evidence: cannot append to .*file size limit/) });
      expect((await emu.control.sessions(key)).filter((s) => s.redaction !== null)).toHaveLength(redacted.length);
      // The text report says the same as the JSON one.
      const textKey = emu.newKey();
      await seedVerified(textKey, 30, "full-");
      const textFile = path.join(dir(), "evidence.jsonl");
      const text = await bin(["--client-reference-id-prefix", "full-", "--yes", "--evidence", textFile, "--concurrency", "2", ...fast], { STRIPE_API_KEY: textKey }, 4);
      const shown = (await emu.control.sessions(textKey)).filter((s) => s.redaction !== null).length;
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(new RegExp(`^Stopped early: matched \\d+; redacted ${shown};`));
      expect(text.stdout).toMatch(/stopped early: evidence: cannot write to .*file size limit.*the run stopped before its next write to Stripe/);
    });
  }

  withTmpfs("BulkRedaction with evidence on a full disk fails naming the evidence, and redacted nothing without its intent", async () => {
    const key = emu.newKey();
    await seedVerified(key, 30, "bulkfull-");
    const file = nearlyFullFile();
    const provider = createBulkRedactionProvider({ env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url }, logger: { info: () => undefined, warn: () => undefined } });
    const args = { filter: { clientReferenceIdPrefix: "bulkfull-" }, action: "redact", runOn: ["create"], evidence: { path: file }, endpointRequestsPerSecond: 500, requestsPerSecond: 500, resourceName: "full" };
    await expect(provider.create((await provider.check!({}, args)).inputs)).rejects.toThrow(/evidence: cannot write to .*the disk is full/);
    const { redacted, intents } = await redactedVersusIntents(key, file);
    expect(redacted.length).toBeLessThan(30);
    for (const id of redacted) expect(intents.has(id)).toBe(true);
  });
});

async function sweep(key: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const parsed = parseArgs([...args, ...fast], { env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url, ...env }, readFile: () => undefined });
  if (parsed.kind !== "run") throw new Error(JSON.stringify(parsed));
  const out = { stdout: "", stderr: "" };
  const code = await runSweepCli(parsed.options, { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } });
  return { code, ...out };
}

/** A real run's file: 4 verified (redacted by the run) and 2 canceled (skipped) sessions. */
async function realRun(env: Record<string, string> = {}): Promise<{ key: string; file: string; lines: string[]; canceled: string[] }> {
  const key = emu.newKey();
  await seedVerified(key, 4, "ev-");
  const to = Math.floor(Date.now() / 1000) - 10 * 86_400;
  const { ids: canceled } = await emu.control.seed({ apiKey: key, count: 2, status: "canceled", created: { from: to - 60, to }, clientReferenceIdPrefix: "ev-" });
  const file = path.join(dir(), "evidence.jsonl");
  expect((await sweep(key, ["--client-reference-id-prefix", "ev-", "--created-before", "7d", "--yes", "--evidence", file], env)).code).toBe(0);
  return { key, file, lines: readFileSync(file, "utf8").trim().split("\n"), canceled };
}

/** verify in-process (the bin's own paths are covered by "a missing file" below and evidence.test.ts). */
async function verify(file: string, key: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const io = { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } };
  const code = await runVerify({ file, json: true, apiKey: key, apiBase: emu.url, key: env.STRIPE_IDENTITY_EVIDENCE_KEY }, io);
  return { code, ...out };
}

test("BulkRedaction refuses an evidence path that is not a regular file, before any request", async () => {
  const key = emu.newKey();
  await seedVerified(key, 2, "dev-");
  const provider = createBulkRedactionProvider({ env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url }, logger: { info: () => undefined, warn: () => undefined } });
  const args = { filter: { clientReferenceIdPrefix: "dev-" }, action: "redact", runOn: ["create"], evidence: { path: "/dev/zero" }, resourceName: "dev" };
  // check() of a new run counts it for preview (list calls only): the refusal is create's, before any request.
  const { inputs } = await provider.check!({}, args);
  const before = (await emu.control.stats()).requests;
  await expect(provider.create(inputs)).rejects.toThrow(/evidence\.path: \/dev\/zero is not a regular file/);
  expect((await emu.control.stats()).requests).toEqual(before);
});

describe("verify detects every forgery it can", () => {
  test("a removed footer, removed records, and rechained edits are exit 5; a forged redaction is exit 6, named; the edited line is the one named", async () => {
    const { key, file, lines, canceled } = await realRun();
    const header = entryOf(lines[0]);
    // The header records the instant "7d" resolved against, and the resolved bound.
    expect(header).toMatchObject({ v: 2, now: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), filter: { createdBefore: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }, chain: "sha256" });
    expect(Date.parse(header.now as string) - Date.parse((header.filter as { createdBefore: string }).createdBefore)).toBe(7 * 86_400_000);
    expect((await verify(file, key)).code).toBe(4);

    const tries: Array<[string, string, number, RegExp]> = [
      ["footer removed", lines.slice(0, -1).join("\n") + "\n", 5, /no footer/],
      ["last records and footer removed", lines.slice(0, -4).join("\n") + "\n", 5, /no footer/],
      ["a record removed, rechained", rechain(lines.filter((_, i) => i !== 2)), 5, /footer counts/],
      ["line 2 edited", [lines[0], lines[1].replace(/"time":"[^"]+"/, '"time":"2020-01-01T00:00:00.000Z"'), ...lines.slice(2)].join("\n") + "\n", 5, /line 2 was changed/],
    ];
    for (const [name, content, code, problem] of tries) {
      writeFileSync(file, content);
      const out = await verify(file, key);
      expect({ name, code: out.code }).toEqual({ name, code });
      expect(JSON.parse(out.stdout).problem).toMatch(problem);
    }
    // A skipped (canceled) session forged as redacted, footer counts adjusted, chain recomputed:
    // the file is consistent, and Stripe shows no redaction for it at all.
    const forged = lines.map((text) => {
      const entry = entryOf(text);
      if (entry.kind === "session" && entry.id === canceled[0]) return withFields(text, { result: "redacted", reason: undefined, statusBefore: "verified", redactionAfter: "processing" });
      if (entry.kind === "footer") {
        const counts = entry.counts as Record<string, number>;
        return withFields(text, { counts: { ...counts, redacted: counts.redacted + 1, skipped: counts.skipped - 1 } });
      }
      return text;
    });
    writeFileSync(file, rechain(forged));
    const six = await verify(file, key);
    expect(six.code).toBe(6);
    expect(JSON.parse(six.stdout)).toMatchObject({ exit: 6, notRedacted: [canceled[0]], mode: "sha256" });
  });

  test("a keyed chain (STRIPE_IDENTITY_EVIDENCE_KEY): the same forgery rechained without the key is exit 5; without the key verify is a usage error", async () => {
    const env = { STRIPE_IDENTITY_EVIDENCE_KEY: "auditor-held-secret" };
    const { key, file, lines, canceled } = await realRun(env);
    expect(entryOf(lines[0])).toMatchObject({ chain: "hmac-sha256", keyId: expect.any(String) });
    expect(readFileSync(file, "utf8")).not.toContain("auditor-held-secret");
    expect((await verify(file, key, env)).code).toBe(4);
    expect(await verify(file, key)).toMatchObject({ code: 2, stderr: expect.stringMatching(/keyed.*STRIPE_IDENTITY_EVIDENCE_KEY/) });
    const forged = lines.map((text) => (entryOf(text).id === canceled[0] ? withFields(text, { result: "redacted" }) : text));
    writeFileSync(file, rechain(forged.map((t) => t.replace('"chain":"hmac-sha256"', '"chain":"sha256"'))));
    expect((await verify(file, key, env)).code).toBe(5);
    writeFileSync(file, rechain(forged, new ChainHasher("a-guess")));
    expect((await verify(file, key, env)).code).toBe(5);
  });

  test("a torn last line is reported, then isolated by the next run, and verify says what was torn", async () => {
    const { key, file } = await realRun();
    appendFileSync(file, '{"kind":"header","v":2,"runId":"x"');
    const torn = await verify(file, key);
    expect(torn.code).toBe(5);
    expect(JSON.parse(torn.stdout).problem).toMatch(/line 13 is incomplete/);
    expect((await sweep(key, ["--client-reference-id-prefix", "ev-", "--yes", "--evidence", file])).code).toBe(0);
    const after = await verify(file, key);
    expect(after.code).toBe(4);
    expect(JSON.parse(after.stdout).notes).toEqual([expect.stringMatching(/line 13 was torn by a crash \(34 bytes\)/)]);
  });

  test("a missing file names the path; a device is refused (exit 2)", async () => {
    const key = emu.newKey();
    const missing = await bin(["verify", path.join(dir(), "nope.jsonl"), "--json"], { STRIPE_API_KEY: key });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/verify: .*nope\.jsonl does not exist/);
    expect(missing.stdout + missing.stderr).not.toMatch(/ENOENT/);
    expect((await bin(["verify", "/dev/zero"], { STRIPE_API_KEY: key })).code).toBe(2);
  });
});

test("exclusive appends: a second sweep is refused while a writer holds the file; BulkRedaction waits for it", async () => {
  const key = emu.newKey();
  await seedVerified(key, 2, "lock-");
  const file = path.join(dir(), "evidence.jsonl");
  const holder = new EvidenceWriter(file);
  const time = new Date().toISOString();
  holder.append({ kind: "header", v: 2, runId: "holder", tool: "test", time, now: time, chain: "sha256", action: "redact", mode: "test", account: null, accountId: null, dryRun: false, filter: {} });
  let printed = "";
  expect(await runVerify({ file, json: true, apiKey: key, apiBase: emu.url }, { stdout: { write: (t: string) => (printed += t) }, stderr: { write: () => true } })).toBe(5);
  expect(JSON.parse(printed).problem).toMatch(/no footer.*a run may be writing the file now/);
  const refused = await sweep(key, ["--client-reference-id-prefix", "lock-", "--yes", "--evidence", file]);
  expect(refused).toMatchObject({ code: 2, stderr: expect.stringMatching(new RegExp(`another run \\(pid ${process.pid} .*is writing`)) });
  expect((await emu.control.sessions(key)).every((s) => s.redaction === null)).toBe(true);

  const waits: string[] = [];
  const provider = createBulkRedactionProvider({ env: { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url }, logger: { info: (m: string) => waits.push(m), warn: () => undefined } });
  const args = { filter: { clientReferenceIdPrefix: "lock-" }, action: "redact", runOn: ["create"], evidence: { path: file }, endpointRequestsPerSecond: 500, requestsPerSecond: 500, resourceName: "lock" };
  const created = provider.create((await provider.check!({}, args)).inputs);
  holder.close();
  expect((await created).outs).toMatchObject({ redacted: 2 });
  // The holder's run, left without a footer, was closed as interrupted by the next writer.
  expect(verifyChain(readFileSync(file, "utf8"))).toMatchObject({ ok: true, interrupted: ["holder"] });
});
