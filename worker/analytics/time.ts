// Local days in an organisation's time zone (Intl, so any IANA zone and its DST rules) and business time:
// the milliseconds of an interval that fall inside the organisation's weekly opening hours.
import type { BusinessInterval } from '../db/schema';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms (Ljubljana in summer: +7,200,000). */
export function offsetAt(timeZone: string, at: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** 'YYYY-MM-DD' of the local day an instant falls on. */
export function localDay(timeZone: string, at: number): string {
  return new Date(at + offsetAt(timeZone, at)).toISOString().slice(0, 10);
}

/** The instant a local wall-clock time happens (minutes after local midnight of `day`). */
export function localInstant(timeZone: string, day: string, minutes = 0): number {
  const wall = Date.parse(`${day}T00:00:00Z`) + minutes * 60_000;
  let guess = wall - offsetAt(timeZone, wall);
  guess = wall - offsetAt(timeZone, guess);
  return guess;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from a to b ('2026-03-01' → '2026-03-03' is 2). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** ISO weekday of a local day: 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: string): number {
  const d = new Date(`${day}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/**
 * A local day as UTC instants [start, end) and how to get a local hour of an instant inside it: the offset
 * before `switchAt` is `offsetBefore`, from it on `offsetAfter` (they differ only on a DST change day).
 */
export interface DayWindow {
  day: string;
  start: number;
  end: number;
  offsetBefore: number;
  offsetAfter: number;
  switchAt: number;
}

export function dayWindow(timeZone: string, day: string): DayWindow {
  const start = localInstant(timeZone, day);
  const end = localInstant(timeZone, addDays(day, 1));
  const offsetBefore = offsetAt(timeZone, start);
  const offsetAfter = offsetAt(timeZone, end - 1);
  let switchAt = end;
  if (offsetBefore !== offsetAfter) {
    let lo = start;
    let hi = end - 1;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(timeZone, mid) === offsetBefore) lo = mid;
      else hi = mid;
    }
    switchAt = Math.ceil(hi / 1000) * 1000;
  }
  return { day, start, end, offsetBefore, offsetAfter, switchAt };
}

/** Every local day an interval of instants touches, in order. */
export function daysSpanned(timeZone: string, from: number, to: number): string[] {
  const first = localDay(timeZone, Math.min(from, to));
  const last = localDay(timeZone, Math.max(from, to));
  const days: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Business hours longer than this are not walked day by day: the answer is capped (and so is the cost). */
const BUSINESS_SPAN_CAP_DAYS = 400;

/** The part of [from, to) inside the weekly business hours, in ms; null without business hours. */
export function businessMs(
  timeZone: string,
  hours: readonly BusinessInterval[] | null | undefined,
  from: number,
  to: number,
): number | null {
  if (!hours?.length) return null;
  if (to <= from) return 0;
  let total = 0;
  let day = localDay(timeZone, from);
  const last = localDay(timeZone, to);
  for (let n = 0; day <= last && n < BUSINESS_SPAN_CAP_DAYS; n++, day = addDays(day, 1)) {
    const weekday = isoWeekday(day);
    for (const interval of hours) {
      if (interval.day !== weekday) continue;
      const open = localInstant(timeZone, day, minutesOf(interval.start));
      const close = localInstant(timeZone, day, minutesOf(interval.end));
      const overlap = Math.min(close, to) - Math.max(open, from);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}
