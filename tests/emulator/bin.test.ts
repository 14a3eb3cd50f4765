import { ChildProcess, spawn, spawnSync } from "node:child_process";
import path from "node:path";

/** The `stripe-identity-emulator` bin, run from source through tsx as a real child process. */
const ROOT = path.resolve(__dirname, "../..");
const BIN = ["--import", "tsx", path.join(ROOT, "emulator/bin.ts")];

function runSync(args: string[]) {
  return spawnSync(process.execPath, [...BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
}

test.each([
  [["--port", "abc"], "--port"],
  [["--port", "70000"], "--port"],
  [["--rate-limit", "fast"], "--rate-limit"],
  [["--rate-limit", "1,2,3"], "--rate-limit"],
  [["--latency", "-5"], "--latency"],
  [["--redaction-job-speed", "0"], "--redaction-job-speed"],
  [["--redaction-job-max-objects", "many"], "--redaction-job-max-objects"],
  [["--frobnicate"], "--frobnicate"],
])("bad flags %j exit 2 with a message naming %s and no stack trace", (args, flag) => {
  const result = runSync(args);
  expect(result.status).toBe(2);
  expect(result.stderr).toContain(flag);
  expect(result.stderr).not.toMatch(/\n\s+at /);
});

test("--help prints usage and exits 0", () => {
  const result = runSync(["--help"]);
  expect(result.status).toBe(0);
  expect(result.stdout).toContain("--rate-limit");
  expect(result.stdout).toContain("--latency");
});

describe("running", () => {
  let child: ChildProcess;
  let output = "";
  let url = "";

  beforeAll(async () => {
    child = spawn(process.execPath, [...BIN, "--port", "0", "--rate-limit", "50,100", "--redaction-job-speed", "500", "--redaction-job-max-objects", "7"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 20_000;
    while (!/listening on (\S+)/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? "";
  }, 30_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });

  test("logs one line per request with method, path, status and ms, never the key", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const key = "sk_test_binlogsecretvalue1234";
    await fetch(`${url}/v1/identity/verification_sessions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: "type=document",
    });
    await fetch(`${url}/v1/identity/verification_sessions/vs_missing`, { headers: { Authorization: `Bearer ${key}` } });
    await fetch(`${url}/_emulator/sessions?apiKey=${key}`);
    // The log lines come from another process: wait until the last one is printed.
    while (!/GET \/_emulator\/sessions \d{3}/.test(output) && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    expect(output).toMatch(/POST \/v1\/identity\/verification_sessions 200 [\d.]+ms/);
    expect(output).toMatch(/GET \/v1\/identity\/verification_sessions\/vs_missing 404 [\d.]+ms/);
    expect(output).toMatch(/GET \/_emulator\/sessions 200/);
    expect(output).not.toContain("binlogsecretvalue");
    expect(output).toContain("50/s test, 100/s live");
  });

  test("--redaction-job-speed and --redaction-job-max-objects set the Redaction Jobs config", async () => {
    const config = (await (await fetch(`${url}/_emulator/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).json()) as { redactionJobs: unknown };
    expect(config.redactionJobs).toEqual({ sessionsPerSecond: 500, maxObjects: 7 });
  });

  test("SIGTERM shuts it down cleanly with exit code 0", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("SIGTERM: shutting down");
  });
});
