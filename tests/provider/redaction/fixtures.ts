/**
 * Seeds an emulator account with sessions of every status, two metadata groups and two age groups,
 * and computes, independently of the engine, which sessions a filter must change.
 */
import type { VerificationSession as ApiSession } from "../../../emulator/control-client";
import type { TestEmulator } from "../../helpers/emulator";

export type Session = ApiSession;

export const DAY = 86_400;
export const STATUSES = ["requires_input", "verified", "canceled", "processing"] as const;

export interface SeededAccount {
  key: string;
  nowSeconds: number;
  ids: string[];
}

/**
 * `perGroup` sessions for each status x app (shop | other) x age (old: 8-30 days, new: 1h-6 days).
 * Then redacts `preRedacted` of the old verified shop sessions, as an earlier run would have.
 */
export async function seedAccount(emu: TestEmulator, perGroup: number, preRedacted = 0): Promise<SeededAccount> {
  const key = emu.newKey();
  const nowSeconds = Math.floor(Date.now() / 1000);
  const ranges = { old: { from: nowSeconds - 30 * DAY, to: nowSeconds - 8 * DAY }, new: { from: nowSeconds - 6 * DAY, to: nowSeconds - 3600 } };
  const ids: string[] = [];
  for (const status of STATUSES) {
    for (const app of ["shop", "other"]) {
      for (const [age, created] of Object.entries(ranges)) {
        const seeded = await emu.control.seed({ apiKey: key, count: perGroup, status, created, metadata: { app, age }, clientReferenceIdPrefix: `${app}-${status}-` });
        ids.push(...seeded.ids);
      }
    }
  }
  if (preRedacted > 0) {
    const stripe = emu.stripe(key);
    const all = await emu.control.sessions(key);
    const targets = all.filter((s) => s.status === "verified" && s.metadata.app === "shop" && s.metadata.age === "old").slice(0, preRedacted);
    for (const s of targets) await stripe.identity.verificationSessions.redact(s.id);
  }
  return { key, nowSeconds, ids };
}

export function byId(sessions: Session[]): Map<string, Session> {
  return new Map(sessions.map((s) => [s.id, s]));
}

/** Sessions the action must change: inside `inFilter`, not redacted, and in a status the action applies to. */
export function expectedTargets(before: Session[], inFilter: (s: Session) => boolean, action: "redact" | "cancel"): Set<string> {
  const allowed = action === "redact" ? ["requires_input", "verified"] : ["requires_input"];
  return new Set(before.filter((s) => inFilter(s) && s.redaction === null && allowed.includes(s.status)).map((s) => s.id));
}

/** Every session outside `targets` is byte-for-byte the same; every target changed as the action says. */
export function expectOnlyTargetsChanged(before: Session[], after: Session[], targets: Set<string>, action: "redact" | "cancel"): void {
  const afterById = byId(after);
  expect(after.length).toBe(before.length);
  const unexpected: string[] = [];
  for (const old of before) {
    const now = afterById.get(old.id)!;
    if (!targets.has(old.id)) {
      if (JSON.stringify(now) !== JSON.stringify(old)) unexpected.push(old.id);
      continue;
    }
    if (action === "redact") {
      expect(now.redaction).not.toBeNull();
      expect(now.status).toBe(old.status === "requires_input" ? "canceled" : old.status);
    } else {
      expect(now.status).toBe("canceled");
      expect(now.redaction).toBeNull();
    }
  }
  expect(unexpected).toEqual([]);
}

export async function writeCount(emu: TestEmulator): Promise<number> {
  const stats = await emu.control.stats();
  return Object.entries(stats.requests)
    .filter(([route]) => route.startsWith("POST "))
    .reduce((sum, [, n]) => sum + n, 0);
}
