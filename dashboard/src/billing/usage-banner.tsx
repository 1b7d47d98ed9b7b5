// The banner across the dashboard when tokens are low or out, at the contact thresholds (80 / 95 / 100 %),
// and after a failed payment. Every member sees it; it refreshes on navigation and every minute.
import { useEffect, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { Link } from '../router';

type Alert = ApiData<typeof api.billing.$get>['alerts'][number];

const REFRESH_MS = 60_000;

export function UsageBanner({ path }: { path: string }) {
  const [alerts, setAlerts] = useState<Alert[]>([]);
  useEffect(() => {
    let live = true;
    const load = () =>
      call(api.billing.$get()).then(
        (billing) => live && setAlerts(billing.alerts),
        () => {},
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    addEventListener(BILLING_CHANGED, load);
    return () => {
      live = false;
      clearInterval(timer);
      removeEventListener(BILLING_CHANGED, load);
    };
  }, [path]);
  if (!alerts.length) return null;
  return (
    <div class="usage-banner" data-testid="usage-banner">
      {alerts.map((alert) => (
        <p
          key={alert.kind}
          class={alert.severity === 'danger' ? 'error-panel' : 'notice'}
          role={alert.severity === 'danger' ? 'alert' : 'status'}
        >
          {alert.message} {path !== '/settings/billing' && <Link href="/settings/billing">Billing</Link>}
        </p>
      ))}
    </div>
  );
}

/** Dispatched by the billing page after it reloads, so the banner follows at once. */
export const BILLING_CHANGED = 'hs:billing-changed';
