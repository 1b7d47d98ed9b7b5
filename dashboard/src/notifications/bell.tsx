// The header's bell and notification centre: the unread count, live from the org hub (frames for this member
// only), the latest notifications, mark one or all read, and a click opens the conversation.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { useLive } from '../live';
import { Link, navigate } from '../router';
import { formatDate } from '../ui';
import { registerServiceWorker } from './push-device';
import './notifications.css';

type Item = ApiData<typeof api.notifications.$get>['items'][number];

const PAGE = 20;

export function NotificationBell({ userId }: { userId: string }) {
  const [items, setItems] = useState<Item[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  const load = useCallback(async () => {
    try {
      const page = await call(api.notifications.$get({ query: { pageSize: String(PAGE) } }));
      setItems(page.items);
      setUnread(page.unreadCount);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);

  useEffect(() => {
    void load();
    void registerServiceWorker();
    // A click on a push notification while the dashboard is open: the service worker asks us to navigate.
    const onMessage = (e: MessageEvent) => {
      if (e.data?.type === 'helpstack:navigate' && typeof e.data.url === 'string' && e.data.url.startsWith('/')) {
        navigate(e.data.url);
      }
    };
    navigator.serviceWorker?.addEventListener('message', onMessage);
    return () => navigator.serviceWorker?.removeEventListener('message', onMessage);
  }, [load]);

  useLive((frame) => {
    if (frame.type !== 'notification' || frame.userId !== userId) return;
    setItems((list) => [frame.notification, ...list.filter((n) => n.id !== frame.notification.id)].slice(0, PAGE));
    if (!frame.notification.readAt) setUnread((n) => n + 1);
  });

  useEffect(() => {
    if (!open) return;
    void load();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    addEventListener('keydown', onKey);
    addEventListener('mousedown', onClick);
    return () => {
      removeEventListener('keydown', onKey);
      removeEventListener('mousedown', onClick);
    };
  }, [open, load]);

  const markRead = async (ids?: string[]) => {
    try {
      const result = await call(api.notifications.read.$post({ json: ids ? { ids } : {} }));
      const now = new Date().toISOString();
      setItems((list) => list.map((n) => (!ids || ids.includes(n.id) ? { ...n, readAt: n.readAt ?? now } : n)));
      setUnread(result.unreadCount);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const openItem = async (item: Item) => {
    setOpen(false);
    if (!item.readAt) void markRead([item.id]);
    navigate(item.conversationId ? `/conversations/${item.conversationId}` : '/conversations');
  };

  return (
    <div class="notif-bell" ref={root}>
      <button
        ref={button}
        type="button"
        class="link notif-button"
        aria-expanded={open}
        aria-controls="notification-centre"
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        onClick={() => setOpen(!open)}
      >
        <svg
          aria-hidden="true"
          width="20"
          height="20"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          stroke-width="2"
        >
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 && (
          <span class="badge notif-count" data-testid="notification-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <section id="notification-centre" class="notif-panel" aria-labelledby="notification-centre-title">
          <div class="notif-head">
            <h2 id="notification-centre-title">Notifications</h2>
            <button type="button" class="link" disabled={unread === 0} onClick={() => markRead()}>
              Mark all read
            </button>
          </div>
          {error && (
            <p class="field-error" role="alert">
              {error}
            </p>
          )}
          {items.length === 0 ? (
            <p class="muted notif-empty">No notifications yet.</p>
          ) : (
            <ul class="notif-list">
              {items.map((item) => (
                <li key={item.id} class={item.readAt ? 'notif-item' : 'notif-item unread'}>
                  <button type="button" class="notif-open" onClick={() => openItem(item)}>
                    <span class="notif-title">
                      {!item.readAt && <span class="sr-only">Unread: </span>}
                      {item.title}
                    </span>
                    {item.body && <span class="notif-body">{item.body}</span>}
                    <span class="notif-time">{formatDate(item.createdAt)}</span>
                  </button>
                  {!item.readAt && (
                    <button type="button" class="link notif-mark" onClick={() => markRead([item.id])}>
                      Mark read<span class="sr-only">: {item.title}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {/* biome-ignore lint/a11y/useKeyWithClickEvents: the link inside handles keys; this only closes the panel */}
          <p class="notif-foot" onClick={() => setOpen(false)}>
            <Link href="/settings/notifications">Notification settings</Link>
          </p>
        </section>
      )}
    </div>
  );
}
