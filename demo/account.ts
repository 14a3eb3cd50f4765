/**
 * The demo's view of the Stripe account: snapshots of every session it can see, and the
 * differences between two snapshots phrased for a person ("vs_... redacted (payouts-kyc)").
 * Against the emulator the snapshot comes from its control API; against Stripe test mode, from the
 * list endpoint, limited to sessions created since the demo started.
 */
import type Stripe from "stripe";
import type { EmulatorControl } from "../emulator";
import type { VerificationSession as ApiSession } from "../emulator/control-client";

export interface SessionView {
  id: string;
  status: string;
  redacted: boolean;
  clientReferenceId: string | null;
  owner: string;
}

export type Snapshot = Map<string, SessionView>;

export interface Account {
  snapshot(): Promise<Snapshot>;
}

/** Who a session belongs to, from the tags the resources add and the references the demo seeded. */
function ownerOf(session: ApiSession): string {
  const meta = session.metadata ?? {};
  if (meta.pulumi_resource) return `resource ${meta.pulumi_resource}`;
  const ref = session.client_reference_id ?? "";
  if (ref.startsWith("app-")) return "the app";
  if (meta.team) return `team ${meta.team}`;
  return "old test data";
}

/** Views of sessions; an owner, once known, is remembered (redaction wipes the metadata that told). */
function viewer(): (session: ApiSession) => SessionView {
  const owners = new Map<string, string>();
  return (session) => {
    const owner = owners.get(session.id) ?? ownerOf(session);
    owners.set(session.id, owner);
    return {
      id: session.id,
      status: session.status,
      redacted: session.redaction?.status === "redacted" || session.redaction?.status === "processing",
      clientReferenceId: session.client_reference_id ?? null,
      owner,
    };
  };
}

export function emulatorAccount(control: EmulatorControl, apiKey: string): Account {
  const view = viewer();
  return {
    async snapshot() {
      return new Map((await control.sessions(apiKey)).map((s) => [s.id, view(s)]));
    },
  };
}

export function stripeAccount(stripe: Stripe, since: number): Account {
  const view = viewer();
  return {
    async snapshot() {
      const out: Snapshot = new Map();
      for await (const s of stripe.identity.verificationSessions.list({ created: { gte: since }, limit: 100 })) out.set(s.id, view(s));
      return out;
    },
  };
}

/** Why a session changed, from its owner (a resource's deletion policy, a bulk policy); undefined: unexplained. */
export type Cause = (session: SessionView) => string | undefined;

/** Every change in Stripe between two snapshots, one line each, with what caused it. */
export function describeChanges(before: Snapshot, after: Snapshot, cause: Cause = () => undefined): string[] {
  const lines: string[] = [];
  const line = (session: SessionView, text: string) => {
    const why = cause(session);
    lines.push(`  ${text}  (${session.owner}${why ? `: ${why}` : ""})`);
  };
  for (const [id, now] of after) {
    const was = before.get(id);
    if (!was) line(now, `+ ${id} created (${now.status})`);
    else if (now.redacted && !was.redacted) line(now, `- ${id} redacted (was ${was.status})`);
    else if (now.status !== was.status) line(now, `~ ${id} ${was.status} -> ${now.status}`);
  }
  for (const id of before.keys()) if (!after.has(id)) line(before.get(id)!, `? ${id} no longer listed`);
  return lines.length > 0 ? lines : ["  nothing changed in Stripe"];
}

/** Counts by status for a closing line (`12 sessions: 5 redacted, 4 requires_input, ...`). */
export function tally(snapshot: Snapshot, owner?: (v: SessionView) => boolean): string {
  const counts = new Map<string, number>();
  let total = 0;
  for (const s of snapshot.values()) {
    if (owner && !owner(s)) continue;
    total++;
    const key = s.redacted ? "redacted" : s.status;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return `${total} sessions: ${[...counts].map(([k, n]) => `${n} ${k}`).join(", ")}`;
}
