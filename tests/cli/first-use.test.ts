/**
 * The sweep CLI as a new user meets it (issue 19, item 5): --version, -y, --help on every
 * subcommand, one error shape when nothing answers at the API base, and a plan that reads well.
 */
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parseArgs } from "../../cli/args";
import { runSweepCli } from "../../cli/run";
import { jsonSummary, planText } from "../../cli/output";
import { summaryLine } from "../../provider/redaction/progress";
import { Tally, type SweepReport } from "../../provider/redaction/report";
import { ensureBuilt, ROOT } from "../helpers/build";

const BIN = join(ROOT, "dist", "cli", "bin.js");
const KEY = "sk_test_emulator0000firstuse";

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", STRIPE_API_KEY: KEY }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 99) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => ensureBuilt(), 120_000);

describe("flags a new user tries", () => {
  it("--version prints the package's version, exit 0", async () => {
    const { version } = require(join(ROOT, "package.json")) as { version: string };
    const result = await cli(["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("-y is --yes", () => {
    const parsed = parseArgs(["--created-before", "7d", "-y"], { env: { STRIPE_API_KEY: KEY }, readFile: () => undefined });
    expect(parsed.kind === "run" && parsed.options.yes).toBe(true);
  });

  it.each([[["--help"]], [["verify", "--help"]], [["verify", "-h"]]])("%j prints usage on stdout, exit 0", async (args) => {
    const result = await cli(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: stripe-identity-sweep/);
    expect(result.stderr).toBe("");
  });
});

describe("nothing listening at the API base", () => {
  let closed: number;
  beforeAll(async () => {
    closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = (server.address() as AddressInfo);
        server.close(() => resolve(port));
      });
    });
  });
  const capture = () => {
    const out = { stdout: "", stderr: "" };
    return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t), isTTY: false } } };
  };
  const options = (json: boolean) => ({ filter: { createdBefore: "7d" }, action: "redact" as const, dryRun: false, yes: false, json, allowLivemode: false, apiKey: KEY, apiBase: `http://127.0.0.1:${closed}` });

  it("--json prints the one error shape of every failure, nothing else, exit 1", async () => {
    const { out, io } = capture();
    expect(await runSweepCli(options(true), io)).toBe(1);
    const lines = out.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const body = JSON.parse(lines[0]);
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toMatchObject({ code: "listing_failed" });
    expect(body.error.message).toContain(`ECONNREFUSED 127.0.0.1:${closed}`);
  });

  it("the text output prints no plan for a run that never listed", async () => {
    const { out, io } = capture();
    expect(await runSweepCli(options(false), io)).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).not.toMatch(/Plan|matched/);
    expect(out.stderr).toContain(`ECONNREFUSED 127.0.0.1:${closed}`);
  });
});

describe("the plan as it reads", () => {
  function planReport(wouldAct: number): SweepReport {
    const tally = new Tally();
    tally.counts.matched = wouldAct + 40;
    tally.counts.wouldAct = wouldAct;
    for (let i = 0; i < 40; i++) tally.record({ id: `vs_c${i}`, result: "skipped", reason: "canceled" });
    tally.counts.requests = 1;
    return tally.report("redact", true, undefined);
  }

  it("aligns the counts in one column and lists the first sessions one per line", () => {
    const ids = Array.from({ length: 10 }, (_, i) => `vs_${String(i).padStart(24, "0")}`);
    const text = planText(planReport(150), ids, false);
    const counts = text.split("\n").filter((line) => /^ {2}(matched|would redact|skipped):/.test(line));
    expect(counts).toHaveLength(3);
    expect(new Set(counts.map((line) => line.search(/\d/))).size).toBe(1);
    expect(text).toContain(`  first sessions (10 of 150):\n${ids.map((id) => `    ${id}\n`).join("")}    ... and 140 more\n`);
    expect(planText(planReport(2), ids.slice(0, 2), false)).toContain(`  first sessions:\n    ${ids[0]}\n    ${ids[1]}\n`);
  });

  it("says 1 request, not 1 requests", () => {
    expect(summaryLine(planReport(3))).toContain("; 1 request, 0 rate-limited");
  });

  it("plan JSON does not call a plan a dry run; --dry-run's still says it is one", () => {
    const report = planReport(3);
    const plan = JSON.parse(jsonSummary(report, { plan: true, firstIds: [] }));
    expect(plan).not.toHaveProperty("dryRun");
    expect(plan).toMatchObject({ plan: true, matched: 43, redacted: 0, canceled: 0, skipped: 40, failed: 0, requests: 1, rateLimited: 0, failures: [] });
    expect(JSON.parse(jsonSummary(report, { plan: false, firstIds: [] }))).toMatchObject({ dryRun: true, plan: false });
  });
});
