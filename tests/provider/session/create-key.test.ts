/**
 * No duplicate session from a rerun after a create that committed in Stripe but whose every answer
 * was lost (issue 10 item 6): the create key derives from the stack, resource and inputs, and a
 * replay is re-read before it is taken.
 */
import { canonicalJson, createIdempotencyKey } from "../../../provider/session/create-key";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator";
import { bindProvider, callsDuring, CREATE, createSession, RETRIEVE } from "./fixture";

jest.setTimeout(60_000);

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());

const tag = { project: "shop", stack: "dev", resource: "kyc" };
const args = { type: "document", clientReferenceId: "user_7", pulumiTag: tag };

describe("createIdempotencyKey (pure)", () => {
  it("is the same for equal params in any key order, different for another resource, stack or param", () => {
    const key = createIdempotencyKey(tag, { type: "document", metadata: { a: "1", b: "2" } });
    expect(createIdempotencyKey({ resource: "kyc", stack: "dev", project: "shop" }, { metadata: { b: "2", a: "1" }, type: "document" })).toBe(key);
    expect(createIdempotencyKey({ ...tag, resource: "kyc2" }, { type: "document", metadata: { a: "1", b: "2" } })).not.toBe(key);
    expect(createIdempotencyKey({ ...tag, stack: "prod" }, { type: "document", metadata: { a: "1", b: "2" } })).not.toBe(key);
    expect(createIdempotencyKey(tag, { type: "id_number", metadata: { a: "1", b: "2" } })).not.toBe(key);
    expect(key.length).toBeLessThanOrEqual(255);
    expect(canonicalJson({ b: [1, { d: 1, c: undefined }], a: null })).toBe('{"a":null,"b":[1,{"d":1}]}');
  });
});

describe("create after a create that committed but never answered", () => {
  it("a rerun takes the session the lost create made: one session, not two", async () => {
    const bound = bindProvider(emulator);
    await emulator.control.config({ faults: { lostResponseRate: 1 } });
    const lost = await createSession(bound, args).catch((error: unknown) => error);
    await emulator.control.config({ faults: { lostResponseRate: 0 } });
    expect(lost).toBeInstanceOf(Error);
    const made = await emulator.control.sessions(bound.key);
    expect(made).toHaveLength(1);

    let rerun: { id: string } | undefined;
    const calls = await callsDuring(emulator, async () => {
      rerun = await createSession(bound, args);
    });
    expect(rerun!.id).toBe(made[0].id);
    expect(calls).toEqual({ [CREATE]: 1, [RETRIEVE]: 1 });
    expect(await emulator.control.sessions(bound.key)).toHaveLength(1);
    expect(bound.logs.some((l) => /an earlier create of this resource had made vs_\w+ already/.test(l.message))).toBe(true);
  });

  it("a replayed session an earlier delete canceled is not taken: a new one is made", async () => {
    const bound = bindProvider(emulator);
    const first = await createSession(bound, args);
    await bound.provider.delete(first.id, first.state); // deletionPolicy cancel (default)
    const second = await createSession(bound, args);
    expect(second.id).not.toBe(first.id);
    const live = new Map((await emulator.control.sessions(bound.key)).map((s) => [s.id, s.status]));
    expect(live.get(first.id)).toBe("canceled");
    expect(live.get(second.id)).toBe("requires_input");
    expect(bound.logs.some((l) => /is canceled; creating a new one/.test(l.message))).toBe(true);
  });

  it("a normal create is one API call", async () => {
    const bound = bindProvider(emulator);
    const calls = await callsDuring(emulator, () => createSession(bound, { ...args, clientReferenceId: "user_8" }));
    expect(calls).toEqual({ [CREATE]: 1 });
  });
});
