/**
 * What a user of the harness sees when their program is wrong, held to what `pulumi up` does: type
 * errors fail the run, every bad resource is reported, a failed run says it failed, an exception
 * in the program keeps its file and line, and the command named in the help exists.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Harness, HarnessError } from "../../harness";
import { formatSummary } from "../../harness/format";
import { REPO, linkedWorkspace, type Workspace } from "./workspace";

jest.setTimeout(60_000);

let ws: Workspace;
beforeAll(() => {
  ws = linkedWorkspace("harness-user-errors-");
});
afterAll(() => ws.remove());

function program(name: string, source: string): string {
  const dir = path.join(ws.root, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, main: "index.ts" }));
  fs.writeFileSync(path.join(dir, "index.ts"), source);
  return dir;
}

const sessions = `
import { VerificationSession } from "pulumi-stripe-identity";
`;
const open = (dir: string, env?: Record<string, string>) =>
  Harness.open({ programDir: dir, config: { "stripe-identity:apiBase": "http://127.0.0.1:9" }, secrets: { "stripe-identity:apiKey": "sk_test_emulator_unused" }, env });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: HarnessError) => e);

test("a type error fails the run, as pulumi up type-checks TypeScript", async () => {
  const dir = program("type-error", `const n: number = "x";\nexport const out = n;\n`);
  const error = await failure((await open(dir, { PULUMI_NODEJS_TRANSPILE_ONLY: "" })).up());
  expect(error).toBeInstanceOf(HarnessError);
  expect(error!.message).toMatch(/TS2322/);
  expect(error!.message).toMatch(/index\.ts/);
  // Transpile-only, as PULUMI_NODEJS_TRANSPILE_ONLY=true makes `pulumi up` too: it runs.
  await expect((await open(dir, { PULUMI_NODEJS_TRANSPILE_ONLY: "true" })).up()).resolves.toMatchObject({ ok: true });
});

test("every resource that fails its check is reported, not only one", async () => {
  const dir = program(
    "two-bad",
    `${sessions}
new VerificationSession("first", { type: "document", options: { document: { allowedTypes: ["selfie" as "passport"] } } });
new VerificationSession("second", { type: "document", processingTimeoutSeconds: -5 });
`,
  );
  const error = await failure((await open(dir)).preview());
  expect(error!.summary.errors).toHaveLength(2);
  expect(error!.message).toMatch(/first .*allowedTypes\[0\]/);
  expect(error!.message).toMatch(/second .*processingTimeoutSeconds/);
  const text = formatSummary(error!.summary).join("\n");
  expect(text).toMatch(/^Duration: [\d.]+s \(preview failed\)$/m);
  expect(text.match(/^error: /gm)).toHaveLength(2);
});

test("an exception in the program keeps its file and line", async () => {
  const dir = program("throws", `\n\nfunction boom(): never {\n  throw new Error("no region configured");\n}\nboom();\n`);
  const error = await failure((await open(dir)).up());
  expect(error!.message).toMatch(/no region configured/);
  expect(error!.message).toMatch(/index\.ts:4:\d+/);
});

test("the harness command its help names exists as the package's bin", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { bin: Record<string, string> };
  expect(pkg.bin["stripe-identity-harness"]).toBe("dist/harness/cli.js");
  const help = execFileSync(process.execPath, [path.join(REPO, pkg.bin["stripe-identity-harness"]), "--help"], { encoding: "utf8" });
  expect(help).toMatch(/^Usage: stripe-identity-harness /);
});

test("a failed destroy reports the failed step with its error in --json", async () => {
  const dir = program("fails-delete", fs.readFileSync(path.join(__dirname, "fixtures", "notes", "index.ts"), "utf8"));
  fs.copyFileSync(path.join(__dirname, "fixtures", "notes", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const data = path.join(ws.root, "notes-data");
  fs.mkdirSync(data);
  const env = { ...process.env, PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
  const cli = (op: string) => spawnSync(process.execPath, [path.join(REPO, "dist", "harness", "cli.js"), op, "--dir", dir, "--config", `harness-notes:dir=${data}`, "--json"], { encoding: "utf8", env });
  expect(cli("up").status).toBe(0);
  fs.writeFileSync(path.join(data, "fail-delete-a"), ""); // the notes fixture refuses to delete slug "a"
  const destroy = cli("destroy");
  expect(destroy.status).toBe(1);
  const summary = JSON.parse(destroy.stdout) as { ok: boolean; steps: { name: string; op: string; error?: string }[] };
  expect(summary.ok).toBe(false);
  expect(summary.steps.find((s) => s.name === "first")).toMatchObject({ op: "delete", error: expect.stringMatching(/refused by a marker file/) });
});
