/**
 * Date bounds for a redaction filter: an absolute ISO date (`2026-01-01`, `2026-01-01T12:00:00Z`)
 * or a duration back from the start of the run (`7d`, `12h`, `30m`). Pure: the caller passes `now`
 * once per run, so every page of one run compares against the same instant.
 */

const RELATIVE = /^(\d{1,6})(s|m|h|d|w)$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// Date and time with an explicit zone: a zone-less time would mean the machine's local zone,
// which differs between the laptop that previews and the CI runner that destroys.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DATE_SPEC_HINT =
  'expected a duration back from now such as "7d", "12h" or "30m" (units s, m, h, d, w), or an ISO date such as "2026-01-01" or "2026-01-01T00:00:00Z"';

/** Why `text` is not a valid date bound, or `undefined` when it is. */
/** Whether year-month-day exists (Date.UTC rolls 2026-02-30 over to March: a round trip catches it). */
function isCalendarDate(y: number, m: number, d: number): boolean {
  const parsed = new Date(Date.UTC(y, m - 1, d));
  return parsed.getUTCFullYear() === y && parsed.getUTCMonth() === m - 1 && parsed.getUTCDate() === d;
}

export function dateSpecProblem(text: string): string | undefined {
  if (RELATIVE.test(text)) return undefined;
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const [, y, m, d] = dateOnly.map(Number);
    return isCalendarDate(y, m, d) ? undefined : `"${text}" is not a calendar date`;
  }
  const dateTime = DATE_TIME.exec(text);
  if (dateTime) {
    // Date.parse rolls impossible values over too (2026-11-31T00:00:00Z runs as December 1st): each
    // part must exist as written.
    const [y, m, d, hh, mm] = dateTime.slice(1, 6).map(Number);
    const ss = dateTime[6] === undefined ? 0 : Number(dateTime[6]);
    const zone = dateTime[7] === "Z" ? [0, 0] : [Number(dateTime[8]), Number(dateTime[9])];
    if (!isCalendarDate(y, m, d)) return `"${text}" is not a calendar date`;
    if (hh > 23 || mm > 59 || ss > 59) return `"${text}" is not a time of day (hours 00-23, minutes and seconds 00-59)`;
    if (zone[0] > 14 || zone[1] > 59) return `"${text}" has no such time zone offset`;
    return Number.isNaN(Date.parse(text)) ? `"${text}" is not a valid date and time` : undefined;
  }
  return `"${text}": ${DATE_SPEC_HINT}`;
}

/** The instant (ms since epoch) a valid spec stands for, relative ones counted back from `nowMs`. */
export function resolveDateSpec(text: string, nowMs: number): number {
  const relative = RELATIVE.exec(text);
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2]];
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) return Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]));
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`resolveDateSpec: ${dateSpecProblem(text) ?? text}`);
  return ms;
}

/**
 * The first whole unix second at or after `ms`. Sessions carry whole seconds, so
 * `created < t` is `created < ceil(t)` and `created >= t` is `created >= ceil(t)`.
 */
export function ceilSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
