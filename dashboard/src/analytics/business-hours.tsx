// The organisation's reporting calendar: its time zone and its weekly business hours (per weekday, opening
// hours or closed). With business hours set, the reports can show response times in business time. Admins
// and owners edit them; every other member reads them.
import './analytics.css';
import { useState } from 'preact/hooks';
import { type ApiData, ApiError, api, call } from '../api';
import { Link } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, Field, useLoad } from '../ui';

type Settings = ApiData<typeof api.analytics.settings.$get>;
interface Hours {
  start: string;
  end: string;
}
/** Opening hours per weekday, Monday first; an empty day is closed. */
type Week = Hours[][];

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const OFFICE_HOURS: Hours = { start: '09:00', end: '17:00' };
const MAX_INTERVALS = 50;
/** A time input cannot say 24:00: a day that closes at midnight shows (and is entered as) 00:00. */
const MIDNIGHT = '00:00';

function toWeek(hours: Settings['businessHours']): Week {
  const week: Week = WEEKDAYS.map(() => []);
  for (const h of hours ?? []) week[h.day - 1]?.push({ start: h.start, end: h.end === '24:00' ? MIDNIGHT : h.end });
  for (const day of week) day.sort((a, b) => a.start.localeCompare(b.start));
  return week;
}

const fieldKey = (day: number, i: number, part: keyof Hours) => `hours.${day}.${i}.${part}`;

/** The API's intervals (ISO weekday, 24:00 for midnight) and, per interval, the field it came from. */
function toIntervals(week: Week) {
  const keys: [number, number][] = [];
  const intervals = week.flatMap((day, d) =>
    day.map((h, i) => {
      keys.push([d, i]);
      return { day: d + 1, start: h.start, end: h.end === MIDNIGHT ? '24:00' : h.end };
    }),
  );
  return { intervals, keys };
}

/** Mistakes the form can see without asking the server, keyed by field. */
function checkWeek(week: Week): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  week.forEach((day, d) => {
    day.forEach((h, i) => {
      if (!h.start) fields[fieldKey(d, i, 'start')] = ['Enter the opening time'];
      if (!h.end) fields[fieldKey(d, i, 'end')] = ['Enter the closing time'];
      else if (h.start && h.end !== MIDNIGHT && h.end <= h.start) {
        fields[fieldKey(d, i, 'end')] = ['Closing time must be after the opening time'];
      }
    });
  });
  return fields;
}

function timeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? [];
}

export function BusinessHoursPage() {
  const settings = useLoad(() => call(api.analytics.settings.$get()), []);
  const { canManageSettings } = usePermissions();
  return (
    <section aria-labelledby="business-hours-title" class="analytics">
      <div class="page-head">
        <h1 id="business-hours-title">Time zone and business hours</h1>
      </div>
      <p>
        <Link href="/analytics">Back to Analytics</Link>
      </p>
      <p class="muted">
        Report days and the hour heatmap follow the time zone. With business hours set, reports can count response and
        resolution times in business hours only.
      </p>
      <ErrorPanel error={settings.error} />
      {settings.data &&
        (canManageSettings ? (
          <BusinessHoursForm settings={settings.data} onSaved={settings.setData} />
        ) : (
          <BusinessHoursSummary settings={settings.data} />
        ))}
    </section>
  );
}

