import { cleanup, fireEvent, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { BusinessHoursPage } from './business-hours';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const day = (name: string) => screen.getByRole('group', { name });

describe('Business hours', () => {
  it('an admin sets the time zone and weekday hours (a day closed, one closing at midnight) and is offered business-time reports', async () => {
    const saved = {
      timeZone: 'Europe/Ljubljana',
      businessHours: [
        { day: 1, start: '08:30', end: '16:00' },
        { day: 5, start: '09:00', end: '24:00' },
      ],
    };
    const api = fakeApi({
      'GET /api/analytics/settings': { timeZone: 'UTC', businessHours: null },
      'PUT /api/analytics/settings': saved,
    });
    renderAs('ADMIN', <BusinessHoursPage />);
    const zone = await screen.findByLabelText<HTMLInputElement>('Time zone');
    expect(zone.value).toBe('UTC');
    // With no business hours every day starts closed.
    for (const name of ['Monday', 'Sunday']) {
      expect(within(day(name)).getByRole<HTMLInputElement>('checkbox', { name: 'Open' }).checked).toBe(false);
      expect(within(day(name)).getByText('Closed')).toBeTruthy();
    }

    fireEvent.input(zone, { target: { value: 'Europe/Ljubljana' } });
    fireEvent.click(within(day('Monday')).getByRole('checkbox', { name: 'Open' }));
    expect(screen.getByLabelText<HTMLInputElement>('Monday closes').value).toBe('17:00');
    fireEvent.input(screen.getByLabelText('Monday opens'), { target: { value: '08:30' } });
    fireEvent.input(screen.getByLabelText('Monday closes'), { target: { value: '16:00' } });
    fireEvent.click(within(day('Friday')).getByRole('checkbox', { name: 'Open' }));
    fireEvent.input(screen.getByLabelText('Friday closes'), { target: { value: '00:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('status')).toHaveProperty(
      'textContent',
      expect.stringContaining('Reports can now show response times in business hours'),
    );
    expect(screen.getByRole('link', { name: 'open Analytics in business time' }).getAttribute('href')).toBe(
      '/analytics?businessTime=true',
    );
    expect(api.find('PUT', '/api/analytics/settings')[0]?.body).toEqual({
      timeZone: 'Europe/Ljubljana',
      businessHours: [
        { day: 1, start: '08:30', end: '16:00' },
        { day: 5, start: '09:00', end: '24:00' },
      ],
    });
  });

  it('shows a closing time before the opening time at its field and sends nothing', async () => {
    const api = fakeApi({
      'GET /api/analytics/settings': {
        timeZone: 'UTC',
        businessHours: [{ day: 3, start: '09:00', end: '17:00' }],
      },
    });
    renderAs('OWNER', <BusinessHoursPage />);
    const closes = await screen.findByLabelText<HTMLInputElement>('Wednesday closes');
    expect(closes.value).toBe('17:00');
    fireEvent.input(closes, { target: { value: '08:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Closing time must be after the opening time')).toBeTruthy();
    expect(closes.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toBe('Check the highlighted fields.');
    expect(api.find('PUT', '/api/analytics/settings')).toEqual([]);
  });

  it("puts the server's reasons at the fields they are about (the time zone, an interval by its place)", async () => {
    fakeApi({
      'GET /api/analytics/settings': {
        timeZone: 'UTC',
        businessHours: [
          { day: 2, start: '09:00', end: '12:00' },
          { day: 2, start: '13:00', end: '17:00' },
        ],
      },
    });
    failRoute('PUT /api/analytics/settings', 400, {
      message: 'Invalid input',
      code: 'VALIDATION_ERROR',
      fields: {
        timeZone: ['Unknown time zone (use an IANA name such as Europe/Ljubljana)'],
        'businessHours.1.end': ['end must be after start'],
      },
    });
    renderAs('ADMIN', <BusinessHoursPage />);
    const zone = await screen.findByLabelText('Time zone');
    // Two intervals on Tuesday: the second one is the list's second entry.
    expect(screen.getAllByLabelText('Tuesday closes').map((i) => (i as HTMLInputElement).value)).toEqual([
      '12:00',
      '17:00',
    ]);
    fireEvent.input(zone, { target: { value: 'Mars/Olympus' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/Unknown time zone/)).toBeTruthy();
    expect(zone.getAttribute('aria-invalid')).toBe('true');
    const [first, second] = screen.getAllByLabelText('Tuesday closes');
    expect(first!.getAttribute('aria-invalid')).toBeNull();
    expect(second!.getAttribute('aria-invalid')).toBe('true');
  });

  it('others read the calendar and cannot change it', async () => {
    fakeApi({
      'GET /api/analytics/settings': {
        timeZone: 'Europe/Ljubljana',
        businessHours: [{ day: 1, start: '09:00', end: '17:00' }],
      },
    });
    renderAs('VIEWER', <BusinessHoursPage />);
    const table = await screen.findByRole('table', { name: 'Business hours' });
    const rows = within(table)
      .getAllByRole('row')
      .map((r) => r.textContent);
    expect(rows[0]).toBe('Monday09:00–17:00');
    expect(rows[6]).toBe('SundayClosed');
    expect(screen.getByText('Europe/Ljubljana')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
    expect(screen.queryByLabelText('Time zone')).toBeNull();
  });
});
