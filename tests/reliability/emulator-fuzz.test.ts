/**
 * Fuzzing the emulator over raw HTTP (issue 6 item 3): bodies, query strings and headers, valid,
 * nearly valid and junk (content types, huge values, deep brackets, invalid UTF-8, bad auth), at
 * every route of the API and of the control API. With faults off it answers 2xx or 4xx, never
 * 5xx, never drops a connection, never echoes a key; afterwards its store is consistent: every
 * session is well-formed, retrievable and listed exactly once, and pages agree with the dump.
 */
import { connect } from "node:net";
import fc from "fast-check";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator";
import { isWellFormedKey } from "../../provider/stripe/keys";
import { componentValidator } from "../helpers/openapi";
import { encode, presentedKey, requestArbitraries } from "./emulator-arbitraries";
import { encodeRequest, sendRaw, type RawRequest, type RawResponse } from "./raw-http";
import { LONG, report, SEED } from "./support";

const RUNS = LONG ? 4000 : 400;
const SESSIONS = "/v1/identity/verification_sessions";

let emulator: TestEmulator;
let port: number;
let key: string;
const bugs: string[] = [];
/** Ids the emulator said it created for `key` (create 200s, seeds): the store must hold exactly these. */
const created = new Set<string>();
const statuses: Record<string, number> = {};
const known: string[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ seed: SEED, log: (line) => line.startsWith("emulator bug") && bugs.push(line) });
  port = Number(new URL(emulator.url).port);
  key = emulator.newKey();
  const seeded = await emulator.control.seed({ apiKey: key, count: 12, status: "verified", created: { from: 1_700_000_000, to: 1_700_000_100 } });
  const open = await emulator.control.seed({ apiKey: key, count: 12, clientReferenceIdPrefix: "fz_" });
  for (const id of [...seeded.ids, ...open.ids]) {
    created.add(id);
    known.push(id);
  }
});
afterAll(async () => {
  const stats = await emulator.control.stats();
  report("emulator-fuzz", { ...cases, statuses: JSON.stringify(statuses), sessions: created.size, requests: Object.values(stats.requests).reduce((a, b) => a + b, 0) });
  await emulator.close();
});

const { junkText, idSegment, form, body, contentType, credential, extraHeaders, routeTarget } = requestArbitraries({ key: () => key, known });

// ---------- checks ----------

function tally(response: RawResponse): void {
  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
}

/** The invariants of any one answer. Returns a problem or undefined. */
function problemWith(response: RawResponse, request: RawRequest): string | undefined {
  if (response.status >= 500) return `HTTP ${response.status}: ${response.body.slice(0, 200)}`;
  if (response.status < 200) return `HTTP ${response.status}`;
  // Node's HTTP parser answers some junk itself (bad request line, header too large, bad Expect)
  // before the emulator sees it: a bare 4xx, not JSON.
  if (!response.headers["content-type"]?.startsWith("application/json")) {
    return [400, 417, 431].includes(response.status) ? undefined : `HTTP ${response.status} without a JSON body`;
  }
  if (response.body !== "" && request.method !== "HEAD") {
    let parsed: { error?: { type?: string; message?: string } };
    try {
      parsed = JSON.parse(response.body);
    } catch {
      return `non-JSON body: ${response.body.slice(0, 80)}`;
    }
    if (response.status >= 400 && (typeof parsed.error?.type !== "string" || typeof parsed.error?.message !== "string")) return `error without type/message: ${response.body.slice(0, 120)}`;
    if (response.status >= 400 && /\n\s+at /.test(parsed.error?.message ?? "")) return "stack trace in an error message";
  }
  const auth = request.headers?.find(([n]) => n === "Authorization")?.[1];
  const token = typeof auth === "string" ? auth.replace(/^\S+\s+/, "") : "";
  if (token.length >= 12 && response.body.includes(token)) return "the response echoes the credential";
  return undefined;
}

async function exchange(request: RawRequest): Promise<RawResponse> {
  let response: RawResponse;
  try {
    response = await sendRaw(port, encodeRequest(request));
  } catch (error) {
    throw new Error(`${request.method} ${request.target.slice(0, 120)}: ${(error as Error).message}`);
  }
  tally(response);
  const problem = problemWith(response, request);
  if (problem) throw new Error(`${request.method} ${request.target.slice(0, 120)} -> ${problem}`);
  return response;
}

/** Records what the API said it created, so the store can be checked against it. */
function noteCreated(request: RawRequest, response: RawResponse): void {
  if (response.status !== 200 || request.method !== "POST") return;
  const auth = request.headers?.find(([n]) => n === "Authorization")?.[1];
  const ours = typeof auth === "string" && presentedKey(auth) === key;
  const id = (JSON.parse(response.body) as { id?: string }).id;
  if (ours && id && request.target.split("?")[0] === SESSIONS) created.add(id);
}

const cases: Record<string, number> = {};

