// The conversation panel's TikTok Shop orders: the orders attributed (or soft-attributed) to this conversation,
// each with its number (linking to the order in the seller centre), status, products and total in the store
// currency. A soft-attributed order (the buyer got a shop link, but for another product) can be confirmed or
// rejected by agents and above.
import './order-panel.css';
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { usePermissions } from '../session';
import { ErrorPanel, formatDate, useLoad } from '../ui';

type Orders = ApiData<typeof api.automations.orders.$get>;
type Order = Orders['items'][number];

const SHOWN = 5;

const ATTRIBUTION_NAMES: Record<string, string> = {
  ATTRIBUTED: 'Attributed',
  SOFT: 'Soft-attributed',
  CONFIRMED: 'Confirmed',
  REJECTED: 'Rejected (organic)',
  ORGANIC: 'Organic',
};

function money(amount: string, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

const statusName = (status: string) => status.charAt(0) + status.slice(1).toLowerCase().replaceAll('_', ' ');

export function OrderPanel({ conversationId }: { conversationId: string }) {
  const list = useLoad(
    () => call(api.automations.orders.$get({ query: { conversationId, pageSize: String(SHOWN) } })),
    [conversationId],
  );
  if (!list.error && (!list.data || list.data.items.length === 0)) return null;
  return (
    <section aria-labelledby="orders-title" class="order-panel">
      <h2 id="orders-title">TikTok Shop orders</h2>
      <ErrorPanel error={list.error} />
      {list.data && (
        <ul class="orders">
          {list.data.items.map((o) => (
            <OrderCard key={o.id} order={o} onChanged={() => list.reload()} />
          ))}
        </ul>
      )}
      {list.data && list.data.total > SHOWN && <p class="muted">{list.data.total - SHOWN} older not shown</p>}
    </section>
  );
}

function OrderCard({ order, onChanged }: { order: Order; onChanged: () => void }) {
  const { canReply } = usePermissions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const status = order.attribution?.status ?? null;
  const decide = async (decision: 'confirm' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      const param = { param: { id: order.id } };
      await call(
        decision === 'confirm'
          ? api.automations.orders[':id'].confirm.$post(param)
          : api.automations.orders[':id'].reject.$post(param),
      );
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="order">
      <p class="order-head">
        <a href={order.url} target="_blank" rel="noopener noreferrer">
          Order {order.shopOrderId}
        </a>{' '}
        <span class="status">{statusName(order.status)}</span>
      </p>
      <p class="muted">
        <time dateTime={String(order.orderCreatedAt)}>{formatDate(String(order.orderCreatedAt))}</time>
        {status && (
          <>
            {' · '}
            <span class={status === 'SOFT' ? 'soft-figure' : undefined}>{ATTRIBUTION_NAMES[status] ?? status}</span>
          </>
        )}
      </p>
      <ul class="order-items" aria-label="Products">
        {order.items.map((item, i) => (
          <li key={`${item.skuId ?? item.sku ?? i}`}>
            {item.productName ?? item.productId ?? 'Product'}
            {item.skuName ? ` (${item.skuName})` : ''} × {item.quantity}
          </li>
        ))}
      </ul>
      <p>
        Total <strong>{money(order.total.amount, order.total.currency)}</strong>
      </p>
      {status === 'SOFT' && canReply && (
        <div class="order-actions">
          <button type="button" disabled={busy} onClick={() => decide('confirm')}>
            Confirm attribution
          </button>
          <button type="button" disabled={busy} onClick={() => decide('reject')}>
            Reject
          </button>
        </div>
      )}
      <ErrorPanel error={error} />
    </li>
  );
}
