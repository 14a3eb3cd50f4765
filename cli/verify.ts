/**
 * `stripe-identity-sweep verify FILE`: checks an evidence file's hash chain, then re-reads every
 * session it says was redacted (or was about to redact when a run was killed). Exit 0 when all are
 * `redacted`, 4 when some are still processing (listed, with how long since), 5 when the file is
 * broken (the line at fault named: edited, removed, reordered, truncated, a header without its
 * footer, a footer that does not count its records), 6 when a session recorded as redacted shows
 * no redaction at all (named), 1 when sessions could not be read or a killed run's intended
 * redactions did not happen, 2 for usage errors (a missing file, a keyed chain without its key);
 * `--json` prints one object for machines.
 */
import { existsSync } from "node:fs";
import type Stripe from "stripe";
import { EVIDENCE_KEY_ENV, type EvidenceLine } from "../provider/redaction/evidence";
import { verifyChain } from "../provider/redaction/evidence-chain";
import { readPrivateFile } from "../provider/redaction/private-files";
import { createStripeClient } from "../provider/stripe/client";
import { errorFacts } from "../provider/stripe/errors";
import { recheckRedactions } from "../provider/redaction/completion";
import { redactSecret } from "../provider/stripe/keys";
import type { Writable } from "./output";

export const VERIFY_EXIT = { ok: 0, failed: 1, usage: 2, pending: 4, broken: 5, notRedacted: 6 } as const;

export interface VerifyOptions {
  file: string;
  json: boolean;
  apiKey: string;
  apiBase?: string;
  /** STRIPE_IDENTITY_EVIDENCE_KEY: required for a keyed chain; with it, a keyless file is refused. */
  key?: string;
  now?: () => number;
  /** Tests: an injected client factory (per connected account). */
  stripe?: (stripeAccount: string | undefined) => Stripe;
}

interface Pending {
  id: string;
  status: string;
  redactedAt: string;
  waitingSeconds: number;
}

/**
 * What the file says about each session's redaction: `recorded` (a `redacted` record, or a rerun
 * of a plan that recognised its own earlier redaction) or `intended` (a redact was about to be
 * sent, and no outcome says it failed: the run was killed, or the outcome is unknown).
 */
interface Expected {
  id: string;
  account: string | null;
  time: string;
  claim: "recorded" | "intended";
}

function expectedRedactions(lines: EvidenceLine[]): Expected[] {
  const accountOfRun = new Map<string, string | null>();
  const found = new Map<string, Expected>();
  const intents = new Map<string, Expected>();
  for (const line of lines) {
    if (line.kind === "header") accountOfRun.set(line.runId, line.account);
    if (line.kind !== "intent" && line.kind !== "session") continue;
    if (line.action !== "redact") continue;
    const account = accountOfRun.get(line.runId) ?? null;
    const key = `${account ?? ""}/${line.id}`;
    const runKey = `${line.runId}/${line.id}`;
    if (line.kind === "intent") {
      intents.set(runKey, { id: line.id, account, time: line.time, claim: "intended" });
      continue;
    }
    const intent = intents.get(runKey);
    intents.delete(runKey);
    if (line.result === "redacted" || (line.result === "skipped" && line.reason === "done_by_this_plan")) {
      found.set(key, { id: line.id, account, time: intent?.time ?? line.time, claim: "recorded" });
    } else if (line.result === "unknown" && intent && !found.has(key)) {
      found.set(key, intent);
    }
  }
  // Intents no outcome answered: the run was killed between sending and recording.
  for (const intent of intents.values()) {
    const key = `${intent.account ?? ""}/${intent.id}`;
    if (!found.has(key)) found.set(key, intent);
  }
  return [...found.values()];
}

