import { documentedAdmits, msUntilInside, newEnvelope, PROBE_FACTOR, provesHigherLimit } from "../../../provider/redaction/envelope";

describe("the documented limit's envelope", () => {
  it("an account at the documented limit admits a second's bucket, then the rate", () => {
    expect(documentedAdmits(25, 0)).toBe(25);
    expect(documentedAdmits(25, 2000)).toBe(75);
    expect(documentedAdmits(25, -5)).toBe(25);
  });

  it("lets a bucket and the slack go at once, then the documented rate grown by the probe factor", () => {
    const envelope = newEnvelope(25, 2, 1000);
    expect(msUntilInside(envelope, 0, 1000)).toBe(0);
    expect(msUntilInside(envelope, 26, 1000)).toBe(0); // the 27th: 25 + 2 of slack
    const wait = msUntilInside(envelope, 27, 1000);
    expect(wait).toBeCloseTo(1000 / (25 * PROBE_FACTOR));
    expect(msUntilInside(envelope, 27, 1000 + wait)).toBeCloseTo(0);
    // 100 spent after two seconds: 25 * (1 + 1.25 * 2) + 2 = 89.5 allowed, so it waits.
    expect(msUntilInside(envelope, 100, 3000)).toBeGreaterThan(0);
  });

  it("is lifted only by more admitted responses than a documented account admits by then", () => {
    const envelope = newEnvelope(25, 2, 0);
    expect(provesHigherLimit(envelope, 26, 0)).toBe(false);
    expect(provesHigherLimit(envelope, 27, 0)).toBe(true);
    expect(provesHigherLimit(envelope, 51, 1000)).toBe(false);
    expect(provesHigherLimit(envelope, 52, 1000)).toBe(true);
    expect(msUntilInside({ ...envelope, lifted: true }, 10_000, 0)).toBe(0);
  });
});
