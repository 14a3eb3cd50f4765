import { keyMode } from "../provider/stripe/keys";
import { EmulatorConfig } from "./config";
import { IdempotencyStore } from "./idempotency";
import { randomStreams, RandomStreams } from "./random";
import type { LimiterState } from "./rate-limit";
import { OrderedTable } from "./store";
import { JobRecord, ReportRecord, SessionRecord } from "./types";

/** One API key = one account: its own sessions, reports, idempotency keys and rate bucket. */
export class Account {
  readonly sessions = new OrderedTable<SessionRecord>();
  readonly reports = new OrderedTable<ReportRecord>();
  readonly idempotency = new IdempotencyStore();
  /** Reports of each session (oldest first), for redaction. */
  readonly reportsBySession = new Map<string, string[]>();
  /** Rate limiting: the global bucket, one per endpoint, requests in flight. */
  limiter: LimiterState = { bucket: null, endpointBuckets: new Map(), inFlight: 0 };
  /** Ids of objects with a write in flight (a second write at once is a lock_timeout). */
  readonly writeLocks = new Set<string>();
  /** Idempotency keys of requests in flight (a second request with one is a 409). */
  readonly keysInFlight = new Set<string>();
  /** Redaction Jobs (Stripe preview), and which open job holds each session it claimed. */
  readonly redactionJobs = new OrderedTable<JobRecord>();
  readonly jobLocks = new Map<string, string>();
  /** The last events (newest last, at most MAX_EVENTS): what a webhook endpoint would have received. */
  readonly events: EventRecord[] = [];

  constructor(
    readonly key: string,
    readonly livemode: boolean,
    /** The connected account (`Stripe-Account`) these sessions belong to; null: the platform's own. */
    readonly stripeAccount: string | null = null,
  ) {}
}

export interface EventRecord {
  id: string;
  type: string;
  created: number;
  data: { object: { id: string; object: string; status: string } };
}

export const MAX_EVENTS = 1000;

/** A well-formed connected account id, as Stripe writes them. */
export const ACCOUNT_ID = /^acct_[A-Za-z0-9]{1,64}$/;

/** The store key of (API key, connected account): each pair is its own account. */
function storeKey(key: string, stripeAccount: string | null): string {
  return stripeAccount === null ? key : `${key}\u0000${stripeAccount}`;
}

export interface Stats {
  requests: Record<string, number>;
  /** `/v1` requests by connected account (`platform`: without `Stripe-Account`). */
  requestsByAccount: Record<string, number>;
  rateLimited: number;
  faults: number;
}

const emptyStats = (): Stats => ({ requests: {}, requestsByAccount: {}, rateLimited: 0, faults: 0 });

/**
 * Everything an emulator instance remembers. No module-level state: two instances in one
 * process are independent, and `reset()` returns one to its start-up defaults.
 */
/**
 * At most this many accounts are remembered. Past it, the least recently used account that holds
 * no sessions (a key used only for junk requests) is forgotten, with its idempotency records.
 */
export const MAX_ACCOUNTS = 10_000;

export class EmulatorState {
  /** In least-recently-used order (a use moves an account to the end). */
  accounts = new Map<string, Account>();
  /** Every report id in use, so a new id costs the same however many accounts there are. */
  reportIds = new Set<string>();
  /** Session id -> owning account, for the control API's transition (which has no key). */
  sessionOwners = new Map<string, Account>();
  /** Redaction Job id -> owning account, for the control API (which has no key). */
  jobOwners = new Map<string, Account>();
  stats: Stats = emptyStats();
  /** Connected accounts every key may act for (`--connected-account`, `connectedAccounts` option). */
  openAccounts = new Set<string>();
  /** Platform key -> the connected accounts it may act for (registered by seed or the control API). */
  connected = new Map<string, Set<string>>();
  config: EmulatorConfig;
  random: RandomStreams;
  private seq = 0;

  constructor(
    private readonly defaults: EmulatorConfig,
    readonly clock: () => number = Date.now,
  ) {
    this.config = defaults;
    this.random = randomStreams(defaults.seed ?? undefined);
  }

  reset(): void {
    this.accounts = new Map();
    this.reportIds = new Set();
    this.sessionOwners = new Map();
    this.jobOwners = new Map();
    this.stats = emptyStats();
    this.connected = new Map();
    this.setConfig(this.defaults);
  }

  /** `reseed`: restart the random streams (a `seed` in a config patch asks for reproducibility). */
  setConfig(config: EmulatorConfig, reseed = true): void {
    const rateChanged = JSON.stringify(config.rateLimit) !== JSON.stringify(this.config.rateLimit);
    this.config = config;
    if (reseed) this.random = randomStreams(config.seed ?? undefined);
    if (rateChanged) for (const account of this.accounts.values()) account.limiter = { bucket: null, endpointBuckets: new Map(), inFlight: account.limiter.inFlight };
  }

  /** The account of a well-formed key, or of one of its connected accounts (created on first use). */
  account(key: string, stripeAccount: string | null = null): Account {
    const id = storeKey(key, stripeAccount);
    let account = this.accounts.get(id);
    if (account) {
      this.accounts.delete(id);
    } else {
      account = new Account(key, keyMode(key) === "live", stripeAccount);
      if (this.accounts.size >= MAX_ACCOUNTS) this.evictOneAccount();
    }
    this.accounts.set(id, account);
    return account;
  }

  /** The account if it exists, without creating or touching it (control API reads). */
  peekAccount(key: string, stripeAccount: string | null = null): Account | undefined {
    return this.accounts.get(storeKey(key, stripeAccount));
  }

  /** Lets `key` act for the connected account `stripeAccount` (as after onboarding it on Stripe). */
  connect(key: string, stripeAccount: string): void {
    const accounts = this.connected.get(key) ?? new Set<string>();
    accounts.add(stripeAccount);
    this.connected.set(key, accounts);
  }

  mayActFor(key: string, stripeAccount: string): boolean {
    return this.openAccounts.has(stripeAccount) || (this.connected.get(key)?.has(stripeAccount) ?? false);
  }

  /** Forgets the least recently used account without sessions (none: keep them all). */
  private evictOneAccount(): void {
    for (const [key, account] of this.accounts) {
      if (account.sessions.size === 0 && account.redactionJobs.size === 0 && account.limiter.inFlight === 0 && account.keysInFlight.size === 0) {
        this.accounts.delete(key);
        return;
      }
    }
  }

  nextSeq(): number {
    return ++this.seq;
  }

  nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  count(route: string): void {
    this.stats.requests[route] = (this.stats.requests[route] ?? 0) + 1;
  }

  countAccount(stripeAccount: string | null): void {
    const name = stripeAccount ?? "platform";
    this.stats.requestsByAccount[name] = (this.stats.requestsByAccount[name] ?? 0) + 1;
  }
}
