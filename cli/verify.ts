/**
 * `stripe-identity-sweep verify FILE`: checks an evidence file's hash chain, then re-reads every
 * session it says was redacted. Exit 0 when all are `redacted`, 4 when some are still processing
 * (listed, with how long since the run redacted them), 5 when the chain is broken (the first bad
 * line named), 2 for usage errors; `--json` prints one object for machines.
 */
import { readFileSync } from "node:fs";
import type Stripe from "stripe";
import { verifyChain, type EvidenceLine } from "../provider/redaction/evidence";
import { createStripeClient } from "../provider/stripe/client";
import { errorFacts } from "../provider/stripe/errors";
import { recheckRedactions } from "../provider/redaction/completion";
import { redactSecret } from "../provider/stripe/keys";
import type { Writable } from "./output";

export const VERIFY_EXIT = { ok: 0, failed: 1, usage: 2, pending: 4, broken: 5 } as const;

export interface VerifyOptions {
  file: string;
  json: boolean;
  apiKey: string;
  apiBase?: string;
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

/** The sessions the file says were redacted, each with the account its run acted on and when. */
function redactedSessions(lines: EvidenceLine[]): Array<{ id: string; account: string | null; time: string }> {
  const accountOfRun = new Map<string, string | null>();
  const found = new Map<string, { id: string; account: string | null; time: string }>();
  for (const line of lines) {
    if (line.kind === "header") accountOfRun.set(line.runId, line.account);
    if (line.kind === "session" && line.result === "redacted") {
      const account = accountOfRun.get(line.runId) ?? null;
      found.set(`${account ?? ""}/${line.id}`, { id: line.id, account, time: line.time });
    }
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
    content = readFileSync(options.file, "utf8");
  } catch (error) {
    const message = `verify: cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    io.stderr.write(`stripe-identity-sweep: ${message}\n`);
    if (options.json) io.stdout.write(`${JSON.stringify({ error: { code: "usage", message } })}\n`);
    return VERIFY_EXIT.usage;
  }
  const chain = verifyChain(content);
  if (!chain.ok) {
    return say({ chain: "broken", line: chain.line, problem: chain.problem }, `Chain broken at line ${chain.line}: ${chain.problem}.`, VERIFY_EXIT.broken);
  }
  const sessions = redactedSessions(chain.lines);
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
  let redacted = 0;
  const byAccount = new Map<string | null, Array<{ id: string; time: string }>>();
  for (const session of sessions) {
    const list = byAccount.get(session.account) ?? [];
    list.push(session);
    byAccount.set(session.account, list);
  }
  for (const [account, inAccount] of byAccount) {
    const timeOf = new Map(inAccount.map((s) => [s.id, s.time]));
    for (const check of await recheckRedactions(client(account), inAccount.map((s) => s.id))) {
      if ("missing" in check) failures.push({ id: check.id, message: "not found for this key and account" });
      else if ("error" in check) failures.push({ id: check.id, message: errorFacts(check.error).message });
      else if (check.status === "redacted") redacted++;
      else {
        const redactedAt = timeOf.get(check.id)!;
        pending.push({ id: check.id, status: check.status, redactedAt, waitingSeconds: Math.max(0, Math.round((now - Date.parse(redactedAt)) / 1000)) });
      }
    }
  }
  const result = { chain: "ok", lines: chain.lines.length, sessions: sessions.length, redacted, pending, failures };
  if (failures.length > 0) {
    const text = `Chain ok (${chain.lines.length} lines). ${failures.length} session(s) could not be read: ${failures.slice(0, 10).map((f) => `${f.id} (${f.message})`).join(", ")}`;
    return say(result, text, VERIFY_EXIT.failed);
  }
  if (pending.length > 0) {
    const list = pending.slice(0, 50).map((p) => `  ${p.id}: redaction ${p.status}, ${p.waitingSeconds} s since it was redacted`);
    return say(result, [`Chain ok (${chain.lines.length} lines). ${pending.length} of ${sessions.length} redacted session(s) not finished yet:`, ...list].join("\n"), VERIFY_EXIT.pending);
  }
  return say(result, `Chain ok (${chain.lines.length} lines). All ${sessions.length} redacted session(s) are redacted.`, VERIFY_EXIT.ok);
}
