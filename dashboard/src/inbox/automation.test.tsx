import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, member, renderAs } from '../test-support';
import { closesIn, initials } from './automation';
import { InboxPage } from './inbox-page';

const HOUR = 3_600_000;
const row = (id: string, name: string, automation: unknown, assignee: { id: string; name: string } | null = null) => ({
  id,
  status: 'OPEN',
  priority: 'NORMAL',
  unreadCount: 0,
  language: 'th',
  lastMessageAt: new Date(0).toISOString(),
  lastMessagePreview: `Preview ${id}`,
  contact: { id: `ct-${id}`, name, email: null },
  channel: { id: 'ch-1', name: 'TikTok', type: 'TIKTOK' },
  assignee,
  assignedToId: assignee?.id ?? null,
  automation,
});
const page = (items: unknown[]) => ({ items, page: 1, pageSize: 20, total: items.length, totalPages: 1 });

function fakeInbox(items?: unknown[]) {
  return fakeApi({
    'GET /api/conversations': page(
      items ?? [
        row('a', 'Nok Shop', {
          state: 'WAITING',
          waitingUntil: Date.now() + 3 * HOUR,
          triggerId: 't-1',
          triggerName: 'Price',
          tags: ['vip', 'shade-fair'],
        }),
        row(
          'b',
          'Ploy',
          { state: 'HUMAN', waitingUntil: null, triggerId: 't-1', triggerName: 'Price', tags: [] },
          { id: 'user-2', name: 'Bo Admin' },
        ),
        row('c', 'Website visitor', null),
      ],
    ),
    'GET /api/channels': [],
    'GET /api/team/members': [member('user-1', 'Mia Agent'), member('user-2', 'Bo Admin', 'ADMIN')],
    'GET /api/automations/contact-tags': [
      { tag: 'vip', count: 4 },
      { tag: 'shade-fair', count: 1 },
    ],
    'GET /api/automations/triggers': { triggers: [{ id: 't-1', name: 'Price' }] },
  });
}

