// Inbound email end to end: a mail posted to the local Email Workers handler shows up in the agent's inbox
// live, the agent answers in the dashboard, and the reply leaves through the channel's SMTP server threaded to
// the customer's mail. Needs a fake SMTP server the Worker may reach, so start the stack with:
//   E2E_FAKE_SMTP_PORT=12125 node e2e/run.mjs e2e/email.spec.ts
import { expect, test } from '@playwright/test';
import { SMTPServer } from 'smtp-server';
import { DEMO_OWNER, logIn, newPage, ownerApi } from './support';

const FAKE_PORT = process.env.E2E_FAKE_SMTP_PORT;
test.skip(!FAKE_PORT, 'start the stack with E2E_FAKE_SMTP_PORT set (see the top of this file)');

const received: { to: string[]; raw: string }[] = [];
let smtp: SMTPServer;

test.beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(Number(FAKE_PORT), '127.0.0.1', resolve));
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

test("a mail to the email handler appears live; the reply goes out with In-Reply-To the customer's Message-ID", async ({
  browser,
  request,
  baseURL,
}) => {
  const run = Date.now().toString(36);
  const inbox = `support-${run}@shop.test`;
  const customer = `jane-${run}@customer.test`;
  const messageId = `e2e-${run}@mail.customer.test`;
  const owner = await ownerApi(request, baseURL!);
  await owner.post('/api/channels', {
    type: 'EMAIL',
    name: `Mail ${run}`,
    autoTranslate: false,
    credentials: {
      host: '127.0.0.1',
      port: Number(FAKE_PORT),
      username: inbox,
      password: 'local test password',
      from: inbox,
      smtpAllowPlaintext: true,
    },
  });

  const agent = await newPage(browser);
  await logIn(agent, DEMO_OWNER);

  const subject = `Lamp order ${run} <b>late</b>`;
  const raw = [
    `From: Jane Doe <${customer}>`,
    `To: ${inbox}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    `My lamp ${run} has not arrived yet.`,
    '',
    'On Mon, Shop wrote:',
    '> Thanks for your order.',
    '',
  ].join('\r\n');
  const posted = await request.post(
    `/cdn-cgi/handler/email?from=${encodeURIComponent(customer)}&to=${encodeURIComponent(inbox)}`,
    { data: raw, headers: { 'content-type': 'message/rfc822' } },
  );
  expect(posted.ok()).toBe(true);

  // The agent sees it arrive without reloading.
  const row = agent.getByRole('link', { name: new RegExp(`My lamp ${run}`) });
  await expect(row).toBeVisible({ timeout: 15_000 });
  await row.click();
  const thread = agent.getByRole('list', { name: 'Messages' });
  await expect(thread).toContainText(`My lamp ${run} has not arrived yet.`);
  const details = thread.getByRole('definition').filter({ hasText: subject });
  await expect(details).toBeVisible();
  await expect(thread).toContainText(`Jane Doe <${customer}>`);
  // The quoted history is collapsed until asked for, and the subject's markup is text.
  await expect(thread.getByText('> Thanks for your order.')).toBeHidden();
  await thread.getByText('Show quoted text').click();
  await expect(thread.getByText('> Thanks for your order.')).toBeVisible();
  await expect(agent.locator('.msg b')).toHaveCount(0);

  await agent.getByLabel('Reply to the customer').fill(`It ships tomorrow ${run}.`);
  await agent.getByRole('button', { name: /^Send reply/ }).click();

  await expect.poll(() => received.filter((m) => m.to.includes(customer)).length, { timeout: 20_000 }).toBe(1);
  const reply = received.find((m) => m.to.includes(customer))!;
  const headers = reply.raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
  expect(headers).toContain(`In-Reply-To: <${messageId}>`);
  expect(headers).toContain(`References: <${messageId}>`);
  expect(headers).toMatch(/\r\nMessage-ID: <hs\.[\w-]+\.[A-Za-z0-9]{16}\.[A-Za-z0-9]+@shop\.test>/);
  expect(reply.raw).toContain(`It ships tomorrow ${run}.`);
});
