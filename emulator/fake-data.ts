import { pick, Rng } from "./random";
import { Address, DateParts, VerifiedOutputs } from "./types";

/** Fake but realistic personal data for verified sessions (no real person's data). */
const FIRST = ["Jenny", "Alex", "Maria", "Kenji", "Amara", "Lukas", "Priya", "Diego", "Sofia", "Noah"];
const LAST = ["Rosen", "Garcia", "Tanaka", "Okafor", "Schmidt", "Patel", "Silva", "Nguyen", "Smith", "Kowalski"];
const CITIES: ReadonlyArray<[string, string, string]> = [
  ["San Francisco", "CA", "94111"],
  ["New York", "NY", "10001"],
  ["Austin", "TX", "73301"],
  ["Seattle", "WA", "98101"],
  ["Chicago", "IL", "60601"],
];
const STREETS = ["Market St", "Main St", "Oak Ave", "Pine St", "2nd Ave"];

export interface FakePerson {
  first_name: string;
  last_name: string;
  dob: DateParts;
  address: Address;
  sex: "female" | "male" | "unknown";
}

export function fakePerson(rng: Rng): FakePerson {
  const [city, state, postal_code] = pick(rng, CITIES);
  return {
    first_name: pick(rng, FIRST),
    last_name: pick(rng, LAST),
    dob: { day: 1 + Math.floor(rng() * 28), month: 1 + Math.floor(rng() * 12), year: 1950 + Math.floor(rng() * 55) },
    address: {
      city,
      country: "US",
      line1: `${1 + Math.floor(rng() * 999)} ${pick(rng, STREETS)}`,
      line2: null,
      postal_code,
      state,
    },
    sex: pick(rng, ["female", "male", "unknown"] as const),
  };
}

export function fakeVerifiedOutputs(
  person: FakePerson,
  details: { email?: string; phone?: string } | null,
  withIdNumber: boolean,
): VerifiedOutputs {
  return {
    address: { ...person.address },
    dob: { ...person.dob },
    email: details?.email ?? null,
    first_name: person.first_name,
    id_number: null,
    id_number_type: withIdNumber ? "us_ssn" : null,
    last_name: person.last_name,
    phone: details?.phone ?? null,
    sex: person.sex,
    unparsed_place_of_birth: null,
    unparsed_sex: null,
  };
}

const R = "[redacted]";

function redactAddress(address: Address | null): Address | null {
  if (!address) return null;
  const out = { ...address };
  for (const key of Object.keys(out) as (keyof Address)[]) if (out[key] !== null) out[key] = R;
  return out;
}

function redactDate(date: DateParts | null): DateParts | null {
  return date ? { day: null, month: null, year: null } : null;
}

/** Personal data -> "[redacted]" (strings) or null (numbers, enums without a redacted value). */
export function redactOutputs(outputs: VerifiedOutputs): VerifiedOutputs {
  const s = (v: string | null): string | null => (v === null ? null : R);
  return {
    address: redactAddress(outputs.address),
    dob: redactDate(outputs.dob),
    email: s(outputs.email),
    first_name: s(outputs.first_name),
    id_number: s(outputs.id_number),
    id_number_type: null,
    last_name: s(outputs.last_name),
    phone: s(outputs.phone),
    sex: outputs.sex === null ? null : R,
    unparsed_place_of_birth: s(outputs.unparsed_place_of_birth),
    unparsed_sex: s(outputs.unparsed_sex),
  };
}

export const redact = { address: redactAddress, date: redactDate, text: (v: string | null) => (v === null ? null : R) };
