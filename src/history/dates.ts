/**
 * The one reader of dates for every history command (`log --since/--until`,
 * `diff --from/--to`, `show --at`). Every date is UTC unless it says otherwise:
 *
 *   2026-12-01                 a whole UTC day
 *   2026-12-01T06:00[:SS][Z|+01:00]   an instant (no offset: UTC); a space may stand for T
 *   today, yesterday           the UTC day, like a bare date
 *   now, 3 days ago, 12 hours ago, 2 weeks ago   an instant
 *
 * A day is a span: as the start of a range (`--since`) it means its first
 * second, everywhere else (`--until`, `--from`, `--to`, `--at`) its last one, so
 * `--at 2026-12-01` is the archive as it was when that day ended and
 * `--since D --until D` is the whole day.
 */

/** Which end of a day a bare date stands for. */
export type DayEnd = 'start' | 'end';

export class DateError extends Error {}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const AGO = /^(\d+)\s*(second|minute|hour|day|week)s?\s+ago$/i;
const UNIT_MS: Record<string, number> = { second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3, week: 7 * 86400e3 };

/** The forms, for help texts and error messages. */
const DATE_FORMS = 'YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], today, yesterday, now, or N minutes/hours/days/weeks ago (UTC unless an offset is given)';

/**
 * The instant a date stands for, or undefined when the text is not written as a
 * date at all (it may be a revision). Throws DateError for a date that does not
 * exist (2026-02-30, 25:00).
 */
export function parseDate(text: string, end: DayEnd, now: Date = new Date()): Date | undefined {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'now') return new Date(now.getTime());
  if (lower === 'today' || lower === 'yesterday') {
    const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (lower === 'yesterday' ? 86400e3 : 0);
    return dayBound(day, end);
  }
  const ago = AGO.exec(t);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2]!.toLowerCase()]!);
  const d = DAY.exec(t);
  if (d) return dayBound(utc(text, +d[1]!, +d[2]!, +d[3]!, 0, 0, 0), end);
  const i = INSTANT.exec(t);
  if (!i) return undefined;
  let ms = utc(text, +i[1]!, +i[2]!, +i[3]!, +i[4]!, +i[5]!, +(i[6] ?? 0)) + Math.round(Number(`0${i[7] ?? ''}`) * 1000);
  const zone = i[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(m[2]) * 60 + Number(m[3])) * 60e3;
    if (Number(m[2]) > 23 || Number(m[3]) > 59) throw new DateError(`not a date: ${text} (bad offset)`);
    ms -= m[1] === '+' ? offset : -offset;
  }
  return new Date(ms);
}

/** Like parseDate, for options that take only a date: anything else is an error. */
export function requireDate(text: string, end: DayEnd, now?: Date): Date {
  const d = parseDate(text, end, now);
  if (!d) throw new DateError(`not a date: ${JSON.stringify(text)}; expected ${DATE_FORMS}`);
  return d;
}

/** An ISO 8601 UTC text of the instant, to the second, as git takes it. */
export function gitDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function dayBound(dayStartMs: number, end: DayEnd): Date {
  return new Date(end === 'start' ? dayStartMs : dayStartMs + 86400e3 - 1000);
}

/** Milliseconds of a UTC date and time whose fields must all exist. */
function utc(text: string, y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new DateError(`not a date: ${text} (no such day or time)`);
  }
  return ms;
}
