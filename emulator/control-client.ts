/**
 * A typed client for the emulator's control API (docs/architecture.md, "Emulator contract"), over global fetch.
 * Public: usable from `pulumi-stripe-identity/emulator`.
 */
export interface EmulatorStats {
  /** `"<METHOD> <route template>"` -> count, e.g. `"GET /v1/identity/verification_sessions/:id"`. */
  requests: Record<string, number>;
  /** `/v1` requests by connected account id (`platform`: without `Stripe-Account`). */
  requestsByAccount: Record<string, number>;
  rateLimited: number;
  faults: number;
}

export interface EmulatorConfigPatch {
  latencyMs?: number;
  jitterMs?: number;
  rateLimit?: { test: number; live: number; perEndpoint?: number; concurrency?: number } | null;
  faults?: { errorRate?: number; resetRate?: number; lostResponseRate?: number };
  redactionDelayMs?: number;
  /** Redaction Jobs: Stripe's side's speed and the most objects one job may hold. */
  redactionJobs?: { sessionsPerSecond?: number; maxObjects?: number };
  seed?: number | null;
}

export type RedactionJobFailureCode = "invalid_cascading_source" | "invalid_file_purpose" | "invalid_state" | "locked_by_other_job" | "too_many_objects";

export type TransitionTarget = "processing" | "verified" | "requires_input";
export type SessionStatus = "requires_input" | "processing" | "verified" | "canceled";

export interface SeedRequestBody {
  apiKey: string;
  /** Seed this connected account's sessions (the key may act for it from then on). */
  stripeAccount?: string;
  count: number;
  status?: SessionStatus;
  /** Unix seconds; sessions' `created` is spread evenly over the range. */
  created?: { from: number; to: number };
  metadata?: Record<string, string>;
  clientReferenceIdPrefix?: string;
  type?: "document" | "id_number";
}

/**
 * A session as the API shows it, from the control API's dump. Declared here rather than taken from
 * the `stripe` package, so a program's types never depend on an implementation dependency; a
 * `Stripe.Identity.VerificationSession` is assignable to it (tests/unit/emulator-types.test.ts).
 */
export interface VerificationSession {
  id: string;
  object: "identity.verification_session";
  status: string;
  type: string;
  created: number;
  livemode: boolean;
  metadata: Record<string, string>;
  client_reference_id: string | null;
  client_secret: string | null;
  url: string | null;
  last_error: { code: string | null; reason: string | null } | null;
  // An id; an object only where a request expanded it (the dump never does).
  last_verification_report: string | { id: string } | null;
  redaction: { status: string } | null;
  related_customer: string | null;
  related_customer_account?: string | null;
  related_person?: { account: string; person: string };
  options: { document?: { allowed_types?: string[]; require_id_number?: boolean; require_live_capture?: boolean; require_matching_selfie?: boolean } } | null;
  verification_flow?: string;
  provided_details?: { email?: string; phone?: string } | null;
  // Personal data: present in the dump only as the API would show it when expanded.
  verified_outputs?: {
    first_name?: string | null;
    last_name?: string | null;
    email?: string | null;
    phone?: string | null;
    id_number?: string | null;
    id_number_type?: string | null;
    dob?: { day: number | null; month: number | null; year: number | null } | null;
    address?: object | null;
  } | null;
}

export class EmulatorControlError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "EmulatorControlError";
  }
}

export class EmulatorControl {
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  async reset(): Promise<void> {
    await this.call("POST", "/_emulator/reset", {});
  }

  stats(): Promise<EmulatorStats> {
    return this.call<EmulatorStats>("GET", "/_emulator/stats");
  }

  async config(partial: EmulatorConfigPatch): Promise<void> {
    await this.call("POST", "/_emulator/config", partial);
  }

  async transition(id: string, to: TransitionTarget, lastError?: { code: string; reason?: string }): Promise<void> {
    const body = lastError ? { to, lastError } : { to };
    await this.call("POST", `/_emulator/verification_sessions/${encodeURIComponent(id)}/transition`, body);
  }

  seed(req: SeedRequestBody): Promise<{ ids: string[] }> {
    return this.call<{ ids: string[] }>("POST", "/_emulator/seed", req);
  }

  /** Every session of that account: the platform's own, or with `stripeAccount` a connected account's. */
  async sessions(apiKey: string, stripeAccount?: string): Promise<VerificationSession[]> {
    const account = stripeAccount ? `&stripeAccount=${encodeURIComponent(stripeAccount)}` : "";
    const page = await this.call<{ data: VerificationSession[] }>("GET", `/_emulator/sessions?apiKey=${encodeURIComponent(apiKey)}${account}`);
    return page.data;
  }

  /** Finishes every pending redaction now (of one key's accounts, or all); answers how many. */
  async finishRedactions(apiKey?: string): Promise<number> {
    return (await this.call<{ finished: number }>("POST", "/_emulator/redactions/finish", apiKey ? { apiKey } : {})).finished;
  }

  /** Lets the platform key act for a connected account (`Stripe-Account`), as onboarding it on Stripe does. */
  async connectAccount(apiKey: string, stripeAccount: string): Promise<void> {
    await this.call("POST", "/_emulator/connected_accounts", { apiKey, stripeAccount });
  }

  /** Ends a Redaction Job's current phase now (validating, redacting or canceling); answers its status. */
  async finishRedactionJob(id: string): Promise<string> {
    return (await this.call<{ status: string }>("POST", `/_emulator/redaction_jobs/${encodeURIComponent(id)}/finish`, {})).status;
  }

  /** Makes a validating or ready Redaction Job fail validation (default code `invalid_state`). */
  async failRedactionJob(id: string, code?: RedactionJobFailureCode, message?: string): Promise<void> {
    await this.call("POST", `/_emulator/redaction_jobs/${encodeURIComponent(id)}/fail`, { ...(code ? { code } : {}), ...(message ? { message } : {}) });
  }

  /** The account's last events (Redaction Jobs' `privacy.redaction_job.*`), oldest first. */
  async events(apiKey: string, stripeAccount?: string): Promise<Array<{ id: string; type: string; data: { object: { id: string; status: string } } }>> {
    const account = stripeAccount ? `&stripeAccount=${encodeURIComponent(stripeAccount)}` : "";
    return (await this.call<{ data: Array<{ id: string; type: string; data: { object: { id: string; status: string } } }> }>("GET", `/_emulator/events?apiKey=${encodeURIComponent(apiKey)}${account}`)).data;
  }

  private async call<T = unknown>(method: "GET" | "POST", path: string, body?: object): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body ? { "Content-Type": "application/json" } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
      } catch {
        // not JSON: keep the raw text
      }
      throw new EmulatorControlError(`emulator control ${method} ${path.split("?")[0]}: ${response.status} ${message}`, response.status);
    }
    return JSON.parse(text) as T;
  }
}
