/**
 * Harness self-test: the notes fixture (an inline dynamic provider that keeps files, no network)
 * driven through the real dynamic-provider process. Proves the engine rules independently of the
 * Stripe resources. One lifecycle, in order: each test starts from the state the previous left.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Harness, HarnessError, type Summary } from "../../harness";
import { linkedWorkspace, noteCalls, type Workspace } from "./workspace";

jest.setTimeout(60_000);

const FIXTURE = path.join(__dirname, "fixtures", "notes");
let ws: Workspace;
let programDir: string;
let data: string;

function open(config: Record<string, string> = {}, dir = programDir): Promise<Harness> {
  return Harness.open({ programDir: dir, stack: "dev", config: { "harness-notes:dir": data, ...config } });
}
const ops = (s: Summary) => s.steps.filter((x) => x.type === "pulumi-nodejs:dynamic:Resource").map((x) => `${x.op} ${x.name}`);
const files = () => fs.readdirSync(data).filter((f) => f.endsWith(".txt")).sort();

beforeAll(() => {
  ws = linkedWorkspace();
  programDir = ws.add("notes", FIXTURE);
  data = path.join(ws.root, "data");
  fs.mkdirSync(data);
});
afterAll(() => ws.remove());

test("preview of a new stack plans creates and performs nothing", async () => {
  const summary = await (await open()).preview();
  expect(ops(summary)).toEqual(["create first", "create second"]);
  expect(summary.outputs.firstPath).toBe("[unknown]");
  expect(summary.pulumiCopies).toHaveLength(1);
  expect(noteCalls(data)).toEqual([]);
  expect(fs.existsSync(path.join(programDir, ".harness-state", "dev.json"))).toBe(false);
});

test("up creates through the provider process; outputs flow into other resources", async () => {
  const summary = await (await open()).up();
  expect(ops(summary)).toEqual(["create first", "create second"]);
  expect(summary.outputs.secondText).toBe(`see ${summary.outputs.firstPath}`);
  expect(summary.outputs.token).toBe("[secret]");
  expect(summary.outputs.project).toBe("harness-notes");
  expect(files()).toHaveLength(2);
  // Provider console output reaches the harness's logs, attributed to the step.
  const created = summary.logs.find((l) => l.source === "provider" && l.message.startsWith("created note a-"));
  expect(created?.urn).toMatch(/Notebook\$pulumi-nodejs:dynamic:Resource::first$/);
});

test("state: secrets sealed, not plaintext; components and parents recorded", async () => {
  const text = fs.readFileSync(path.join(programDir, ".harness-state", "dev.json"), "utf8");
  expect(text).not.toContain("s3cret-input");
  expect(text).not.toMatch(/tok-[a-z]-[a-z0-9]{6}/);
  expect(text).toContain('"ciphertext"');
  const state = JSON.parse(text) as { resources: { type: string; parent?: string; name: string }[] };
  expect(state.resources.map((r) => r.name)).toEqual(["harness-notes-dev", "book", "first", "second"]);
  expect(state.resources[2].parent).toMatch(/Notebook::book$/);
});

test("no-op preview and up: every step `same`, no provider writes", async () => {
  const before = noteCalls(data).length;
  const preview = await (await open()).preview();
  expect(preview.steps.every((s) => s.op === "same")).toBe(true);
  const up = await (await open()).up();
  expect(up.steps.every((s) => s.op === "same")).toBe(true);
  expect(noteCalls(data).length).toBe(before);
});

test("update in place", async () => {
  const summary = await (await open({ "harness-notes:text": "changed" })).up();
  expect(ops(summary)).toEqual(["update first", "same second"]);
  expect(summary.steps.find((s) => s.name === "first")?.changedKeys).toEqual(["text"]);
  expect(fs.readFileSync(String(summary.outputs.firstPath), "utf8")).toBe("changed");
});

test("replace on a create-only change: create the new one, then delete the old", async () => {
  const before = noteCalls(data).length;
  const summary = await (await open({ "harness-notes:text": "changed", "harness-notes:slug": "z" })).up();
  const first = summary.steps.find((s) => s.name === "first")!;
  expect(first).toMatchObject({ op: "replace", replaces: ["slug"], deleteBeforeReplace: false });
  // second's text derives from first's path, which changed: an update with the real new value.
  expect(ops(summary)).toEqual(["replace first", "update second"]);
  const calls = noteCalls(data).slice(before).map((c) => `${c.op} ${c.id.split("-")[0]}`);
  expect(calls).toEqual(["create z", "update b", "delete a"]);
  expect(summary.outputs.secondText).toBe(`see ${summary.outputs.firstPath}`);
});

test("deleteBeforeReplace deletes first", async () => {
  const before = noteCalls(data).length;
  const config = { "harness-notes:text": "changed", "harness-notes:slug": "z", "harness-notes:dbr": "true" };
  await (await open(config)).up();
  const summary = await (await open({ ...config, "harness-notes:secondSlug": "y" })).up();
  expect(summary.steps.find((s) => s.name === "second")).toMatchObject({ op: "replace", deleteBeforeReplace: true });
  const calls = noteCalls(data).slice(before).map((c) => `${c.op} ${c.id.split("-")[0]}`);
  expect(calls).toEqual(["delete b", "create y"]);
});

const current = { "harness-notes:text": "changed", "harness-notes:slug": "z", "harness-notes:secondSlug": "y" };

test("a resource removed from the program is deleted at the end of up", async () => {
  const withThird = await (await open({ ...current, "harness-notes:third": "true" })).up();
  expect(ops(withThird)).toContain("create third");
  const preview = await (await open(current)).preview();
  expect(ops(preview)).toContain("delete third");
  const summary = await (await open(current)).up();
  expect(ops(summary)).toEqual(["same first", "same second", "delete third"]);
  expect(files().some((f) => f.startsWith("c-"))).toBe(false);
});

test("refresh sees a resource deleted out of band; the next up recreates it", async () => {
  const [first] = files().filter((f) => f.startsWith("z-"));
  fs.rmSync(path.join(data, first));
  const refresh = await (await open(current)).refresh();
  expect(refresh.steps.find((s) => s.name === "first")).toMatchObject({ op: "read", gone: true });
  expect(refresh.steps.find((s) => s.name === "second")).toMatchObject({ op: "read", changedKeys: [] });
  const up = await (await open(current)).up();
  expect(ops(up)).toEqual(["create first", "update second"]);
});

test("one operation at a time per stack: a second one is refused; a dead run's lock is taken over", async () => {
  const stateFile = path.join(programDir, ".harness-state", "dev.json");
  // An operation in progress in a live process holds the lock (this test process stands in for it:
  // two real runs overlap only by chance, since each starts its own runner process).
  fs.writeFileSync(`${stateFile}.lock`, String(process.pid));
  const before = fs.readFileSync(stateFile, "utf8");
  await expect((await open(current)).refresh()).rejects.toThrow(new RegExp(`is locked by another harness operation \\(pid ${process.pid}\\)`));
  expect(fs.readFileSync(`${stateFile}.lock`, "utf8")).toBe(String(process.pid));
  expect(fs.readFileSync(stateFile, "utf8")).toBe(before);
  fs.rmSync(`${stateFile}.lock`);
  // Two at once: whichever way they interleave, a refused one says why and the lock is released.
  const [a, b] = await Promise.allSettled([(await open(current)).refresh(), (await open(current)).refresh()]);
  const outcomes = [a, b].map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as Error).message));
  expect(outcomes.filter((o) => o === "ok").length).toBeGreaterThanOrEqual(1);
  for (const refused of outcomes.filter((o) => o !== "ok")) expect(refused).toMatch(/is locked by another harness operation \(pid \d+\)/);
  expect(fs.existsSync(`${stateFile}.lock`)).toBe(false);
  fs.writeFileSync(`${stateFile}.lock`, "999999"); // a run killed with SIGKILL leaves this behind
  await (await open(current)).refresh();
  expect(fs.existsSync(`${stateFile}.lock`)).toBe(false);
});

test("protect refuses destroy and touches nothing; retainOnDelete keeps the resource", async () => {
  await (await open({ ...current, "harness-notes:protect": "true" })).up();
  const count = files().length;
  await expect((await open(current)).destroy()).rejects.toThrow(/protected resources .*::second/);
  expect(files().length).toBe(count);
  await (await open({ ...current, "harness-notes:retain": "true" })).up();
  const secondFile = files().find((f) => f.startsWith("y-"))!;
  // An interrupted destroy: first's delete fails; the rerun finishes from the state left behind.
  fs.writeFileSync(path.join(data, "fail-delete-z"), "");
  const failed = await (await open()).destroy().catch((e: HarnessError) => e.summary);
  expect(failed.ok).toBe(false);
  expect(failed.error).toMatch(/refused by a marker file/);
  // As the engine does: the failed step is reported with its error, and the run stops there.
  expect(failed.steps).toEqual([
    expect.objectContaining({ op: "delete", name: "second", retained: true }),
    expect.objectContaining({ op: "delete", name: "first", error: expect.stringMatching(/refused by a marker file/) }),
  ]);
  fs.rmSync(path.join(data, "fail-delete-z"));
  const summary = await (await open()).destroy();
  expect(summary.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["delete first", "delete book", "delete harness-notes-dev"]);
  expect(files()).toEqual([secondFile]);
  expect(JSON.parse(fs.readFileSync(summary.stateFile, "utf8")).resources).toEqual([]);
});

test("bad program: an invalid arg fails preview with the field named; nothing is created", async () => {
  const before = noteCalls(data).length;
  const error = await (await open({ "harness-notes:broken": "true" })).preview().catch((e: HarnessError) => e);
  expect(error).toBeInstanceOf(HarnessError);
  expect((error as HarnessError).message).toMatch(/first .*check failed: text: text must be at most 200 characters/);
  expect(noteCalls(data).slice(before).filter((c) => c.op !== "read")).toEqual([]);
});

test("state written in one folder destroys after program and state move to another path", async () => {
  const a = ws.add("moved-from", FIXTURE);
  const stateA = path.join(ws.root, "state-a", "dev.json");
  const up = await Harness.open({ programDir: a, config: { "harness-notes:dir": data }, stateFile: stateA }).then((h) => h.up());
  const created = up.steps.filter((s) => s.op === "create" && s.type === "pulumi-nodejs:dynamic:Resource").map((s) => s.id);
  const b = path.join(ws.root, "elsewhere", "deeper", "notes");
  fs.mkdirSync(path.dirname(b), { recursive: true });
  fs.cpSync(a, b, { recursive: true });
  fs.cpSync(stateA, path.join(b, "state.json"));
  fs.rmSync(a, { recursive: true });
  fs.rmSync(path.dirname(stateA), { recursive: true });
  const destroy = await (await Harness.open({ programDir: b, config: { "harness-notes:dir": data }, stateFile: path.join(b, "state.json") })).destroy();
  expect(destroy.steps.filter((s) => s.type === "pulumi-nodejs:dynamic:Resource").map((s) => s.id).sort()).toEqual(created.sort());
  expect(files().some((f) => created.some((id) => f.startsWith(String(id))))).toBe(false);
});
