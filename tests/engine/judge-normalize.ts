/**
 * What the two engine judges (the CLI with this repo's language host, Pulumi's Automation API with
 * an inline program) are compared on, normalised: session ids become the resource's name and
 * generation (`onboarding#2` after a replace), times and secrets become placeholders, since two runs
 * never share them. Everything else must be equal.
 */
import type { StateResource } from "../helpers/pulumi-cli";

/** Pulumi's marker of a secret value in state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const TIME_KEY = /^(created|expires_at|redacted_at|.*At)$/;
const SECRET_KEY = /^(client_secret|clientSecret|url)$/;
/** Each route runs with its own API key (its own emulator account): which key acted is compared as "a key". */
const KEY_IDENTITY = /^__apiKey(Digest|Mask)$/;
/** Personal data the emulator makes up at random when a session is verified: not the engine's doing. */
const FAKE_DATA_KEY = /^(verified_outputs|verifiedOutputs)$/;
const SESSION_ID = /\bvs_[A-Za-z0-9]+/g;
const OTHER_ID = /\b(vr|req|iar)_[A-Za-z0-9]+/g;

/** Names session ids as the judge's state first showed them: `name#generation`. */
export class IdNames {
  private names = new Map<string, string>();
  private generations = new Map<string, number>();

  learn(resources: { name: string; id: string }[]): void {
    for (const { name, id } of resources) {
      if (!id || this.names.has(id)) continue;
      const generation = (this.generations.get(name) ?? 0) + 1;
      this.generations.set(name, generation);
      this.names.set(id, `${name}#${generation}`);
    }
  }

  nameOf(id: string): string {
    return this.names.get(id) ?? "vs_[not in state]";
  }
}

export function normalise(value: unknown, ids: IdNames, key = ""): unknown {
  if (value === null || value === undefined) return value;
  if (TIME_KEY.test(key) && (typeof value === "number" || typeof value === "string")) return "[time]";
  if (SECRET_KEY.test(key) && typeof value === "string") return "[secret]";
  if (KEY_IDENTITY.test(key) && typeof value === "string") return "[this route's key]";
  if (FAKE_DATA_KEY.test(key) && typeof value === "object") return "[made-up personal data]";
  if (typeof value === "string") return value.replace(SESSION_ID, (id) => ids.nameOf(id)).replace(OTHER_ID, (_id, prefix: string) => `${prefix}_[id]`);
  if (Array.isArray(value)) return value.map((item) => normalise(item, ids));
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG] !== undefined || "ciphertext" in record) return "[secret]";
    return Object.fromEntries(
      Object.entries(record)
        .filter(([k]) => k !== "__provider")
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalise(v, ids, k)]),
    );
  }
  return value;
}

/** The stack's outputs and its resources' options, inputs and outputs, keyed by name. */
export function normaliseState(resources: StateResource[], ids: IdNames): Record<string, unknown> {
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const custom = resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
  return {
    outputs: normalise(stack?.outputs ?? {}, ids),
    resources: Object.fromEntries(
      custom
        .map((r) => [
          `${r.urn.split("::").pop()}${r.delete ? " (pending delete)" : ""}`,
          normalise({ type: r.type, id: r.id, protect: r.protect ?? false, retainOnDelete: r.retainOnDelete ?? false, inputs: r.inputs, outputs: r.outputs }, ids),
        ] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
}

/** What Stripe holds for the account, normalised and in a fixed order. */
export function normaliseSessions(sessions: unknown[], ids: IdNames): unknown[] {
  return sessions.map((s) => normalise(s, ids)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
