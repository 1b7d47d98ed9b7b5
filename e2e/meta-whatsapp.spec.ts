// WhatsApp end to end: a signed webhook brings a customer's message into the agent's open inbox live, the
// agent replies, the reply goes out through a fake Graph API (which checks the request and the bearer token),
// and the delivery receipt webhook that follows marks the reply Delivered in the thread. Run with the fake:
//   E2E_FAKE_GRAPH_PORT=12130 node e2e/run.mjs e2e/meta-whatsapp.spec.ts
import { createHmac, randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { FakeGraph } from '../test/fake-graph';
import { devVar, serveFake } from './fakes';
import { DEMO_OWNER, expectNoAxeViolations, logIn, ownerApi } from './support';

const FAKE_PORT = process.env.E2E_FAKE_GRAPH_PORT;
test.skip(!FAKE_PORT, 'start the stack with E2E_FAKE_GRAPH_PORT set (see the top of this file)');

const graph = new FakeGraph(`http://127.0.0.1:${FAKE_PORT}/v21.0`);
serveFake(FAKE_PORT ?? '', (request) => graph.handle(request));

const appSecret = () => devVar('FACEBOOK_APP_SECRET');

function whatsapp(phoneNumberId: string, value: Record<string, unknown>) {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'e2e-waba',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  });
}

test('an agent sees a WhatsApp message arrive live, replies, and sees the reply delivered', async ({
  page,
  request,
  baseURL,
}) => {
  const secret = appSecret();
  const postSigned = async (raw: string) => {
    const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    const res = await request.post('/api/webhooks/whatsapp', {
      data: raw,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    });
    expect(res.status()).toBe(200);
  };

  // A WhatsApp channel whose phone number the fake Graph API knows.
  const api = await ownerApi(request, baseURL!);
  const phoneNumberId = `${Date.now()}`;
  const token = `e2e-token-${randomUUID()}`;
  graph.account(phoneNumberId, token, 'whatsapp');
  await api.post('/api/channels', {
    type: 'WHATSAPP',
    name: `WhatsApp ${phoneNumberId}`,
    autoTranslate: false,
    credentials: { phoneNumberId, accessToken: token, businessAccountId: `waba-${phoneNumberId}` },
  });

  // The receipt Meta sends once the reply reached the phone.
  graph.onSend = (send) => {
    setTimeout(() => {
      void postSigned(
        whatsapp(phoneNumberId, {
          statuses: [
            {
              id: send.messageId,
              status: 'delivered',
              timestamp: String(Math.floor(Date.now() / 1000)),
              recipient_id: send.body.to,
            },
          ],
        }),
      );
    }, 300);
  };

  await logIn(page, DEMO_OWNER);
  const customer = `49151${String(Date.now()).slice(-8)}`;
  const question = `Wo ist meine Bestellung ${randomUUID().slice(0, 8)}?`;
  await postSigned(
    whatsapp(phoneNumberId, {
      contacts: [{ profile: { name: 'Wanda WhatsApp' }, wa_id: customer }],
      messages: [
        {
          from: customer,
          id: `wamid.e2e.${randomUUID()}`,
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'text',
          text: { body: question },
        },
      ],
    }),
  );

  // It arrives in the open inbox without a reload.
  const row = page.getByRole('link', { name: new RegExp(question.split(' ').at(-1)!.replace('?', '\\?')) });
  await expect(row).toBeVisible({ timeout: 20_000 });
  await row.click();
  await expect(page.getByRole('list', { name: 'Messages' })).toContainText(question);
  await expect(page.getByRole('status').filter({ hasText: '24 h window closes in' })).toBeVisible();

  await page.getByLabel('Reply to the customer').fill('Sie ist unterwegs und kommt morgen an.');
  await page.getByRole('button', { name: /^Send reply/ }).click();

  // The fake Graph API got the reply with the channel's token, in WhatsApp's shape.
  await expect.poll(() => graph.sends.length).toBe(1);
  expect(graph.sends[0]!.authorization).toBe(`Bearer ${token}`);
  expect(graph.sends[0]!.body).toMatchObject({
    messaging_product: 'whatsapp',
    to: customer,
    type: 'text',
    text: { body: 'Sie ist unterwegs und kommt morgen an.' },
  });

  // The delivery receipt marks it Delivered in the thread, live.
  const reply = page
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: 'Sie ist unterwegs und kommt morgen an.' });
  await expect(reply).toContainText('Delivered', { timeout: 20_000 });
  await expectNoAxeViolations(page);
});
