import { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { ConfigPatch, mergeConfig } from "./config";
import { invalidRequest, notFoundRoute, resourceMissing, RestError } from "./errors";
import { readBody, send } from "./http";
import { SeedRequest, seed, TransitionRequest, transition } from "./lifecycle";
import { paramName } from "./params";
import { failJob, finishJobPhase, jobRedactionStatus } from "./redaction-jobs";
import { renderJob } from "./redaction-job-render";
import { renderSession } from "./render";
import { ACCOUNT_ID, EmulatorState } from "./state";
import { isWellFormedKey } from "../provider/stripe/keys";

/** `POST /_emulator/redactions/finish`: every pending redaction (of one key's accounts, or all) done now. */
const FinishRequest = z.strictObject({ apiKey: z.string().optional() });

/** `POST /_emulator/connected_accounts`: lets a platform key act for a connected account. */
const ConnectRequest = z.strictObject({
  apiKey: z.string().refine(isWellFormedKey, "expected a well-formed key such as sk_test_..."),
  stripeAccount: z.string().regex(ACCOUNT_ID, "expected a connected account id such as acct_1A2b3C"),
});

/**
 * The control API (JSON, not part of Stripe; docs/architecture.md, "Emulator contract"). Never rate limited, faulted
 * or delayed. Errors use the same `{"error": {...}}` shape as the API.
 */
const TRANSITION = /^\/_emulator\/verification_sessions\/([^/]+)\/transition$/;
/** `POST /_emulator/redaction_jobs/:id/finish` and `.../fail`: Stripe's side of a Redaction Job, now. */
const JOB_CONTROL = /^\/_emulator\/redaction_jobs\/([^/]+)\/(finish|fail)$/;
const FailJobRequest = z.strictObject({
  code: z.enum(["invalid_cascading_source", "invalid_file_purpose", "invalid_state", "locked_by_other_job", "too_many_objects"]).optional(),
  message: z.string().max(5000).optional(),
});

export async function handleControl(
  state: EmulatorState, req: IncomingMessage, res: ServerResponse, method: string, path: string, query: string,
): Promise<number> {
  try {
    const body = method === "POST" ? await readBody(req) : (req.resume(), "");
    const result = route(state, method, path, query, body);
    send(res, 200, JSON.stringify(result));
    return 200;
  } catch (error) {
    if (!(error instanceof RestError)) throw error;
    send(res, error.status, error.toJson());
    return error.status;
  }
}

function route(state: EmulatorState, method: string, path: string, query: string, body: string): object {
  if (method === "POST" && path === "/_emulator/reset") {
    state.reset();
    return { ok: true };
  }
  if (method === "GET" && path === "/_emulator/stats") return state.stats;
  if (method === "POST" && path === "/_emulator/config") {
    const patch = parseJson(ConfigPatch, body);
    try {
      state.setConfig(mergeConfig(state.config, patch), patch.seed !== undefined);
    } catch (error) {
      throw invalidRequest((error as Error).message, { param: "faults" });
    }
    return state.config;
  }
  const transitionMatch = method === "POST" ? TRANSITION.exec(path) : null;
  if (transitionMatch) {
    const id = safeDecode(transitionMatch[1]);
    const session = transition(state, id, parseJson(TransitionRequest, body));
    const account = state.sessionOwners.get(id);
    return account ? renderSession(session, account, state.clock(), "all", (s) => jobRedactionStatus(state, account, s)) : {};
  }
  const jobMatch = method === "POST" ? JOB_CONTROL.exec(path) : null;
  if (jobMatch) {
    const id = safeDecode(jobMatch[1]);
    const account = state.jobOwners.get(id);
    const job = account?.redactionJobs.get(id);
    if (!account || !job) throw resourceMissing("privacy.redaction_job", id);
    if (jobMatch[2] === "finish") return renderJob(finishJobPhase(state, account, job), true);
    const { code, message } = parseJson(FailJobRequest, body);
    return renderJob(failJob(state, account, job, code ?? "invalid_state", message), true);
  }
  if (method === "GET" && path === "/_emulator/events") {
    const params = new URLSearchParams(query);
    const apiKey = params.get("apiKey");
    if (!apiKey) throw invalidRequest("Missing required query parameter: apiKey.", { param: "apiKey" });
    const account = state.peekAccount(apiKey, params.get("stripeAccount") || null);
    return { data: account ? [...account.events] : [] };
  }
  if (method === "POST" && path === "/_emulator/seed") return { ids: seed(state, parseJson(SeedRequest, body)) };
  if (method === "POST" && path === "/_emulator/redactions/finish") {
    // Stripe takes up to four days to finish a redaction; tests need it done now.
    const { apiKey } = parseJson(FinishRequest, body || "{}");
    const now = state.clock();
    let finished = 0;
    for (const account of state.accounts.values()) {
      if (apiKey !== undefined && account.key !== apiKey) continue;
      for (const session of account.sessions.newestFirst()) {
        if (session.redacted_at_ms !== null && session.redacted_at_ms > now) {
          session.redacted_at_ms = now;
          finished++;
        }
      }
    }
    return { finished };
  }
  if (method === "POST" && path === "/_emulator/connected_accounts") {
    const { apiKey, stripeAccount } = parseJson(ConnectRequest, body);
    state.connect(apiKey, stripeAccount);
    return { ok: true };
  }
  if (method === "GET" && path === "/_emulator/sessions") {
    const params = new URLSearchParams(query);
    const apiKey = params.get("apiKey");
    if (!apiKey) throw invalidRequest("Missing required query parameter: apiKey.", { param: "apiKey" });
    const account = state.peekAccount(apiKey, params.get("stripeAccount") || null);
    const now = state.clock();
    return { data: account ? account.sessions.newestFirst().map((s) => renderSession(s, account, now, "all", (held) => jobRedactionStatus(state, account, held))) : [] };
  }
  throw notFoundRoute(method, path);
}

/** JSON body -> schema; bad JSON or a failed check is a 400 naming the field. */
function parseJson<S extends z.ZodType>(schema: S, body: string): z.output<S> {
  let value: unknown;
  try {
    value = body === "" ? {} : JSON.parse(body);
  } catch (error) {
    throw invalidRequest(`Invalid JSON body: ${(error as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  const param = paramName(path) || "body";
  const message = issue.code === "unrecognized_keys" ? `Unknown field: ${param}` : `Invalid ${param}: ${issue.message}`;
  throw invalidRequest(message, { param });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
