/**
 * `node dist/cli/bin.js` as users run it, against the emulator: plan mode, --yes, --json, exit
 * codes, progress lines on a non-terminal stderr, and the key never printed.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt, ROOT } from "../helpers/build";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";

const BIN = join(ROOT, "dist", "cli", "bin.js");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function sweep(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let emu: TestEmulator;
let key: string;
let env: Record<string, string>;
let now: number;
const DAY = 86_400;

beforeAll(async () => {
  ensureBuilt();
  emu = await startTestEmulator();
}, 120_000);
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  key = emu.newKey();
  env = { STRIPE_API_KEY: key, STRIPE_API_BASE: emu.url };
  now = Math.floor(Date.now() / 1000);
  await emu.control.seed({ apiKey: key, count: 150, status: "verified", created: { from: now - 30 * DAY, to: now - 10 * DAY }, clientReferenceIdPrefix: "app-" });
  await emu.control.seed({ apiKey: key, count: 40, status: "canceled", created: { from: now - 30 * DAY, to: now - 10 * DAY }, clientReferenceIdPrefix: "app-" });
  await emu.control.seed({ apiKey: key, count: 30, status: "verified", created: { from: now - 3 * DAY, to: now - DAY }, clientReferenceIdPrefix: "app-" });
});
const redactedCount = async () => (await emu.control.sessions(key)).filter((s) => s.redaction !== null).length;

describe("stripe-identity-sweep", () => {
  it("without --yes prints the plan (count and first ids) and changes nothing", async () => {
    const before = await emu.control.sessions(key);
    const result = await sweep(["--created-before", "7d", "--client-reference-id-prefix", "app-"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Plan \(nothing was changed; run again with --yes to redact\):/);
    expect(result.stdout).toMatch(/matched:\s+190/);
    expect(result.stdout).toMatch(/would redact: 150/);
    expect(result.stdout).toMatch(/skipped:\s+40 \(canceled 40\)/);
    expect(result.stdout).toMatch(/first sessions \(10 of 150\):\n( {4}vs_\w+\n){10} {4}\.\.\. and 140 more\n/);
    expect(await emu.control.sessions(key)).toEqual(before);
  });

  it("--yes --json: one JSON summary, exit 0, the sessions redacted", async () => {
    const result = await sweep(["--created-before", "7d", "--status", "verified,canceled", "--yes", "--json", "--rps", "500", "--endpoint-rps", "500"], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ matched: 190, redacted: 150, canceled: 0, skipped: 40, failed: 0, rateLimited: 0, failures: [], complete: true, skippedByReason: { canceled: 40 } });
    expect(summary.requests).toBe(1 + 2 + 150 * 2); // the clock, two pages (both statuses in one pass), a re-read and a write each
    expect(typeof summary.elapsedMs).toBe("number");
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(await redactedCount()).toBe(150);
  });

  it("progress goes to stderr as plain lines when it is not a terminal", async () => {
    await emu.control.config({ latencyMs: 5 });
    try {
      const result = await sweep(["--created-before", "7d", "--yes", "--rps", "60"], env);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^sweep: listed \d+, matched \d+, redacted \d+, canceled 0, skipped \d+, failed 0; \d+ requests \([\d.]+\/s, pacing at 60\.0\/s\)$/m);
      expect(result.stderr.split("\n").filter((l) => l.startsWith("sweep: ")).length).toBeGreaterThanOrEqual(2);
      expect(result.stdout).toMatch(/^Done: matched 190; redacted 150; skipped 40 \(canceled 40\); failed 0;/);
    } finally {
      await emu.control.config({ latencyMs: 0 });
    }
  });

  it("--dry-run reports and changes nothing", async () => {
    const result = await sweep(["--created-before", "7d", "--dry-run", "--yes", "--json"], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dryRun: true, matched: 190, wouldAct: 150, redacted: 0 });
    expect(await redactedCount()).toBe(0);
  });

  it("exit 3 when --max-sessions is exceeded, before any write", async () => {
    const result = await sweep(["--created-before", "7d", "--yes", "--max-sessions", "100", "--json"], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/190 sessions match the filter, more than maxSessions \(100\): nothing was changed/);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: "max_sessions_exceeded" }, matched: 190, maxSessions: 100 });
    expect(await redactedCount()).toBe(0);
  });

  it("exit 2 for usage and configuration errors: unbounded filter, live key, no key, bad key", async () => {
    const unbounded = await sweep(["--status", "verified", "--yes"], env);
    expect(unbounded.code).toBe(2);
    expect(unbounded.stderr).toMatch(/no bound/);
    expect(unbounded.stderr).not.toMatch(/\n\s+at /);

    const liveKey = emu.newKey("live");
    const live = await sweep(["--created-before", "7d", "--yes"], { ...env, STRIPE_API_KEY: liveKey });
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/live-mode key/);
    expect(live.stderr + live.stdout).not.toContain(liveKey);

    expect((await sweep(["--created-before", "7d"], { STRIPE_API_BASE: emu.url })).code).toBe(2);

    const bad = await sweep(["--created-before", "7d", "--yes"], { ...env, STRIPE_API_KEY: "sk_test_not-a-valid-key!!" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain("not-a-valid-key!!");
  });

  it("Ctrl-C stops gracefully: exit 1, an exact report, and a rerun finishes the rest", async () => {
    await emu.control.config({ latencyMs: 5 });
    try {
      // Text mode, so the run prints progress lines on stderr: the interrupt is sent once a line says
      // something was redacted (the handler is installed by then, and at 50 requests/s the ~300
      // requests of the run cannot all be done yet), never after a fixed time.
      const child = execFile(process.execPath, [BIN, "--created-before", "7d", "--yes", "--rps", "50"], { env: { PATH: process.env.PATH ?? "", ...env } });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => {
        child.stderr!.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (!child.killed && /^sweep: .*redacted [1-9]/m.test(stderr)) child.kill("SIGINT");
        });
        child.on("exit", (c) => resolve(c));
      });
      expect({ code, stderr }).toMatchObject({ code: 1 });
      const stopped = /^Stopped early: matched \d+; redacted (\d+); skipped \d+(?: \(canceled \d+\))?; failed 0;.*; stopped early: aborted$/m.exec(stdout);
      if (stopped === null) throw new Error(`no "Stopped early" summary in:\n${stdout}`);
      const redacted = Number(stopped![1]);
      expect(redacted).toBeGreaterThan(0);
      expect(redacted).toBeLessThan(150);
      expect(await redactedCount()).toBe(redacted);
      const rest = await sweep(["--created-before", "7d", "--yes", "--json", "--rps", "500", "--endpoint-rps", "500"], env);
      expect(JSON.parse(rest.stdout)).toMatchObject({ redacted: 150 - redacted, complete: true });
    } finally {
      await emu.control.config({ latencyMs: 0 });
    }
  });

  it("--json answers every exit path in JSON on stdout, usage and configuration errors included", async () => {
    for (const [args, extraEnv, message] of [
      [["--status", "verified", "--json"], env, /no bound/],
      [["--created-before", "7d", "--json"], { STRIPE_API_BASE: emu.url }, /no API key/],
      [["--created-before", "7d", "--max-sessions", "-1", "--json"], env, /--max-sessions/],
      [["--created-before", "7d", "--json"], { ...env, STRIPE_API_KEY: `${key}\n` }, null],
    ] as const) {
      const result = await sweep([...args], extraEnv);
      if (message === null) {
        // A key with a trailing newline is trimmed: the run works.
        expect(result.code).toBe(0);
        continue;
      }
      expect(result.code).toBe(2);
      const body = JSON.parse(result.stdout) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("usage");
      expect(body.error.message).toMatch(message);
    }
  });

  it("an unreachable --api-base fails at once: one request, the address and the error named", async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const result = await sweep(["--created-before", "7d", "--json", "--api-base", `http://127.0.0.1:${closed}`], env);
    expect(result.code).toBe(1);
    // The one error shape of every failure (tests/cli/never-listed.test.ts has the rest).
    const body = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("listing_failed");
    expect(body.error.message).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${closed}`));
  });

  it("--exclude-ids from a file keeps those sessions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sweep-cli-"));
    try {
      const keep = (await emu.control.sessions(key)).filter((s) => s.status === "verified" && s.created < now - 7 * DAY).slice(0, 3).map((s) => s.id);
      writeFileSync(join(dir, "keep.txt"), keep.join("\n") + "\n");
      const result = await sweep(["--created-before", "7d", "--exclude-ids", join(dir, "keep.txt"), "--yes", "--json", "--rps", "500", "--endpoint-rps", "500"], env);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ redacted: 147 });
      const after = await emu.control.sessions(key);
      for (const id of keep) expect(after.find((s) => s.id === id)?.redaction).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
