// The dashboard's service worker: makes HelpStack an installable app and shows web push notifications
// (worker/notifications/push.ts sends { id, event, title, body, url, tag }); a click opens the conversation,
// in an open dashboard window when there is one. It handles no fetches (installability does not need it) and
// caches nothing: the dashboard needs the network anyway.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: 'HelpStack', body: event.data ? event.data.text() : '' };
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'HelpStack';
  const url = typeof data.url === 'string' && data.url.startsWith('/') ? data.url : '/conversations';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof data.body === 'string' ? data.body : '',
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      tag: typeof data.tag === 'string' ? data.tag : undefined,
      renotify: typeof data.tag === 'string',
      data: { url, id: data.id },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? '/conversations', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        // The dashboard's router listens for this and navigates without a reload.
        open.postMessage({ type: 'helpstack:navigate', url: new URL(url).pathname });
        return;
      }
      await self.clients.openWindow(url);
    })(),
  );
});
