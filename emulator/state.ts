import { keyMode } from "../provider/stripe/keys";
import { EmulatorConfig } from "./config";
import { IdempotencyStore } from "./idempotency";
import { randomStreams, RandomStreams } from "./random";
import { Bucket } from "./rate-limit";
import { OrderedTable } from "./store";
import { ReportRecord, SessionRecord } from "./types";

/** One API key = one account: its own sessions, reports, idempotency keys and rate bucket. */
export class Account {
  readonly sessions = new OrderedTable<SessionRecord>();
  readonly reports = new OrderedTable<ReportRecord>();
  readonly idempotency = new IdempotencyStore();
  /** Reports of each session (oldest first), for redaction. */
  readonly reportsBySession = new Map<string, string[]>();
  bucket: Bucket | null = null;

  constructor(
    readonly key: string,
    readonly livemode: boolean,
  ) {}
}

export interface Stats {
  requests: Record<string, number>;
  rateLimited: number;
  faults: number;
}

/**
 * Everything an emulator instance remembers. No module-level state: two instances in one
 * process are independent, and `reset()` returns one to its start-up defaults.
 */
export class EmulatorState {
  accounts = new Map<string, Account>();
  /** Session id -> owning account, for the control API's transition (which has no key). */
  sessionOwners = new Map<string, Account>();
  stats: Stats = { requests: {}, rateLimited: 0, faults: 0 };
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
    this.sessionOwners = new Map();
    this.stats = { requests: {}, rateLimited: 0, faults: 0 };
    this.setConfig(this.defaults);
  }

  /** `reseed`: restart the random streams (a `seed` in a config patch asks for reproducibility). */
  setConfig(config: EmulatorConfig, reseed = true): void {
    const rateChanged = JSON.stringify(config.rateLimit) !== JSON.stringify(this.config.rateLimit);
    this.config = config;
    if (reseed) this.random = randomStreams(config.seed ?? undefined);
    if (rateChanged) for (const account of this.accounts.values()) account.bucket = null;
  }

  /** The account of a well-formed key (created on first use). */
  account(key: string): Account {
    let account = this.accounts.get(key);
    if (!account) {
      account = new Account(key, keyMode(key) === "live");
      this.accounts.set(key, account);
    }
    return account;
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
}
