import { env } from 'cloudflare:workers';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addMember, type Client, signUpOwner } from '../../test/client';
import { createDb } from '../db/client';
import { channelKnowledgeGroups, channels } from '../db/schema';

const page = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title><style>p{color:red}</style></head><body>
   <nav><a href="/">Home</a> <a href="/pricing">Pricing</a></nav>${body}
   <script>console.log('tracking')</script><footer>Copyright Acme Footer Links</footer></body></html>`;

let siteIsUp = false;
const server = setupServer(
  http.get('https://docs.example.com/shipping', () =>
    HttpResponse.html(
      page(
        'Shipping guide',
        `<h1>Shipping</h1><p>We ship parcels to 40 countries with DHL Express.</p>
         <h2>Delivery times</h2><p>Orders placed before noon leave the warehouse the same day.</p>`,
      ),
    ),
  ),
  http.get('https://docs.example.com/missing', () => new HttpResponse('gone', { status: 404 })),
  http.get('https://docs.example.com/empty', () => HttpResponse.html(page('Empty', '<nav>Only navigation</nav>'))),
  http.get('https://down.example.com/', () => HttpResponse.error()),
  http.get(
    'https://docs.example.com/sneaky',
    () => new HttpResponse(null, { status: 302, headers: { location: 'http://10.0.0.5/admin' } }),
  ),
  http.get('https://docs.example.com/flaky', () =>
    siteIsUp
      ? HttpResponse.html(page('Warranty', '<h1>Warranty</h1><p>Every kettle has a two year warranty.</p>'))
      : new HttpResponse('maintenance', { status: 503 }),
  ),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function createGroup(client: Client, name = 'Shipping') {
  const res = await client.post('/api/knowledge/groups', { name });
  expect(res.status).toBe(201);
  return res.body.data.id as string;
}

async function createArticle(client: Client, groupId: string, title: string, content: string) {
  const res = await client.post('/api/knowledge/articles', { groupId, title, content });
  expect(res.status).toBe(201);
  return res.body.data;
}

/** Waits for the knowledge.ingest job (run by the real queue consumer) to finish with the article. */
async function settled(client: Client, id: string) {
  for (let i = 0; i < 150; i++) {
    const res = await client.get(`/api/knowledge/articles/${id}`);
    if (res.body.data.status !== 'PROCESSING') return res.body.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`article ${id} still PROCESSING`);
}

async function search(client: Client, body: Record<string, unknown>) {
  const res = await client.post('/api/knowledge/search', body);
  expect(res.status).toBe(200);
  return res.body.data as { articleId: string; title: string; text: string; score: number; heading: string | null }[];
}

function upload(groupId: string, name: string, content: string | Uint8Array<ArrayBuffer>, type = '') {
  const form = new FormData();
  form.set('groupId', groupId);
  form.set('file', new File([content], name, { type }));
  return form;
}

/** A minimal valid one-page PDF whose text is `text`, with a correct cross-reference table. */
function minimalPdf(text: string): string {
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return pdf;
}

describe('knowledge groups and articles', () => {
  it('admins manage groups and articles; agents and viewers read but cannot write', async () => {
    const owner = await signUpOwner();
    const admin = await addMember(owner.client, 'ADMIN');
    const agent = await addMember(owner.client, 'AGENT');
    const viewer = await addMember(owner.client, 'VIEWER');

    const groupId = await createGroup(admin.client, 'Returns');
    const article = await createArticle(admin.client, groupId, 'Refunds', 'Refunds are paid within 14 days.');

    for (const member of [agent, viewer]) {
      expect((await member.client.post('/api/knowledge/groups', { name: 'Nope' })).status).toBe(403);
      expect((await member.client.patch(`/api/knowledge/groups/${groupId}`, { name: 'Nope' })).status).toBe(403);
      expect((await member.client.delete(`/api/knowledge/groups/${groupId}`)).status).toBe(403);
      const write = await member.client.post('/api/knowledge/articles', { groupId, title: 'X', content: 'Y' });
      expect(write.status).toBe(403);
      expect((await member.client.patch(`/api/knowledge/articles/${article.id}`, { title: 'X' })).status).toBe(403);
      expect((await member.client.delete(`/api/knowledge/articles/${article.id}`)).status).toBe(403);
      expect((await member.client.post(`/api/knowledge/articles/${article.id}/reprocess`)).status).toBe(403);

      const groups = await member.client.get('/api/knowledge/groups');
      expect(groups.body.data).toEqual([expect.objectContaining({ id: groupId, name: 'Returns', articleCount: 1 })]);
      const list = await member.client.get(`/api/knowledge/articles?groupId=${groupId}`);
      expect(list.body.data.map((a: { id: string }) => a.id)).toEqual([article.id]);
      expect(list.body.data[0]).not.toHaveProperty('content');
      expect((await member.client.get(`/api/knowledge/articles/${article.id}`)).body.data.content).toBe(
        'Refunds are paid within 14 days.',
      );
      expect(await search(member.client, { query: 'refund' })).toHaveLength(1);
    }

    const renamed = await admin.client.patch(`/api/knowledge/groups/${groupId}`, { description: 'Money back' });
    expect(renamed.body.data).toMatchObject({ name: 'Returns', description: 'Money back' });
    expect((await admin.client.get(`/api/knowledge/articles?status=ERROR`)).body.data).toEqual([]);
  });

  it('rejects bad input with field errors and changes nothing', async () => {
    const { client } = await signUpOwner();
    const groupId = await createGroup(client);
    const noName = await client.post('/api/knowledge/groups', { name: '  ' });
    expect(noName.status).toBe(400);
    expect(noName.body.error.code).toBe('VALIDATION_ERROR');
    expect(noName.body.error.fields).toHaveProperty('name');

    const noContent = await client.post('/api/knowledge/articles', { groupId, title: 'Empty' });
    expect(noContent.status).toBe(400);
    expect(noContent.body.error.fields).toHaveProperty('content');
    const badUrl = await client.post('/api/knowledge/articles', { groupId, url: 'ftp://example.com/file' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.fields).toHaveProperty('url');
    const badLimit = await client.post('/api/knowledge/search', { query: 'x', limit: 21 });
    expect(badLimit.status).toBe(400);
    const badStatus = await client.get('/api/knowledge/articles?status=DONE');
    expect(badStatus.status).toBe(400);

    expect((await client.get('/api/knowledge/groups')).body.data).toHaveLength(1);
    expect((await client.get('/api/knowledge/articles')).body.data).toEqual([]);
  });

  it("answers 404 for another organisation's groups and articles, and keeps their content out of search", async () => {
    const alice = await signUpOwner('Alice Co');
    const bob = await signUpOwner('Bob Co');
    const aliceGroup = await createGroup(alice.client, 'Secrets');
    const aliceArticle = await createArticle(alice.client, aliceGroup, 'Vault code', 'The vault code is 7421.');
    const bobGroup = await createGroup(bob.client);

    expect((await bob.client.get(`/api/knowledge/groups/${aliceGroup}`)).status).toBe(404);
    expect((await bob.client.patch(`/api/knowledge/groups/${aliceGroup}`, { name: 'Mine' })).status).toBe(404);
    expect((await bob.client.delete(`/api/knowledge/groups/${aliceGroup}`)).status).toBe(404);
    expect((await bob.client.get(`/api/knowledge/articles/${aliceArticle.id}`)).status).toBe(404);
    expect((await bob.client.patch(`/api/knowledge/articles/${aliceArticle.id}`, { title: 'x' })).status).toBe(404);
    expect((await bob.client.delete(`/api/knowledge/articles/${aliceArticle.id}`)).status).toBe(404);
    expect((await bob.client.post(`/api/knowledge/articles/${aliceArticle.id}/reprocess`)).status).toBe(404);
    const intoAlice = await bob.client.post('/api/knowledge/articles', {
      groupId: aliceGroup,
      title: 'x',
      content: 'y',
    });
    expect(intoAlice.status).toBe(404);
    const moveToAlice = await alice.client.patch(`/api/knowledge/articles/${aliceArticle.id}`, { groupId: bobGroup });
    expect(moveToAlice.status).toBe(404);

    expect(await search(bob.client, { query: 'vault code' })).toEqual([]);
    expect(await search(bob.client, { query: 'vault code', groupIds: [aliceGroup] })).toEqual([]);
    expect((await search(alice.client, { query: 'vault code' }))[0]?.articleId).toBe(aliceArticle.id);
  });
});

describe('hand-written articles', () => {
  it('are READY at once, searchable, re-indexed on edit and gone from search on delete', async () => {
    const { client } = await signUpOwner();
    const groupId = await createGroup(client);
    const article = await createArticle(
      client,
      groupId,
      'Parcel tracking',
      '# Tracking\nEvery parcel gets a tracking number by email once it leaves the warehouse.',
    );
    expect(article).toMatchObject({ status: 'READY', source: 'MANUAL', error: null });
    const [hit] = await search(client, { query: 'where is my tracking number?' });
    expect(hit).toMatchObject({ articleId: article.id, title: 'Parcel tracking', heading: 'Tracking' });
    expect(hit!.text).toContain('tracking number by email');

    const edited = await client.patch(`/api/knowledge/articles/${article.id}`, {
      title: 'Gift cards',
      content: 'Gift cards never expire and can be used for any order.',
    });
    expect(edited.body.data).toMatchObject({
      status: 'READY',
      title: 'Gift cards',
      content: expect.stringContaining('never expire'),
    });
    expect(await search(client, { query: 'tracking number' })).toEqual([]);
    expect((await search(client, { query: 'do gift cards expire' }))[0]?.articleId).toBe(article.id);

    expect((await client.delete(`/api/knowledge/articles/${article.id}`)).status).toBe(200);
    expect((await client.get(`/api/knowledge/articles/${article.id}`)).status).toBe(404);
    expect(await search(client, { query: 'gift cards' })).toEqual([]);
  });

  it('deleting a group removes its articles and their passages', async () => {
    const { client } = await signUpOwner();
    const keep = await createGroup(client, 'Keep');
    const drop = await createGroup(client, 'Drop');
    await createArticle(client, keep, 'Opening hours', 'The shop opens at nine in the morning.');
    const dropped = await createArticle(client, drop, 'Old promo', 'The spring promo code is BLOOM10.');

    expect((await client.delete(`/api/knowledge/groups/${drop}`)).status).toBe(200);
    expect((await client.get(`/api/knowledge/articles/${dropped.id}`)).status).toBe(404);
    expect(await search(client, { query: 'promo code BLOOM10' })).toEqual([]);
    const chunks = await env.DB.prepare(
      'SELECT count(*) AS n FROM knowledge_chunks_fts WHERE chunk_id IN (SELECT id FROM knowledge_chunks WHERE article_id = ?)',
    )
      .bind(dropped.id)
      .first<{ n: number }>();
    expect(chunks?.n).toBe(0);
    expect((await search(client, { query: 'when does the shop open' }))[0]?.title).toBe('Opening hours');
  });
});

describe('articles from a URL', () => {
  it('are scraped by the queue job into READY articles with the page title and clean text', async () => {
    const { client } = await signUpOwner();
    const groupId = await createGroup(client);
    const created = await client.post('/api/knowledge/articles', { groupId, url: 'https://docs.example.com/shipping' });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ status: 'PROCESSING', source: 'URL' });

    const article = await settled(client, created.body.data.id);
    expect(article).toMatchObject({ status: 'READY', title: 'Shipping guide', error: null });
    expect(article.content).toContain('# Shipping');
    expect(article.content).toContain('## Delivery times');
    expect(article.content).toContain('40 countries');
    for (const noise of ['Pricing', 'tracking', 'Footer', 'color:red']) expect(article.content).not.toContain(noise);

    const [hit] = await search(client, { query: 'when do orders leave the warehouse' });
    expect(hit).toMatchObject({ articleId: article.id, heading: 'Shipping > Delivery times' });
    expect(hit).toHaveProperty('url', 'https://docs.example.com/shipping');
  });

  it('end in ERROR with a readable reason when the page is missing, unreachable or empty', async () => {
    const { client } = await signUpOwner();
    const groupId = await createGroup(client);
    const cases = [
      ['https://docs.example.com/missing', 'Could not fetch https://docs.example.com/missing: HTTP 404'],
      ['https://down.example.com/', 'Could not fetch https://down.example.com/: the site is unreachable'],
      ['https://docs.example.com/empty', 'The page has no readable text'],
    ];
    for (const [url, reason] of cases) {
      const created = await client.post('/api/knowledge/articles', { groupId, url, title: 'Broken' });
      const article = await settled(client, created.body.data.id);
      expect(article).toMatchObject({ status: 'ERROR', error: reason, title: 'Broken' });
    }
    expect(await search(client, { query: 'broken' })).toEqual([]);
  });

  it('refuses URLs that point inside the network, including through a redirect', async () => {
    const { client } = await signUpOwner();
    const groupId = await createGroup(client);
    for (const url of [
      'http://127.0.0.1/',
      'http://10.0.0.5/admin',
      'http://169.254.169.254/latest/meta-data/',
      'http://localhost:8787/',
      'http://[::1]/',
      'http://metadata.google.internal/',
    ]) {
      const res = await client.post('/api/knowledge/articles', { groupId, url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.fields?.url?.[0]).toMatch(/private or local address/);
    }
    expect((await client.get('/api/knowledge/articles')).body.data).toEqual([]);

    const sneaky = await client.post('/api/knowledge/articles', { groupId, url: 'https://docs.example.com/sneaky' });
    const article = await settled(client, sneaky.body.data.id);
    expect(article.status).toBe('ERROR');
    expect(article.error).toBe('Refusing to fetch http://10.0.0.5: it points to a private or local address');
  });

  it('reprocessing fetches the page again: ERROR flips to READY once the site is back', async () => {
    const { client } = await signUpOwner();
    const groupId = await createGroup(client);
    siteIsUp = false;
    const created = await client.post('/api/knowledge/articles', { groupId, url: 'https://docs.example.com/flaky' });
    expect(await settled(client, created.body.data.id)).toMatchObject({
      status: 'ERROR',
      error: expect.stringContaining('HTTP 503'),
    });

    siteIsUp = true;
    const reprocess = await client.post(`/api/knowledge/articles/${created.body.data.id}/reprocess`);
    expect(reprocess.status).toBe(200);
    expect(reprocess.body.data).toMatchObject({ status: 'PROCESSING', error: null });
    expect(await settled(client, created.body.data.id)).toMatchObject({ status: 'READY', title: 'Warranty' });
    expect((await search(client, { query: 'kettle warranty' }))[0]?.articleId).toBe(created.body.data.id);
  });
});

describe('articles from uploaded files', () => {
  it('turns Markdown, text and HTML files into READY articles and keeps the original in R2', async () => {
    const { client, organization } = await signUpOwner();
    const groupId = await createGroup(client);
    const files = [
      [
        'returns.md',
        '# Returns policy\n\nUnworn shoes can be returned within 30 days.',
        'Returns policy',
        'unworn shoes',
      ],
      ['hours.txt', 'Our support team answers from 8am to 6pm on weekdays.', 'hours.txt', 'support team weekdays'],
      [
        'sizes.html',
        page('Size chart', '<h1>Sizes</h1><p>Our boots run half a size small.</p>'),
        'Size chart',
        'boots size',
      ],
    ];
    for (const [name, content, title, query] of files) {
      const res = await client.post('/api/knowledge/articles', upload(groupId, name!, content!));
      expect(res.status, name).toBe(201);
      const article = await settled(client, res.body.data.id);
      expect(article, name).toMatchObject({ status: 'READY', source: 'FILE', fileName: name, title });
      expect((await search(client, { query: query! }))[0]?.articleId, name).toBe(article.id);
      const stored = await env.MEDIA.get(`knowledge/${organization.id}/${article.id}/${name}`);
      expect(await stored?.text()).toBe(content);
    }
  });

  it('reads the text of a real PDF, marks a corrupt one ERROR and refuses unknown or oversized files', async () => {
    const { client } = await signUpOwner();
    const groupId = await createGroup(client);

    const good = await client.post(
      '/api/knowledge/articles',
      upload(groupId, 'manual.pdf', minimalPdf('Descale the espresso machine monthly'), 'application/pdf'),
    );
    expect(good.status).toBe(201);
    const pdf = await settled(client, good.body.data.id);
    expect(pdf.status).toBe('READY');
    expect(pdf.content).toContain('Descale the espresso machine monthly');
    expect((await search(client, { query: 'how often to descale' }))[0]?.articleId).toBe(pdf.id);

    const corrupt = await client.post(
      '/api/knowledge/articles',
      upload(groupId, 'broken.pdf', '%PDF-1.4 this is not really a pdf'),
    );
    expect(await settled(client, corrupt.body.data.id)).toMatchObject({
      status: 'ERROR',
      error: 'The PDF could not be read',
    });

    const exe = await client.post('/api/knowledge/articles', upload(groupId, 'setup.exe', 'MZ\u0000\u0000'));
    expect(exe.status).toBe(400);
    expect(exe.body.error.fields?.file?.[0]).toMatch(/^Unsupported file type \.exe/);

    const huge = await client.post(
      '/api/knowledge/articles',
      upload(groupId, 'big.txt', new Uint8Array(10 * 1024 * 1024 + 1).fill(97)),
    );
    expect(huge.status).toBe(413);

    const list = (await client.get('/api/knowledge/articles')).body.data;
    expect(list.map((a: { fileName: string }) => a.fileName).sort()).toEqual(['broken.pdf', 'manual.pdf']);
  });
});

describe('search', () => {
  it("returns only READY articles from the channel's attached groups", async () => {
    const { client, organization } = await signUpOwner();
    const attached = await createGroup(client, 'Attached');
    const other = await createGroup(client, 'Other');
    const inAttached = await createArticle(client, attached, 'Warranty', 'All bikes carry a five year frame warranty.');
    await createArticle(client, other, 'Warranty (other)', 'Scooters carry a one year frame warranty.');
    const failing = await client.post('/api/knowledge/articles', {
      groupId: attached,
      url: 'https://docs.example.com/missing',
      title: 'frame warranty',
    });
    await settled(client, failing.body.data.id);

    const db = createDb(env.DB);
    const [withGroups] = await db
      .insert(channels)
      .values({ organizationId: organization.id, type: 'WEBSITE_CHAT', name: 'Site', credentialsEncrypted: '' })
      .returning();
    const [withoutGroups] = await db
      .insert(channels)
      .values({ organizationId: organization.id, type: 'WEBSITE_CHAT', name: 'Bare', credentialsEncrypted: '' })
      .returning();
    await db
      .insert(channelKnowledgeGroups)
      .values({ organizationId: organization.id, channelId: withGroups!.id, groupId: attached });

    const everywhere = await search(client, { query: 'frame warranty' });
    expect(everywhere.map((p) => p.title).sort()).toEqual(['Warranty', 'Warranty (other)']);
    const onChannel = await search(client, { query: 'frame warranty', channelId: withGroups!.id });
    expect(onChannel.map((p) => p.articleId)).toEqual([inAttached.id]);
    expect(await search(client, { query: 'frame warranty', channelId: withoutGroups!.id })).toEqual([]);
    expect(await search(client, { query: 'frame warranty', groupIds: [other] })).toHaveLength(1);

    const stranger = await signUpOwner('Stranger');
    expect(
      (await stranger.client.post('/api/knowledge/search', { query: 'warranty', channelId: withGroups!.id })).status,
    ).toBe(404);
  });

  it('ranks the article that answers the question first', async () => {
    const { client } = await signUpOwner();
    const groupId = await createGroup(client, 'Help centre');
    const articles = {
      shipping: [
        'Shipping rates',
        'Standard shipping costs 4.90 EUR and is free for orders above 50 EUR. Express delivery costs 9.90 EUR.',
      ],
      returns: [
        'Returning an item',
        'You can return unused items within 30 days. Print the prepaid return label from your account and drop the parcel at any post office.',
      ],
      password: [
        'Resetting your password',
        'Click "Forgot password" on the login page and we email you a reset link that is valid for one hour.',
      ],
      payment: [
        'Payment methods',
        'We accept Visa, Mastercard, PayPal and bank transfer. Invoices are available for business customers.',
      ],
      cancel: [
        'Cancelling an order',
        'An order can be cancelled until it has been packed, usually within two hours of checkout.',
      ],
    };
    const ids: Record<string, string> = {};
    for (const [key, [title, content]] of Object.entries(articles)) {
      ids[key] = (await createArticle(client, groupId, title!, content!)).id;
    }
    const questions = [
      ['how much does shipping cost?', 'shipping'],
      ['how do I return something I bought', 'returns'],
      ['I forgot my password', 'password'],
      ['can I pay with paypal', 'payment'],
      ['is it too late to cancel my order', 'cancel'],
      ['return label', 'returns'],
    ];
    for (const [question, expected] of questions) {
      const results = await search(client, { query: question!, limit: 3 });
      expect(results[0]?.articleId, question).toBe(ids[expected!]);
      expect(results.length).toBeLessThanOrEqual(3);
      expect(results[0]!.score).toBeGreaterThan(0);
    }
  });
});
