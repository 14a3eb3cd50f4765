/**
 * Error codes only from Stripe's own list (issue 11): the error-code union in the installed
 * `stripe` SDK's types. Checked two ways: every code the emulator's type allows is in the union,
 * and every code in the answers to a corpus of bad requests is too.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { startTestAccount, type TestEmulator } from "../helpers/emulator";

function sdkErrorCodes(): Set<string> {
  // The package exports no package.json; its main entry sits in cjs/.
  const file = path.join(path.dirname(require.resolve("stripe")), "resources", "SetupAttempts.d.ts");
  const line = readFileSync(file, "utf8").split("\n").find((l) => /type Code = .*'parameter_unknown'/.test(l));
  if (!line) throw new Error(`no error-code union with parameter_unknown in ${file}`);
  return new Set([...line.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]));
}

function emulatorCodeType(): string[] {
  const source = readFileSync(path.join(__dirname, "../../emulator/errors.ts"), "utf8");
  const block = /export type StripeErrorCode =([\s\S]*?);/.exec(source);
  if (!block) throw new Error("no StripeErrorCode in emulator/errors.ts");
  return [...block[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
}

let emu: TestEmulator;
let key: string;
beforeAll(async () => ({ emu, key } = await startTestAccount({ latencyMs: 0 })));
afterAll(() => emu.close());

const SESSIONS = "/v1/identity/verification_sessions";
const CORPUS: Array<[string, string, string?]> = [
  ["POST", SESSIONS, "type=selfie"],
  ["POST", SESSIONS, "type=document&colour=red"],
  ["POST", SESSIONS, "type=document&verification_flow=vf_1"],
  ["POST", SESSIONS, ""],
  ["POST", SESSIONS, "type=document&client_reference_id="],
  ["POST", SESSIONS, `type=document&client_reference_id=${"x".repeat(5001)}`],
  ["POST", SESSIONS, `type=document&metadata[k]=${"v".repeat(501)}`],
  ["POST", SESSIONS, `type=document&metadata[${"k".repeat(41)}]=v`],
  ["POST", SESSIONS, "type=document&options=abc"],
  ["POST", SESSIONS, "type=document&options[document][require_live_capture]=maybe"],
  ["POST", SESSIONS, "type=document&expand=last_verification_report"],
  ["POST", SESSIONS, "type=document&expand[0]=nothing"],
  ["POST", SESSIONS, "type=document&related_person[account]=acct_1"],
  ["POST", SESSIONS, "%%%"],
  ["GET", `${SESSIONS}?limit=ten`],
  ["GET", `${SESSIONS}?limit=1000`],
  ["GET", `${SESSIONS}?created[gt]=yesterday`],
  ["GET", `${SESSIONS}?status=done`],
  ["GET", `${SESSIONS}/vs_missing`],
  ["POST", `${SESSIONS}/vs_missing/cancel`, ""],
  ["GET", "/v1/identity/verification_reports?type=selfie"],
  ["GET", "/v1/identity/verification_reports/vr_missing"],
  ["GET", "/v1/identity/nothing"],
];

test("every code the emulator can send is one of Stripe's", () => {
  const union = sdkErrorCodes();
  expect(union.size).toBeGreaterThan(100);
  expect(emulatorCodeType().filter((code) => !union.has(code))).toEqual([]);
});

test("a corpus of bad requests is answered with Stripe's codes only", async () => {
  const union = sdkErrorCodes();
  const seen: string[] = [];
  for (const [method, url, body] of CORPUS) {
    const res = await fetch(`${emu.url}${url}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body !== undefined ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
      body,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const error = ((await res.json()) as { error: { code?: string } }).error;
    if (error.code !== undefined) seen.push(error.code);
  }
  expect(seen.filter((code) => !union.has(code))).toEqual([]);
  // The corpus does reach coded answers, so the check above checks something.
  expect(new Set(seen)).toEqual(new Set(["parameter_unknown", "parameters_exclusive", "parameter_missing", "parameter_invalid_empty", "parameter_invalid_integer", "resource_missing"]));
});
