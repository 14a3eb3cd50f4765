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
