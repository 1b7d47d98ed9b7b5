import { env, exports } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addMember, type Client, signUpOwner } from '../../test/client';
import { createDb } from '../db/client';
import { channels, contacts, conversations, media } from '../db/schema';

const db = createDb(env.DB);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

function form(file: File, fields: Record<string, string> = {}) {
  const body = new FormData();
  body.set('file', file);
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return body;
}

function upload(client: Client, file: File, fields?: Record<string, string>) {
  return client.request('POST', '/api/media/upload', form(file, fields));
}

async function conversationOf(organizationId: string) {
  const [channel] = await db
    .insert(channels)
    .values({ organizationId, type: 'WEBSITE_CHAT', name: 'Chat', credentialsEncrypted: 'unused' })
    .returning();
  const [contact] = await db
    .insert(contacts)
    .values({ organizationId, channelId: channel!.id, externalId: `visitor_${crypto.randomUUID()}` })
    .returning();
  const [conversation] = await db
    .insert(conversations)
    .values({ organizationId, channelId: channel!.id, contactId: contact!.id, lastMessageAt: new Date() })
    .returning();
  return conversation!.id;
}

describe('media', () => {
  it('stores an upload in R2 under the organisation and serves it back with safe headers', async () => {
    const { client, organization } = await signUpOwner();
    const conversationId = await conversationOf(organization.id);
    const res = await upload(client, new File([PNG], '../../etc/screen shot.png', { type: 'image/png' }), {
      conversationId,
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      fileName: 'screen shot.png',
      contentType: 'image/png',
      size: PNG.length,
      conversationId,
      url: `/api/media/${res.body.data.id}/file`,
    });
    const [row] = await db.select().from(media).where(eq(media.id, res.body.data.id));
    expect(row!.storageKey).toBe(`org/${organization.id}/${row!.id}/screen shot.png`);

    const meta = await client.get(`/api/media/${row!.id}`);
    expect(meta.body.data.fileName).toBe('screen shot.png');

    for (const path of [`/api/media/${row!.id}?download=1`, `/api/media/${row!.id}/file`]) {
      const file = await client.get(path);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/png');
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.headers.get('content-disposition')).toContain('filename="screen shot.png"');
    }
    const bytes = await exportsFetch(client, `/api/media/${row!.id}/file`);
    expect(new Uint8Array(bytes)).toEqual(PNG);
  });

  it('serves documents as attachments, never inline', async () => {
    const { client } = await signUpOwner();
    const res = await upload(client, new File(['a,b\n1,2\n'], 'report.csv', { type: 'text/csv' }));
    const file = await client.get(`/api/media/${res.body.data.id}/file`);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('refuses files over 10 MB with 413 and disallowed types with 400, storing nothing', async () => {
    const { client, organization } = await signUpOwner();
    const big = await upload(
      client,
      new File([new Uint8Array(10 * 1024 * 1024 + 1)], 'big.pdf', { type: 'application/pdf' }),
    );
    expect(big.status).toBe(413);
    const html = await upload(client, new File(['<script>alert(1)</script>'], 'page.html', { type: 'text/html' }));
    expect(html.status).toBe(400);
    expect(html.body.error.fields).toHaveProperty('file');
    const exe = await upload(client, new File([new Uint8Array([0x4d, 0x5a])], 'setup.exe'));
    expect(exe.status).toBe(400);
    const noFile = await client.request('POST', '/api/media/upload', new FormData());
    expect(noFile.status).toBe(400);
    const listed = await env.MEDIA.list({ prefix: `org/${organization.id}/` });
    expect(listed.objects).toEqual([]);
    expect((await db.select().from(media).where(eq(media.organizationId, organization.id))).length).toBe(0);
  });

  it('refuses a conversation of another organisation', async () => {
    const { client } = await signUpOwner();
    const other = await signUpOwner('Other');
    const foreignConversation = await conversationOf(other.organization.id);
    const res = await upload(client, new File([PNG], 'a.png', { type: 'image/png' }), {
      conversationId: foreignConversation,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty('conversationId');
  });

  it('keeps media inside its organisation: another org gets 404 on read, download and delete', async () => {
    const owner = await signUpOwner();
    const intruder = await signUpOwner('Intruder');
    const id = (await upload(owner.client, new File([PNG], 'a.png', { type: 'image/png' }))).body.data.id;
    expect((await intruder.client.get(`/api/media/${id}`)).status).toBe(404);
    expect((await intruder.client.get(`/api/media/${id}/file`)).status).toBe(404);
    expect((await intruder.client.delete(`/api/media/${id}`)).status).toBe(404);
    expect((await owner.client.get(`/api/media/${id}`)).status).toBe(200);
  });

  it('lets agents upload and delete, viewers only read; deleting removes the stored object', async () => {
    const { client } = await signUpOwner();
    const viewer = await addMember(client, 'VIEWER');
    const agent = await addMember(client, 'AGENT');
    expect((await upload(viewer.client, new File([PNG], 'a.png', { type: 'image/png' }))).status).toBe(403);
    const uploaded = await upload(agent.client, new File([PNG], 'a.png', { type: 'image/png' }));
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.data.id;
    expect((await viewer.client.get(`/api/media/${id}`)).status).toBe(200);
    expect((await viewer.client.delete(`/api/media/${id}`)).status).toBe(403);
    const [row] = await db.select().from(media).where(eq(media.id, id));
    expect((await agent.client.delete(`/api/media/${id}`)).body.data).toEqual({ id, deleted: true });
    expect(await env.MEDIA.get(row!.storageKey)).toBeNull();
    expect((await client.get(`/api/media/${id}`)).status).toBe(404);
  });

  it('records the member who uploaded, and refuses over-long ids (400) before any query', async () => {
    const { client, user } = await signUpOwner();
    const res = await upload(client, new File([PNG], 'a.png', { type: 'image/png' }));
    const [row] = await db.select().from(media).where(eq(media.id, res.body.data.id));
    expect(row).toMatchObject({ uploaderType: 'MEMBER', uploadedById: user.id, uploadedByVisitorId: null });
    const long = 'x'.repeat(101);
    for (const path of [`/api/media/${long}`, `/api/media/${long}/file`]) {
      const read = await client.get(path);
      expect(read.status, path).toBe(400);
      expect(read.body.error.fields).toEqual({ id: ['id must be at most 100 characters'] });
    }
    const bad = await upload(client, new File([PNG], 'b.png', { type: 'image/png' }), { conversationId: long });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual({ conversationId: ['conversationId must be at most 100 characters'] });
  });
});

/** The raw bytes of a response (the test client decodes bodies as text). */
async function exportsFetch(client: Client, path: string): Promise<ArrayBuffer> {
  const res = await exports.default.fetch(
    new Request(`http://localhost${path}`, { headers: { cookie: client.cookie ?? '', origin: 'http://localhost' } }),
  );
  return res.arrayBuffer();
}
