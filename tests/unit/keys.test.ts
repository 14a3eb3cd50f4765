import { isWellFormedKey, keyMode, maskKey, redactSecret } from "../../provider/stripe/keys";

describe("keyMode", () => {
  it.each([
    ["sk_test_emulator123", "test"],
    ["rk_test_emulator123", "test"],
    ["sk_live_emulator123", "live"],
    ["rk_live_emulator123", "live"],
    ["pk_test_emulator123", undefined],
    ["garbage", undefined],
  ])("%s -> %s", (key, mode) => expect(keyMode(key)).toBe(mode));
});

describe("isWellFormedKey", () => {
  it("accepts secret and restricted keys only", () => {
    expect(isWellFormedKey("sk_test_emulatorABC")).toBe(true);
    expect(isWellFormedKey("rk_live_emulatorABC")).toBe(true);
    expect(isWellFormedKey("pk_test_emulatorABC")).toBe(false);
    expect(isWellFormedKey("sk_test_")).toBe(false);
  });
});

describe("maskKey", () => {
  it("keeps only the prefix and the last four characters", () => {
    const masked = maskKey("sk_test_emulatorSecretValue1234");
    expect(masked).toBe("sk_test_" + "*".repeat(19) + "1234");
    expect(masked).not.toContain("emulator");
  });
  it("masks short strings entirely", () => expect(maskKey("abc")).toBe("***"));
});

describe("redactSecret", () => {
  it("removes every occurrence of the key from a text", () => {
    const key = "sk_test_emulatorSecretValue1234";
    const text = `failed with ${key} and again ${key}`;
    expect(redactSecret(text, key)).not.toContain(key);
    expect(redactSecret(text, key)).toContain("1234");
  });
});
