import { parseArgs, UNBOUNDED_USAGE, type ParseDeps, type ParseResult } from "../../cli/args";

const KEY = "sk_test_cli0000000000";
const deps = (overrides: Partial<ParseDeps> = {}): ParseDeps => ({
  env: { STRIPE_API_KEY: KEY },
  readFile: () => undefined,
  ...overrides,
});
const parse = (argv: string[], d = deps()): ParseResult => parseArgs(argv, d);
const usage = (argv: string[], d = deps()): string => {
  const result = parse(argv, d);
  if (result.kind !== "usage") throw new Error(`expected a usage error, got ${JSON.stringify(result)}`);
  return result.message;
};
const options = (argv: string[], d = deps()) => {
  const result = parse(argv, d);
  if (result.kind !== "run") throw new Error(`expected options, got ${JSON.stringify(result)}`);
  return result.options;
};

describe("parseArgs: filter flags", () => {
  it("maps every filter flag to the filter", () => {
    const o = options([
      "--status", "requires_input,verified",
      "--created-before", "7d",
      "--created-after", "2026-01-01",
      "--client-reference-id", "order-1",
      "--client-reference-id-prefix", "order-",
      "--related-customer", "cus_1",
      "--type", "document",
      "--metadata", "app=shop",
      "--metadata", "note=a=b",
      "--exclude-ids", "vs_1,vs_2",
    ]);
    expect(o.filter).toEqual({
      status: ["requires_input", "verified"],
      createdBefore: "7d",
      createdAfter: "2026-01-01",
      clientReferenceId: "order-1",
      clientReferenceIdPrefix: "order-",
      relatedCustomer: "cus_1",
      type: "document",
      metadata: { app: "shop", note: "a=b" },
      excludeIds: ["vs_1", "vs_2"],
    });
  });
  it("reads --exclude-ids from a file when one exists: one id a line, # comments, blank lines", () => {
    const o = options(["--created-before", "7d", "--exclude-ids", "keep.txt"], deps({ readFile: (p) => (p === "keep.txt" ? "# keep these\nvs_a\nvs_b  # the auditor's\n\nvs_c\n" : undefined) }));
    expect(o.filter.excludeIds).toEqual(["vs_a", "vs_b", "vs_c"]);
  });
  it("--exclude-ids is repeatable and additive: files and lists together", () => {
    const files = deps({ readFile: (p) => (p === "keep.txt" ? "vs_a\n" : undefined) });
    const o = options(["--created-before", "7d", "--exclude-ids", "keep.txt", "--exclude-ids", "vs_b,vs_c", "--exclude-ids", "vs_a"], files);
    expect(o.filter.excludeIds).toEqual(["vs_a", "vs_b", "vs_c"]);
  });
  it.each<[string, string | undefined, RegExp]>([
    // A mistyped file name was once taken as one id, excluding nothing.
    ["keep.txtt", undefined, /^--exclude-ids: "keep\.txtt" is neither an existing file nor a session id \(vs_\.\.\.\)$/],
    ["vs_1,,vs_2", undefined, /^--exclude-ids: "" in "vs_1,,vs_2" must be a VerificationSession id/],
    // Quoted CSV and semicolons once excluded nothing; now the bad line is named.
    ["ids.csv", '"vs_a","vs_b"\n', /^--exclude-ids: ids\.csv:1: ""vs_a","vs_b"" must be a VerificationSession id .*one id a line/],
    ["ids.txt", "vs_a;vs_b\n", /^--exclude-ids: ids\.txt:1: "vs_a;vs_b" must be/],
    ["ids.txt", "vs_a\nvs_c, vs_d\n", /^--exclude-ids: ids\.txt:2: "vs_c, vs_d" must be/],
    ["empty.txt", "# nothing here\n\n", /^--exclude-ids: empty\.txt: no session ids in the file .*exclude nothing/],
  ])("--exclude-ids %s is refused, naming the bad line or value", (spec, fileText, message) => {
    const d = deps({ readFile: (p) => (p === spec ? fileText : undefined) });
    const result = parse(["--created-before", "7d", "--exclude-ids", spec], d);
    expect(result.kind).toBe("usage");
    expect(result.kind === "usage" ? result.message : "").toMatch(message);
  });
  it("defaults: redact, plan mode, no json", () => {
    expect(options(["--created-before", "7d"])).toMatchObject({ action: "redact", yes: false, dryRun: false, json: false, allowLivemode: false, apiKey: KEY });
  });
});

describe("parseArgs: a metadata key that would vanish", () => {
  it("--metadata __proto__=x is refused, not dropped (it once widened the filter to every session)", () => {
    expect(usage(["--metadata", "__proto__=x"])).toMatch(/^--metadata: the metadata key "__proto__" cannot be matched safely/);
    expect(usage(["--created-before", "7d", "--metadata", "__proto__=x"])).toMatch(/__proto__/);
  });
  it("--metadata names Stripe's key limit", () => {
    expect(usage(["--metadata", `${"k".repeat(41)}=v`])).toMatch(/^--metadata: metadata key "k+" is longer than 40 characters/);
  });
});

