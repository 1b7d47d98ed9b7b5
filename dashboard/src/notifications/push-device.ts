// Web push on this device: the service worker (public/sw.js), what the browser allows here, and subscribing or
// unsubscribing this browser only. iPhone and iPad get push only in the Home Screen app opened from Safari.
import { api, call } from '../api';

export type DeviceState =
  | 'subscribed'
  | 'not-subscribed'
  | 'requires-install'
  | 'denied'
  | 'unsupported'
  | 'ios-home-screen'
  | 'not-configured';

export const STATE_LABEL: Record<DeviceState, string> = {
  subscribed: 'Subscribed',
  'not-subscribed': 'Not subscribed',
  'requires-install': 'Requires install',
  denied: 'Denied',
  unsupported: 'Unsupported',
  'ios-home-screen': 'iOS needs Home Screen install',
  'not-configured': 'Not configured on this server',
};

export function isIos(ua = navigator.userAgent): boolean {
  // iPadOS presents itself as a Mac; it is the one "Mac" with a touch screen.
  return /iPad|iPhone|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

/** Safari itself (not Chrome, Firefox or Edge for iOS, which cannot add a web app with push to the Home Screen). */
export function isIosSafari(ua = navigator.userAgent): boolean {
  return isIos(ua) && /Safari/.test(ua) && !/CriOS|FxiOS|EdgiOS|OPiOS/.test(ua);
}

export function isStandalone(): boolean {
  return (
    (typeof matchMedia === 'function' && matchMedia('(display-mode: standalone)').matches) ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true
  );
}

/** Registers the service worker (installability, push display); harmless to call again. */
export async function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return null;
  try {
    return await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch {
    return null;
  }
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration('/');
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** What push can do on this device right now, and whether it is subscribed for this member. */
export async function detectDeviceState(): Promise<{ state: DeviceState; publicKey: string | null }> {
  if (isIos() && !isStandalone()) return { state: 'ios-home-screen', publicKey: null };
  if (!('serviceWorker' in navigator) || typeof Notification === 'undefined')
    return { state: 'unsupported', publicKey: null };
  if (!('PushManager' in window)) {
    // Some browsers offer push only to installed apps.
    return { state: isStandalone() ? 'unsupported' : 'requires-install', publicKey: null };
  }
  if (Notification.permission === 'denied') return { state: 'denied', publicKey: null };
  const subscription = await currentSubscription().catch(() => null);
  const status = await call(
    api.notifications['push-subscription'].$get({ query: subscription ? { endpoint: subscription.endpoint } : {} }),
  );
  if (!status.publicKey) return { state: 'not-configured', publicKey: null };
  return { state: status.subscribed ? 'subscribed' : 'not-subscribed', publicKey: status.publicKey };
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Asks for permission, subscribes this browser with the server's VAPID key and stores it for this member. */
export async function subscribeDevice(publicKey: string): Promise<DeviceState> {
  const permission = await Notification.requestPermission();
  if (permission === 'denied') return 'denied';
  if (permission !== 'granted') return 'not-subscribed';
  await registerServiceWorker();
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
  const json = subscription.toJSON();
  await call(
    api.notifications['push-subscription'].$post({
      json: {
        endpoint: subscription.endpoint,
        expirationTime: subscription.expirationTime,
        keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
      },
    }),
  );
  return 'subscribed';
}

/** Stops push on this browser only (other devices of the member keep theirs). */
export async function unsubscribeDevice(): Promise<DeviceState> {
  const subscription = await currentSubscription();
  if (subscription) {
    await call(api.notifications['push-subscription'].$delete({ json: { endpoint: subscription.endpoint } }));
    await subscription.unsubscribe();
  }
  return 'not-subscribed';
}
