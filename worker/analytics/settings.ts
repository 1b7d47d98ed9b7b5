// The organisation's reporting calendar: its time zone and optional weekly business hours. Changing either
// re-derives every cycle and rebuilds every day's rollups (see store.invalidateOrganization).
import type { BusinessInterval } from '../db/schema';
import { ValidationError } from '../lib/errors';
import { flushOrganization, invalidateOrganization, loadCalendar } from './store';
import { isTimeZone } from './time';

export interface AnalyticsSettings {
  timeZone: string;
  businessHours: BusinessInterval[] | null;
}

export async function getSettings(d1: D1Database, organizationId: string): Promise<AnalyticsSettings> {
  const calendar = await loadCalendar(d1, organizationId);
  return { timeZone: calendar.timeZone, businessHours: calendar.businessHours ? [...calendar.businessHours] : null };
}

export async function updateSettings(
  d1: D1Database,
  organizationId: string,
  input: Partial<AnalyticsSettings>,
): Promise<AnalyticsSettings> {
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) {
    throw ValidationError.field('timeZone', 'Unknown time zone (use an IANA name such as Europe/Ljubljana)');
  }
  for (const [i, interval] of (input.businessHours ?? []).entries()) {
    if (interval.end <= interval.start) {
      throw ValidationError.field(`businessHours.${i}.end`, 'end must be after start');
    }
  }
  const current = await getSettings(d1, organizationId);
  const next: AnalyticsSettings = {
    timeZone: input.timeZone ?? current.timeZone,
    businessHours:
      input.businessHours === undefined
        ? current.businessHours
        : input.businessHours?.length
          ? input.businessHours
          : null,
  };
  if (
    next.timeZone === current.timeZone &&
    JSON.stringify(next.businessHours) === JSON.stringify(current.businessHours)
  ) {
    return current;
  }
  const write = d1
    .prepare(
      `INSERT INTO organization_settings (organization_id, time_zone, business_hours, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (organization_id) DO UPDATE SET time_zone = excluded.time_zone,
         business_hours = excluded.business_hours, updated_at = excluded.updated_at`,
    )
    .bind(organizationId, next.timeZone, next.businessHours ? JSON.stringify(next.businessHours) : null, Date.now());
  await invalidateOrganization(d1, organizationId, next.timeZone, write);
  return next;
}

/** Rebuilds every cycle and rollup of the organisation from its reporting events (reports flush as they read). */
export async function rebuildAnalytics(d1: D1Database, organizationId: string) {
  const calendar = await loadCalendar(d1, organizationId);
  await invalidateOrganization(d1, organizationId, calendar.timeZone);
  const pending = await flushOrganization(d1, organizationId);
  return { pending: { conversations: pending.pendingConversations, days: pending.pendingDays } };
}