describe("parseArgs: usage errors name the flag", () => {
  it.each<[string[], RegExp]>([
    [["--status", "verified"], /^the filter has no bound: give at least one of --created-before/],
    [["--type", "document"], /no bound/],
    [["--exclude-ids", "vs_1"], /no bound/],
    [["--created-before", "soon"], /^--created-before: "soon": expected a duration/],
    [["--created-after", "2026-02-30"], /^--created-after: "2026-02-30" is not a calendar date/],
    [["--created-after", "2026-02-01", "--created-before", "2026-01-01"], /^--created-after: createdAfter must be earlier/],
    [["--created-before", "7d", "--status", "done"], /--status takes a comma-separated list/],
    [["--created-before", "7d", "--type", "selfie"], /--type <type>' argument 'selfie' is invalid/],
    [["--created-before", "7d", "--action", "delete"], /--action <action>' argument 'delete' is invalid/],
    [["--created-before", "7d", "--metadata", "novalue"], /--metadata expects key=value/],
    [["--created-before", "7d", "--rps", "0"], /--rps expects requests per second/],
    [["--created-before", "7d", "--rps", "fast"], /--rps expects/],
    [["--created-before", "7d", "--rps", "0.0000001"], /--rps expects requests per second from 0.1/],
    [["--created-before", "7d", "--concurrency", "0"], /--concurrency expects a whole number from 1 to 1000/],
    [["--created-before", "7d", "--concurrency", "100000000"], /--concurrency expects a whole number from 1 to 1000/],
    [["--created-before", "7d", "--max-sessions", "99999999999999999999"], /--max-sessions expects a whole number/],
    [["--created-before", "7d", "--status", "sk_test_pasted0000key"], /--status takes .*sk_test_\*+0key/],
    [["--created-before", "7d", "--max-sessions", "-1"], /--max-sessions/],
    [["--created-before", "7d", "--api-base", "ftp://x"], /^--api-base: expected an http\(s\) URL/],
    [["--created-before", "7d", "--client-reference-id", ""], /^--client-reference-id: must not be empty/],
    [["--created-before"], /--created-before <when>' argument missing/],
    [["--created-before", "7d", "--frobnicate"], /unknown option '--frobnicate'/],
    [["--created-before", "7d", "--api-key", "sk_test_x"], /^--api-key: the API key is never taken from a flag/],
    [["--created-before", "7d", "--api-key=sk_test_x"], /^--api-key: the API key is never taken from a flag/],
  ])("%j", (argv, expected) => {
    const message = usage(argv);
    expect(message).toMatch(expected);
    expect(message).not.toContain("sk_test_x");
    expect(message).not.toMatch(/\n\s+at /);
  });
  it("explains the bounds rule in flag terms", () => {
    expect(usage(["--status", "verified"])).toBe(UNBOUNDED_USAGE);
  });
  it("needs STRIPE_API_KEY and never takes it from a flag", () => {
    expect(usage(["--created-before", "7d"], deps({ env: {} }))).toMatch(/^no API key: set STRIPE_API_KEY/);
  });
});

describe("parseArgs: safety, speed and environment", () => {
  it("parses numbers and switches", () => {
    expect(options(["--created-before", "7d", "--max-sessions", "0", "--rps", "12.5", "--concurrency", "4", "--yes", "--json", "--dry-run", "--allow-livemode", "--action", "cancel"])).toMatchObject({
      maxSessions: 0,
      rps: 12.5,
      concurrency: 4,
      yes: true,
      json: true,
      dryRun: true,
      allowLivemode: true,
      action: "cancel",
    });
  });
  it("takes --api-base over STRIPE_API_BASE, and allowLivemode from the environment", () => {
    const env = { STRIPE_API_KEY: KEY, STRIPE_API_BASE: "http://127.0.0.1:1", STRIPE_IDENTITY_ALLOW_LIVEMODE: "true" };
    expect(options(["--created-before", "7d"], deps({ env }))).toMatchObject({ apiBase: "http://127.0.0.1:1", allowLivemode: true });
    expect(options(["--created-before", "7d", "--api-base", "http://localhost:2"], deps({ env })).apiBase).toBe("http://localhost:2");
  });
  it("prints help without needing a key", () => {
    const result = parse(["--help"], deps({ env: {} }));
    expect(result.kind).toBe("help");
    expect(result.kind === "help" && result.text).toMatch(/--created-before <when>[\s\S]*Exit status: 0 done, 1 some sessions failed, 2 usage/);
  });
});