beforeEach(() => history.replaceState(null, '', '/conversations?assignedToId=user-1'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('automation in the inbox', () => {
  it('cards show the state chip in plain words, time left, trigger, tags and the owner’s initials', async () => {
    fakeInbox();
    renderAs('AGENT', <InboxPage />);
    const waiting = (await screen.findByText('Nok Shop')).closest('li')!;
    expect(waiting.querySelector('.state-chip')!.textContent).toBe('Automation: Waiting · closes in 3 h');
    expect(within(waiting).getByText('Triggered by Price')).toBeTruthy();
    expect([...waiting.querySelectorAll('.tag-chip')].map((t) => t.textContent)).toEqual(['#vip', '#shade-fair']);
    expect(waiting.querySelector('.conv-who .avatar')!.textContent).toBe('NS');

    const human = screen.getByText('Ploy').closest('li')!;
    expect(human.querySelector('.state-chip')!.textContent).toBe('Automation: Human');
    expect(within(human).getByText('Owner: Bo Admin')).toBeTruthy();

    // A conversation no automation touched looks as before.
    const plain = screen.getByText('Website visitor').closest('li')!;
    expect(plain.querySelector('.state-chip')).toBeNull();
    expect(plain.querySelector('.avatar')).toBeNull();
  });

  it('cards of TikTok buyers show their avatar image (decorative) and @handle; initials when there is none, it is not https, or it fails to load', async () => {
    const bot = { state: 'BOT', waitingUntil: null, triggerId: 't-1', triggerName: 'Price', tags: [] };
    const withContact = (id: string, name: string, contact: Record<string, unknown>) => {
      const r = row(id, name, bot);
      return { ...r, contact: { ...r.contact, ...contact } };
    };
    fakeInbox([
      withContact('a', 'Nok Shop', { avatarUrl: 'https://p16.tiktokcdn.com/avt/nok.webp', handle: 'nok.shop' }),
      withContact('b', 'Ploy', { avatarUrl: 'http://p16.tiktokcdn.com/avt/ploy.webp', handle: null }),
      withContact('c', 'Mai', { avatarUrl: null, handle: 'mai_th' }),
    ]);
    renderAs('AGENT', <InboxPage />);
    const nok = (await screen.findByText('Nok Shop')).closest('li')!;
    const image = nok.querySelector<HTMLImageElement>('.conv-who img.avatar')!;
    expect(image.getAttribute('src')).toBe('https://p16.tiktokcdn.com/avt/nok.webp');
    expect(image.getAttribute('alt')).toBe('');
    expect(nok.querySelector('.conv-who .contact-handle')!.textContent).toBe('@nok.shop');
    // The image adds no text: the name and handle are what a screen reader reads.
    expect(nok.querySelector('.conv-who')!.textContent).toBe('Nok Shop@nok.shop');
    // The picture cannot load (expired CDN link): initials instead.
    fireEvent.error(image);
    await waitFor(() => expect(nok.querySelector('.conv-who img')).toBeNull());
    expect(nok.querySelector('.conv-who .avatar')!.textContent).toBe('NS');

    const ploy = screen.getByText('Ploy').closest('li')!;
    expect(ploy.querySelector('.conv-who img')).toBeNull();
    expect(ploy.querySelector('.conv-who .avatar')!.textContent).toBe('P');
    expect(ploy.querySelector('.contact-handle')).toBeNull();

    const mai = screen.getByText('Mai').closest('li')!;
    expect(mai.querySelector('.conv-who img')).toBeNull();
    expect(mai.querySelector('.conv-who .avatar')!.textContent).toBe('M');
    expect(mai.querySelector('.contact-handle')!.textContent).toBe('@mai_th');
  });

  it('Unassigned humans, Waiting, a tag and a trigger each ask the API for that view', async () => {
    const api = fakeInbox();
    renderAs('AGENT', <InboxPage />);
    await screen.findByText('Nok Shop');
    const views = screen.getByRole('navigation', { name: 'Views' });
    const lastQuery = () => Object.fromEntries(api.find('GET', '/api/conversations').at(-1)!.query);

    fireEvent.click(await within(views).findByRole('button', { name: 'Unassigned humans' }));
    // Owner-less by definition: the Mine tab's assignee filter is dropped.
    await waitFor(() => expect(lastQuery()).toEqual({ page: '1', pageSize: '20', unassignedHumans: 'true' }));
    expect(location.search).toBe('?unassignedHumans=true');
    expect(within(views).getByRole('button', { name: 'Unassigned humans' }).getAttribute('aria-pressed')).toBe('true');

    fireEvent.click(within(views).getByRole('button', { name: 'Waiting' }));
    await waitFor(() => expect(lastQuery()).toEqual({ page: '1', pageSize: '20', automationState: 'WAITING' }));

    fireEvent.click(within(views).getByRole('button', { name: '#vip 4' }));
    await waitFor(() => expect(lastQuery()).toEqual({ page: '1', pageSize: '20', contactTag: 'vip' }));

    fireEvent.click(within(views).getByRole('button', { name: 'Price' }));
    await waitFor(() => expect(lastQuery()).toEqual({ page: '1', pageSize: '20', triggerId: 't-1' }));
    // The tab counts keep to the inbox's own filters.
    expect(api.find('GET', '/api/views/counts').at(-1)!.query.get('triggerId')).toBeNull();

    fireEvent.click(within(views).getByRole('button', { name: 'Price' }));
    await waitFor(() => expect(lastQuery()).toEqual({ page: '1', pageSize: '20' }));
  });

  it('says time left in words people use', () => {
    expect(closesIn(90 * 60_000, 0)).toBe('closes in 2 h');
    expect(closesIn(25 * 60_000, 0)).toBe('closes in 25 min');
    expect(closesIn(3 * 24 * HOUR, 0)).toBe('closes in 3 days');
    expect(closesIn(-1, 0)).toBe('closing now');
    expect(initials('@nok shop')).toBe('NS');
    expect(initials('')).toBe('?');
  });
});
