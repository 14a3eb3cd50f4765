import { requireApiKey, resolveConfig } from "../../provider/config";

const source = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe("resolveConfig", () => {
  it("prefers stack config over the environment", () => {
    const config = resolveConfig(source({ "stripe-identity:apiKey": "sk_test_emulatorStack" }), {
      STRIPE_API_KEY: "sk_test_emulatorEnv",
    });
    expect(config.apiKey).toBe("sk_test_emulatorStack");
  });
  it("falls back to the environment", () => {
    const config = resolveConfig(undefined, {
      STRIPE_API_KEY: "sk_test_emulatorEnv",
      STRIPE_API_BASE: "http://127.0.0.1:12111",
      STRIPE_IDENTITY_ALLOW_LIVEMODE: "true",
    });
    expect(config).toEqual({
      apiKey: "sk_test_emulatorEnv",
      apiBase: "http://127.0.0.1:12111",
      allowLivemode: true,
      maxNetworkRetries: 3,
    });
  });
  it("names the key of a bad value", () => {
    expect(() => resolveConfig(source({ "stripe-identity:maxNetworkRetries": "lots" }), {})).toThrow(
      /stripe-identity:maxNetworkRetries/,
    );
    expect(() => resolveConfig(source({ "stripe-identity:apiBase": "not a url" }), {})).toThrow(/stripe-identity:apiBase/);
  });
  it("explains how to provide a missing key without echoing anything", () => {
    expect(() => requireApiKey(resolveConfig(undefined, {}))).toThrow(/pulumi config set --secret stripe-identity:apiKey/);
  });
});

describe("config errors name the setting and the rule (issue 10, item 7)", () => {
  const source = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
  it("a key with a trailing newline is trimmed, not retried for 18 s", () => {
    expect(resolveConfig(undefined, { STRIPE_API_KEY: "sk_test_emulator1234\n" }).apiKey).toBe("sk_test_emulator1234");
    expect(resolveConfig(source({ "stripe-identity:apiKey": "  sk_test_emulator1234 " }), {}).apiKey).toBe("sk_test_emulator1234");
  });
  it("a malformed key is named as the cause, masked, with where it came from", () => {
    expect(() => resolveConfig(undefined, { STRIPE_API_KEY: "pk_test_emulator123456789" })).toThrow(
      /^the STRIPE_API_KEY environment variable \(stripe-identity:apiKey\) is not a Stripe secret or restricted key \(expected sk_test_.*got \*+6789\)$/,
    );
    expect(() => resolveConfig(source({ "stripe-identity:apiKey": "sk_test_abc def1234" }), {})).toThrow(/^stripe-identity:apiKey is not a Stripe secret/);
    let message = "";
    try {
      resolveConfig(undefined, { STRIPE_API_KEY: "sk_test_has space in it 9999" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain("has space in it");
  });
  it.each([
    [{ STRIPE_IDENTITY_ALLOW_LIVEMODE: "yes" }, /^the STRIPE_IDENTITY_ALLOW_LIVEMODE environment variable \(stripe-identity:allowLivemode\): expected true or false, got "yes"$/],
    [{ STRIPE_API_BASE: "localhost:12111" }, /^the STRIPE_API_BASE environment variable \(stripe-identity:apiBase\): expected an http or https URL such as http:\/\/127\.0\.0\.1:12111$/],
  ])("%j", (env, message) => {
    expect(() => resolveConfig(undefined, env as NodeJS.ProcessEnv)).toThrow(message);
  });
  it("stack config is named by its key", () => {
    expect(() => resolveConfig(source({ "stripe-identity:maxNetworkRetries": "many" }), {})).toThrow(/^stripe-identity:maxNetworkRetries: expected a whole number from 0 to 10, got "many"$/);
  });
});
