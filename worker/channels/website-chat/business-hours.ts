// A website chat channel's business hours: whether the team is open now and, when it is not, when it is back.
// Outside them the widget shows "we're away, back …" instead of a green dot, whoever has the dashboard open.
import { addDays, isoWeekday, localDay, localInstant } from '../../analytics/time';
import type { BusinessHours } from '../../db/schema';

/** Outside business hours: when the team is back (null when no interval is ever open) and the promised reply time. */
export interface Away {
  reopensAt: string | null;
  replyTime: string | null;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** null while open (or without business hours); otherwise when the team is back. */
export function awayState(hours: BusinessHours | null | undefined, now = Date.now()): Away | null {
  if (!hours) return null;
  const today = localDay(hours.timeZone, now);
  let reopensAt: number | null = null;
  // Today and the next seven local days cover every weekday once more.
  for (let n = 0; n <= 7 && reopensAt === null; n++) {
    const day = addDays(today, n);
    const weekday = isoWeekday(day);
    const opens = hours.intervals
      .filter((interval) => interval.day === weekday)
      .map((interval) => ({
        open: localInstant(hours.timeZone, day, minutesOf(interval.start)),
        close: localInstant(hours.timeZone, day, minutesOf(interval.end)),
      }))
      .sort((a, b) => a.open - b.open);
    for (const { open, close } of opens) {
      if (open <= now && now < close) return null;
      if (open > now) {
        reopensAt = open;
        break;
      }
    }
  }
  return {
    reopensAt: reopensAt === null ? null : new Date(reopensAt).toISOString(),
    replyTime: hours.replyTime ?? null,
  };
}