function BusinessHoursSummary({ settings }: { settings: Settings }) {
  const week = toWeek(settings.businessHours);
  return (
    <section aria-labelledby="calendar-summary-title" class="card">
      <h2 id="calendar-summary-title">Reporting calendar</h2>
      <p>
        Time zone: <strong>{settings.timeZone}</strong>
      </p>
      {settings.businessHours ? (
        <table>
          <caption>Business hours</caption>
          <tbody>
            {WEEKDAYS.map((name, d) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>
                  {week[d]!.length
                    ? week[d]!.map((h) => `${h.start}–${h.end === MIDNIGHT ? '24:00' : h.end}`).join(', ')
                    : 'Closed'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No business hours are set: response times are counted around the clock.</p>
      )}
      <p class="muted">Only admins change the reporting calendar.</p>
    </section>
  );
}

function BusinessHoursForm({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const [timeZone, setTimeZone] = useState(settings.timeZone);
  const [week, setWeek] = useState<Week>(() => toWeek(settings.businessHours));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<Settings | null>(null);
  const zones = timeZones();
  const count = week.reduce((n, day) => n + day.length, 0);

  const setDay = (d: number, hours: Hours[]) => setWeek((w) => w.map((day, i) => (i === d ? hours : day)));
  const setHours = (d: number, i: number, part: keyof Hours, value: string) =>
    setDay(
      d,
      week[d]!.map((h, j) => (j === i ? { ...h, [part]: value } : h)),
    );

  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(null);
    const mistakes = checkWeek(week);
    if (Object.keys(mistakes).length) {
      setError(new ApiError(400, 'Check the highlighted times.', 'VALIDATION_ERROR', mistakes));
      return;
    }
    const { intervals, keys } = toIntervals(week);
    setBusy(true);
    setError(null);
    try {
      const next = await call(
        api.analytics.settings.$put({ json: { timeZone: timeZone.trim(), businessHours: intervals } }),
      );
      setSaved(next);
      onSaved(next);
    } catch (err) {
      // The server names an interval by its place in the list: show its message at that day's field.
      if (err instanceof ApiError && err.fields) {
        const fields: Record<string, string[]> = {};
        for (const [name, messages] of Object.entries(err.fields)) {
          const match = name.match(/^businessHours\.(\d+)\.(start|end)$/);
          const at = match ? keys[Number(match[1])] : undefined;
          fields[at ? fieldKey(at[0], at[1], match![2] as keyof Hours) : name] = messages;
        }
        setError(new ApiError(err.status, err.message, err.code, fields));
      } else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card business-hours" onSubmit={submit} aria-labelledby="calendar-form-title" noValidate>
      <h2 id="calendar-form-title">Reporting calendar</h2>
      <Field
        label="Time zone"
        name="timeZone"
        error={error}
        hint="An IANA name such as Europe/Ljubljana; changing it recalculates every report"
      >
        {(p) => (
          <input
            {...p}
            value={timeZone}
            maxLength={64}
            required
            list={zones.length ? 'time-zones' : undefined}
            autocomplete="off"
            onInput={(e) => setTimeZone(e.currentTarget.value)}
          />
        )}
      </Field>
      {zones.length > 0 && (
        <datalist id="time-zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      )}
      <fieldset>
        <legend>Business hours</legend>
        <p class="hint">Leave every day closed to count response times around the clock. 00:00 closes at midnight.</p>
        {WEEKDAYS.map((name, d) => (
          <fieldset key={name} class="business-day">
            <legend>{name}</legend>
            <label class="check">
              <input
                type="checkbox"
                checked={week[d]!.length > 0}
                onChange={(e) => setDay(d, e.currentTarget.checked ? [{ ...OFFICE_HOURS }] : [])}
              />
              Open
            </label>
            {week[d]!.length === 0 && <span class="muted">Closed</span>}
            {week[d]!.map((h, i) => (
              <div key={`${d}-${i}`} class="business-interval">
                <Field label={`${name} opens`} name={fieldKey(d, i, 'start')} error={error}>
                  {(p) => (
                    <input
                      {...p}
                      type="time"
                      required
                      value={h.start}
                      onInput={(e) => setHours(d, i, 'start', e.currentTarget.value)}
                    />
                  )}
                </Field>
                <Field label={`${name} closes`} name={fieldKey(d, i, 'end')} error={error}>
                  {(p) => (
                    <input
                      {...p}
                      type="time"
                      required
                      value={h.end}
                      onInput={(e) => setHours(d, i, 'end', e.currentTarget.value)}
                    />
                  )}
                </Field>
                {week[d]!.length > 1 && (
                  <button
                    type="button"
                    class="link"
                    onClick={() =>
                      setDay(
                        d,
                        week[d]!.filter((_, j) => j !== i),
                      )
                    }
                  >
                    Remove {name} hours {i + 1}
                  </button>
                )}
              </div>
            ))}
            {week[d]!.length > 0 && (
              <button
                type="button"
                class="link"
                disabled={count >= MAX_INTERVALS}
                onClick={() => {
                  const last = week[d]![week[d]!.length - 1]!;
                  setDay(d, [...week[d]!, { start: last.end === MIDNIGHT ? '23:00' : last.end, end: MIDNIGHT }]);
                }}
              >
                Add more hours on {name}
              </button>
            )}
          </fieldset>
        ))}
      </fieldset>
      {fieldsShown(error, week) && (
        <p class="field-error" role="alert">
          Check the highlighted fields.
        </p>
      )}
      <ErrorPanel error={error} shownFields={shownFields(week)} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
      {saved && (
        <p role="status">
          {saved.businessHours ? (
            <>
              Saved. Reports can now show response times in business hours:{' '}
              <Link href="/analytics?businessTime=true">open Analytics in business time</Link>.
            </>
          ) : (
            'Saved. With no business hours, reports count response times around the clock.'
          )}
        </p>
      )}
    </form>
  );
}

/** Every field the form shows, so the error panel lists only what no field shows. */
function shownFields(week: Week): string[] {
  return [
    'timeZone',
    ...week.flatMap((day, d) => day.flatMap((_, i) => [fieldKey(d, i, 'start'), fieldKey(d, i, 'end')])),
  ];
}

/** Whether some of the error's messages sit at the form's fields (then the form says where to look). */
function fieldsShown(error: unknown, week: Week): boolean {
  if (!(error instanceof ApiError) || !error.fields) return false;
  const shown = shownFields(week);
  return Object.keys(error.fields).some((name) => shown.includes(name));
}