test(`API routes: bodies, queries, content types and headers (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(routeTarget(), form, body, contentType, credential(), extraHeaders, async (route, query, payload, type, auth, extra) => {
      cases.api = (cases.api ?? 0) + 1;
      const headers: [string, string | Buffer][] = [];
      if (auth !== undefined) headers.push(["Authorization", auth]);
      if (type !== "") headers.push(["Content-Type", type.replace(/[\r\n]/g, "")]);
      for (const [name, value] of extra) headers.push([name, value.replace(/[\r\n]/g, "")]);
      const target = route.path + (query !== "" && route.method !== "POST" ? `?${query.replace(/[\s#]/g, "")}` : "");
      const request: RawRequest = { method: route.method, target, headers, body: route.method === "POST" ? payload : undefined };
      noteCreated(request, await exchange(request));
    }),
    { numRuns: RUNS, seed: SEED },
  );
  await expectConsistentStore();
});

test(`Authorization header alone, at a valid request (${Math.round(RUNS / 2)} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(credential(), fc.constantFrom("GET", "POST"), async (auth, method) => {
      cases.auth = (cases.auth ?? 0) + 1;
      const headers: [string, string][] = auth === undefined ? [] : [["Authorization", auth.replace(/[\r\n]/g, "")]];
      const request: RawRequest = { method, target: SESSIONS + (method === "GET" ? "?limit=1" : ""), headers, body: method === "POST" ? "type=document&client_reference_id=auth_fuzz" : undefined };
      const response = await exchange(request);
      noteCreated(request, response);
      // Any well-formed key is an account of its own; anything else is a 401.
      const presented = auth === undefined ? "" : presentedKey(auth);
      const acceptable = isWellFormedKey(presented) && presented.length <= 255;
      if (acceptable !== (response.status !== 401)) throw new Error(`${JSON.stringify(auth?.slice(0, 40))} -> ${response.status}`);
    }),
    { numRuns: Math.round(RUNS / 2), seed: SEED + 1 },
  );
  await expectConsistentStore();
});

test(`control API: JSON bodies and queries at every route (${Math.round(RUNS / 2)} cases)`, async () => {
  const field = fc.constantFrom("apiKey", "count", "status", "created", "metadata", "clientReferenceIdPrefix", "type", "to", "lastError", "code", "reason", "from", "latencyMs", "faults", "rateLimit", "seed", "errorRate", "test", "live");
  const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(key, "requires_input", "processing", "verified", "document_expired", 0, 1, 3, -1, 1.5, 2 ** 40, null));
  const json = fc.oneof(
    fc.dictionary(field, value, { maxKeys: 4 }).map((o) => JSON.stringify(o)),
    fc.record({ apiKey: fc.constant(key), count: fc.integer({ min: -2, max: 3 }) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    fc.record({ to: fc.constantFrom("processing", "verified", "requires_input", "canceled") }).map((o) => JSON.stringify(o)),
    junkText,
  );
  const path = fc.oneof(
    idSegment.map((id) => `/_emulator/verification_sessions/${id}/transition`),
    fc.constantFrom("/_emulator/seed", "/_emulator/config", "/_emulator/stats", "/_emulator/unknown", "/_emulator/", "/_emulator/verification_sessions//transition"),
    junkText.map((q) => `/_emulator/sessions?apiKey=${encode(q)}`),
    fc.constant(`/_emulator/sessions?apiKey=${encodeURIComponent(key)}&x[${"[a]".repeat(30)}]=1`),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("GET", "POST", "PUT"), path, json, contentType, async (method, target, payload, type) => {
      cases.control = (cases.control ?? 0) + 1;
      const request: RawRequest = { method, target, headers: [["Content-Type", type.replace(/[\r\n]/g, "")]], body: method === "GET" ? undefined : payload };
      const response = await exchange(request);
      if (response.status === 200 && target === "/_emulator/seed" && JSON.parse(payload).apiKey === key) {
        for (const id of (JSON.parse(response.body) as { ids: string[] }).ids) created.add(id);
      }
      // A config the fuzzer managed to make valid (latency, faults) must not leak into later cases.
      if (target === "/_emulator/config" && response.status === 200) {
        await emulator.control.config({ latencyMs: 0, jitterMs: 0, rateLimit: null, faults: { errorRate: 0, resetRate: 0, lostResponseRate: 0 }, redactionDelayMs: 0 });
      }
    }),
    { numRuns: Math.round(RUNS / 2), seed: SEED + 2 },
  );
  await expectConsistentStore();
});

test("raw junk on the wire: request lines and bytes the parser must refuse without a crash", async () => {
  const lines = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.string({ maxLength: 60 }).map((s) => Buffer.from(`${s}\r\n\r\n`)),
    fc.constantFrom("GET /v1/identity/verification_sessions HTTP/9.9\r\n\r\n", "POST /v1/identity/verification_sessions HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "POST /v1/identity/verification_sessions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", "GET\r\n\r\n").map((s) => Buffer.from(s)),
  );
  await fc.assert(
    fc.asyncProperty(lines, async (bytes) => {
      cases.wire = (cases.wire ?? 0) + 1;
      // Some junk is an incomplete request: the server may close or reset without an answer, or wait
      // for the rest (no answer within the limit). Anything else (refused: the emulator died) fails.
      const response = await sendRaw(port, bytes, 500).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNRESET" || error.code === "EPIPE" || /^no (answer|HTTP response)/.test(error.message)) return undefined;
        throw error;
      });
      if (response) tally(response);
      if (response && response.status >= 500) throw new Error(`HTTP ${response.status} for ${JSON.stringify(bytes.toString("latin1").slice(0, 60))}`);
    }),
    { numRuns: Math.round(RUNS / 4), seed: SEED + 3 },
  );
  // Still serving, and nothing it failed on.
  await expectConsistentStore();
});

test("clients that hang up mid-body, at every POST route: no bug, no crash, nothing stored", async () => {
  const before = (await emulator.control.sessions(key)).length;
  const routes = fc.constantFrom(SESSIONS, `${SESSIONS}/${known[0]}`, `${SESSIONS}/${known[13]}/cancel`, "/_emulator/seed", "/_emulator/config", `/_emulator/verification_sessions/${known[14]}/transition`);
  await fc.assert(
    fc.asyncProperty(routes, fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 500 }), async (target, sent, declared) => {
      cases.aborted = (cases.aborted ?? 0) + 1;
      const body = Buffer.from("type=document&metadata[a]=b&client_reference_id=aborted".padEnd(declared, "x"));
      const head = `POST ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${declared + 1}\r\n\r\n`;
      await new Promise<void>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.write(Buffer.concat([Buffer.from(head), body.subarray(0, Math.min(sent, declared))]));
          setTimeout(() => socket.destroy(), 2);
        });
        socket.on("error", () => undefined);
        socket.on("close", () => resolve());
      });
    }),
    { numRuns: Math.round(RUNS / 8), seed: SEED + 4 },
  );
  // No body was complete, so nothing can be stored whenever the server notices the hang-ups.
  expect((await emulator.control.sessions(key)).length).toBe(before);
  await expectConsistentStore();
});

/**
 * The store after any fuzzing: no emulator bug logged; every session well-formed, exactly the ones
 * the API said it created, listable in both directions and retrievable. Each fuzzing test ends
 * with it, so each stands alone (also under -t).
 */
async function expectConsistentStore(): Promise<void> {
  expect(bugs).toEqual([]);
  const dump = await emulator.control.sessions(key);
  const validator = componentValidator("identity.verification_session");
  const wellFormed = (session: unknown): boolean => validator(session) === true;
  expect(dump.filter((s) => !wellFormed(s)).map((s) => s.id)).toEqual([]);
  // Exactly what the API said it created: nothing lost, nothing extra.
  expect(new Set(dump.map((s) => s.id))).toEqual(created);

  // Walk the list with the SDK, newest first, small pages: same ids, same order, each once.
  const stripe = emulator.stripe(key).identity.verificationSessions;
  const walked: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await stripe.list({ limit: 7, ...(after ? { starting_after: after } : {}) });
    walked.push(...page.data.map((s) => s.id));
    if (!page.has_more) break;
    after = page.data[page.data.length - 1].id;
  }
  expect(walked).toEqual(dump.map((s) => s.id));
  // And back, with ending_before from the oldest.
  const back: string[] = [];
  let before = walked[walked.length - 1];
  back.unshift(before);
  for (;;) {
    const page = await stripe.list({ limit: 5, ending_before: before });
    back.unshift(...page.data.map((s) => s.id));
    if (!page.has_more) break;
    before = page.data[0].id;
  }
  expect(back).toEqual(walked);
  for (const s of dump) expect(await stripe.retrieve(s.id)).toMatchObject({ id: s.id, status: s.status });
}

test("a seed applied again mid-run never reissues an id (no collision, no 500, transitions hit the right session)", async () => {
  const own = await startTestEmulator();
  try {
    const [a, b] = [own.newKey(), own.newKey()];
    const ids: string[] = [];
    for (const k of [a, a, b]) {
      await own.control.config({ seed: 5 });
      ids.push((await own.stripe(k).identity.verificationSessions.create({ type: "document" })).id);
      ids.push(...(await own.control.seed({ apiKey: k, count: 2, status: "verified" })).ids);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // The control API finds sessions by id alone: it must move b's session, not a's.
    await own.control.transition(ids[6], "processing");
    expect((await own.control.sessions(b)).find((s) => s.id === ids[6])?.status).toBe("processing");
    expect((await own.control.sessions(a)).every((s) => s.status !== "processing")).toBe(true);
  } finally {
    await own.close();
  }
});