export async function runVerify(options: VerifyOptions, io: { stdout: Writable; stderr: Writable }): Promise<number> {
  const clean = (text: string): string => redactSecret(text, options.apiKey);
  const say = (result: Record<string, unknown>, text: string, code: number): number => {
    if (options.json) io.stdout.write(clean(`${JSON.stringify({ exit: code, ...result })}\n`));
    else io.stdout.write(clean(`${text}\n`));
    return code;
  };
  let content: string;
  try {
    content = readPrivateFile("verify", options.file);
  } catch (error) {
    const message = (error as Error).message;
    io.stderr.write(`stripe-identity-sweep: ${message}\n`);
    if (options.json) io.stdout.write(`${JSON.stringify({ error: { code: "usage", message } })}\n`);
    return VERIFY_EXIT.usage;
  }
  const chain = verifyChain(content, options.key);
  if (!chain.ok) {
    if (chain.kind === "usage") {
      io.stderr.write(`stripe-identity-sweep: verify: ${chain.problem}\n`);
      if (options.json) io.stdout.write(`${JSON.stringify({ error: { code: "usage", message: chain.problem } })}\n`);
      return VERIFY_EXIT.usage;
    }
    // A run still writing the file has no footer yet: say so rather than leave it a mystery.
    const writing = existsSync(`${options.file}.lock`) ? ` (${options.file}.lock exists: a run may be writing the file now; verify again when it ends)` : "";
    return say({ chain: "broken", line: chain.line, problem: chain.problem + writing }, `Chain broken at line ${chain.line}: ${chain.problem}${writing}.`, VERIFY_EXIT.broken);
  }
  const proves =
    chain.hasher.mode === "hmac-sha256"
      ? "keyed (HMAC): no line was changed, removed or reordered by anyone without the key"
      : `keyless (SHA-256): no accidental change; a tamperer who recomputes the chain is not detected (set ${EVIDENCE_KEY_ENV} when writing for a keyed chain)`;
  const notes = [
    ...chain.torn.map((t) => `line ${t.line} was torn by a crash (${t.bytes} bytes) and isolated by the next run`),
    ...chain.interrupted.map((runId) => `run ${runId} was interrupted before its footer; the next run closed it`),
  ];
  const sessions = expectedRedactions(chain.lines);
  const clients = new Map<string, Stripe>();
  const client = (account: string | null): Stripe => {
    const name = account ?? "";
    if (!clients.has(name)) {
      clients.set(name, options.stripe ? options.stripe(account ?? undefined) : createStripeClient({ apiKey: options.apiKey, apiBase: options.apiBase, stripeAccount: account ?? undefined }));
    }
    return clients.get(name)!;
  };
  const now = (options.now ?? Date.now)();
  const pending: Pending[] = [];
  const failures: Array<{ id: string; message: string }> = [];
  const notRedacted: string[] = [];
  const unconfirmed: string[] = [];
  let redacted = 0;
  const byAccount = new Map<string | null, Expected[]>();
  for (const session of sessions) {
    const list = byAccount.get(session.account) ?? [];
    list.push(session);
    byAccount.set(session.account, list);
  }
  for (const [account, inAccount] of byAccount) {
    const expected = new Map(inAccount.map((s) => [s.id, s]));
    for (const check of await recheckRedactions(client(account), inAccount.map((s) => s.id))) {
      const claim = expected.get(check.id)!;
      if ("missing" in check) failures.push({ id: check.id, message: "not found for this key and account" });
      else if ("error" in check) failures.push({ id: check.id, message: errorFacts(check.error).message });
      else if (check.status === "redacted") redacted++;
      else if (check.status === "none") (claim.claim === "recorded" ? notRedacted : unconfirmed).push(check.id);
      else pending.push({ id: check.id, status: check.status, redactedAt: claim.time, waitingSeconds: Math.max(0, Math.round((now - Date.parse(claim.time)) / 1000)) });
    }
  }
  const result = { chain: "ok", mode: chain.hasher.mode, proves, head: chain.head, lines: chain.lines.length, notes, sessions: sessions.length, redacted, pending, notRedacted, unconfirmed, failures };
  const head = [`Chain ok (${chain.lines.length} lines; ${proves}).`, ...notes.map((n) => `Note: ${n}.`)].join("\n");
  if (notRedacted.length > 0) {
    const text = `${head}\n${notRedacted.length} session(s) recorded as redacted show no redaction in Stripe at all (a forged or wrong record): ${notRedacted.slice(0, 50).join(", ")}`;
    return say(result, text, VERIFY_EXIT.notRedacted);
  }
  if (failures.length > 0 || unconfirmed.length > 0) {
    const parts = [
      failures.length > 0 ? `${failures.length} session(s) could not be read: ${failures.slice(0, 10).map((f) => `${f.id} (${f.message})`).join(", ")}` : "",
      unconfirmed.length > 0 ? `${unconfirmed.length} session(s) a killed run was about to redact are not redacted (run the plan or sweep again): ${unconfirmed.slice(0, 50).join(", ")}` : "",
    ].filter(Boolean);
    return say(result, [head, ...parts].join("\n"), VERIFY_EXIT.failed);
  }
  if (pending.length > 0) {
    const list = pending.slice(0, 50).map((p) => `  ${p.id}: redaction ${p.status}, ${p.waitingSeconds} s since it was redacted`);
    return say(result, [`${head} ${pending.length} of ${sessions.length} redacted session(s) not finished yet:`, ...list].join("\n"), VERIFY_EXIT.pending);
  }
  return say(result, `${head} All ${sessions.length} redacted session(s) are redacted.`, VERIFY_EXIT.ok);
}
