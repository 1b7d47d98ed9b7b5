import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { OrderPanel } from './order-panel';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const order = (id: string, status: string, attribution: string | null) => ({
  id,
  shopOrderId: `5770${id}`,
  status,
  buyerUserId: 'buyer-1',
  total: { currency: 'USD', amount: '39.90', amountMinor: 3990 },
  items: [
    {
      productId: 'P1',
      productName: 'Glow serum',
      skuId: 's1',
      sku: 'A-2',
      skuName: '50 ml',
      quantity: 2,
      unitPrice: '19.95',
    },
  ],
  orderCreatedAt: '2026-03-01T10:00:00.000Z',
  orderUpdatedAt: '2026-03-01T10:00:00.000Z',
  url: `https://seller.tiktokglobalshop.com/order/detail?order_no=5770${id}`,
  attribution: attribution && {
    status: attribution,
    contactId: 'c1',
    conversationId: 'conv-1',
    productId: 'P1',
    matchedSku: null,
    postId: 'v1',
    commentId: 'cm1',
    triggerId: 't1',
    flowId: 'f1',
    flowVersion: 1,
    blockId: 'shop',
    linkSentAt: '2026-02-27T10:00:00.000Z',
    timeToOrderMs: 1000,
    decidedById: null,
    decidedAt: null,
  },
});

const page = (items: ReturnType<typeof order>[]) => ({
  items,
  page: 1,
  pageSize: 5,
  total: items.length,
  totalPages: 1,
});

describe('OrderPanel', () => {
  it('shows the linked order: number linking to the seller centre, status, products and total in the store currency', async () => {
    const api = fakeApi({ 'GET /api/automations/orders': page([order('1', 'AWAITING_SHIPMENT', 'ATTRIBUTED')]) });
    renderAs('VIEWER', <OrderPanel conversationId="conv-1" />);
    const link = await screen.findByRole('link', { name: 'Order 57701' });
    expect(link.getAttribute('href')).toBe('https://seller.tiktokglobalshop.com/order/detail?order_no=57701');
    expect(api.calls[0]!.query.get('conversationId')).toBe('conv-1');
    expect(screen.getByText('Awaiting shipment')).toBeTruthy();
    expect(screen.getByText('Attributed')).toBeTruthy();
    expect(screen.getByRole('list', { name: 'Products' }).textContent).toBe('Glow serum (50 ml) × 2');
    const total = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(39.9);
    expect(screen.getByText(total)).toBeTruthy();
    // Nothing to decide on an attributed order, and a viewer could not anyway.
    expect(screen.queryByRole('button', { name: 'Confirm attribution' })).toBeNull();
  });

  it('renders nothing for a conversation without orders', async () => {
    const api = fakeApi({ 'GET /api/automations/orders': page([]) });
    const { container } = renderAs('AGENT', <OrderPanel conversationId="conv-2" />);
    await waitFor(() => expect(api.calls).toHaveLength(1));
    expect(container.textContent).toBe('');
  });

  it('an agent confirms a soft-attributed order; the panel reloads; a refusal is shown', async () => {
    let current = order('2', 'COMPLETED', 'SOFT');
    const api = fakeApi({
      'GET /api/automations/orders': () => page([current]),
      'POST /api/automations/orders/2/confirm': () => {
        current = order('2', 'COMPLETED', 'CONFIRMED');
        return current;
      },
    });
    renderAs('AGENT', <OrderPanel conversationId="conv-1" />);
    const soft = await screen.findByText('Soft-attributed');
    expect(soft.className).toBe('soft-figure');
    fireEvent.click(screen.getByRole('button', { name: 'Confirm attribution' }));
    await screen.findByText('Confirmed');
    expect(api.find('POST', '/api/automations/orders/2/confirm')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Reject' })).toBeNull();
  });

  it('shows why a decision was refused', async () => {
    fakeApi({ 'GET /api/automations/orders': page([order('3', 'COMPLETED', 'SOFT')]) });
    failRoute('POST /api/automations/orders/3/reject', 409, {
      code: 'CONFLICT',
      message: 'Only a soft-attributed order can be confirmed or rejected; this one is CONFIRMED',
    });
    renderAs('ADMIN', <OrderPanel conversationId="conv-1" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Reject' }));
    expect((await screen.findByRole('alert')).textContent).toContain('this one is CONFIRMED');
  });

  it('a viewer sees a soft order without the buttons', async () => {
    fakeApi({ 'GET /api/automations/orders': page([order('4', 'COMPLETED', 'SOFT')]) });
    renderAs('VIEWER', <OrderPanel conversationId="conv-1" />);
    await screen.findByText('Soft-attributed');
    expect(screen.queryByRole('button')).toBeNull();
  });
});
