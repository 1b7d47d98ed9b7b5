import { describe, expect, it } from 'vitest';
import { awayState } from './business-hours';

// Monday to Friday 09:00–17:00 in Ljubljana (UTC+1 in winter, UTC+2 in summer), lunch closed on Wednesdays.
const hours = {
  timeZone: 'Europe/Ljubljana',
  intervals: [1, 2, 4, 5]
    .map((day) => ({ day, start: '09:00', end: '17:00' }))
    .concat([
      { day: 3, start: '13:00', end: '17:00' },
      { day: 3, start: '09:00', end: '12:00' },
    ]),
  replyTime: 'within a day',
};

describe('business hours', () => {
  it('is open within an interval and always open without business hours', () => {
    // Tuesday 2026-12-01 10:00 local = 09:00 UTC.
    expect(awayState(hours, Date.parse('2026-12-01T09:00:00Z'))).toBeNull();
    expect(awayState(undefined, Date.parse('2026-12-05T12:00:00Z'))).toBeNull();
    expect(awayState(null, Date.parse('2026-12-05T12:00:00Z'))).toBeNull();
  });

  it('says when the team is back: later today, after lunch, or after the weekend, in the zone’s own offset', () => {
    // Tuesday 07:30 local: back at 09:00 local (08:00 UTC).
    expect(awayState(hours, Date.parse('2026-12-01T06:30:00Z'))).toEqual({
      reopensAt: '2026-12-01T08:00:00.000Z',
      replyTime: 'within a day',
    });
    // Wednesday 12:30 local: back at 13:00 local (intervals in any order).
    expect(awayState(hours, Date.parse('2026-12-02T11:30:00Z'))?.reopensAt).toBe('2026-12-02T12:00:00.000Z');
    // Friday 17:00 local is closed (the end is exclusive): back Monday 09:00.
    expect(awayState(hours, Date.parse('2026-12-04T16:00:00Z'))?.reopensAt).toBe('2026-12-07T08:00:00.000Z');
    // Summer time: Saturday 2026-06-06, back Monday 09:00 CEST = 07:00 UTC.
    expect(awayState(hours, Date.parse('2026-06-06T10:00:00Z'))?.reopensAt).toBe('2026-06-08T07:00:00.000Z');
  });

  it('has no reopening time when no interval is ever open', () => {
    expect(awayState({ timeZone: 'UTC', intervals: [] }, Date.now())).toEqual({ reopensAt: null, replyTime: null });
  });
});
