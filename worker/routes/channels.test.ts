import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addMember, signUpOwner } from '../../test/client';
import { fakeAccount, MAIL_HOST, mailPorts, recordedCommands } from '../../test/smtp-mailbox';
import { decryptCredentials } from '../channels/channels';
import { createDb } from '../db/client';
import { aiProviders, channelKnowledgeGroups, channels, knowledgeGroups } from '../db/schema';

const db = createDb(env.DB);

const EMAIL_CREDENTIALS = {
  host: 'smtp.example.com',
  port: 587,
  username: 'support@example.com',
  password: 'smtp-password-secret-9876',
  from: 'support@example.com',
  secure: true,
  imapHost: 'imap.example.com',
  imapPort: 993,
};

function websiteChat(extra: Record<string, unknown> = {}) {
  return { type: 'WEBSITE_CHAT', name: 'Website Chat', credentials: {}, ...extra };
}

describe('channels', () => {
  it('an admin creates a website chat channel with the documented defaults, and every member can read it', async () => {
    const { client, organization } = await signUpOwner();
    const created = await client.post('/api/channels', websiteChat({ region: 'eu' }));
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      type: 'WEBSITE_CHAT',
      name: 'Website Chat',
      region: 'eu',
      defaultLanguage: 'en',
      // Off unless the provider the channel would use can translate (issue 20: no "Not translated" on every message).
      autoTranslate: false,
      autoReply: false,
      autoApprove: false,
      autoEnhance: false,
      autoReplyMode: 'off',
      isActive: true,
      credentials: {},
      knowledgeGroupIds: [],
      organizationId: organization.id,
    });
    expect(created.body.data).not.toHaveProperty('credentialsEncrypted');

    const viewer = await addMember(client, 'VIEWER');
    const list = await viewer.client.get('/api/channels');
    expect(list.status).toBe(200);
    expect(list.body.data.map((ch: { id: string }) => ch.id)).toEqual([created.body.data.id]);
    const one = await viewer.client.get(`/api/channels/${created.body.data.id}`);
    expect(one.body.data.name).toBe('Website Chat');
  });

  it('shows email credentials masked: hosts and addresses visible, the password never in clear', async () => {
    const { client } = await signUpOwner();
    const created = await client.post('/api/channels', {
      type: 'EMAIL',
      name: 'Support mailbox',
      credentials: EMAIL_CREDENTIALS,
    });
    expect(created.status).toBe(201);
    const { credentials } = created.body.data;
    expect(credentials).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      from: 'support@example.com',
      imapHost: 'imap.example.com',
      imapPort: 993,
      secure: true,
    });
    expect(credentials.password).toBe('••••••••9876');
    for (const res of [
      created,
      await client.get('/api/channels'),
      await client.get(`/api/channels/${created.body.data.id}`),
    ]) {
      expect(JSON.stringify(res.body)).not.toContain('smtp-password-secret');
    }
    const [row] = await db.select().from(channels).where(eq(channels.id, created.body.data.id));
    expect(row!.credentialsEncrypted).not.toContain('smtp-password-secret');
  });

  it('keeps the masked password only on the same servers: moving it needs it typed again, and nothing changes', async () => {
    const { client } = await signUpOwner();
    const created = await client.post('/api/channels', { type: 'EMAIL', name: 'Mail', credentials: EMAIL_CREDENTIALS });
    const { id, credentials } = created.body.data;
    expect(credentials).toMatchObject({ smtpAllowPlaintext: false, imapAllowPlaintext: false });
    for (const moved of [
      { host: 'smtp.attacker.example' },
      { port: 2525 },
      { imapHost: 'imap.attacker.example' },
      { imapPort: 1993 },
      { smtpAllowPlaintext: true },
      { imapAllowPlaintext: true },
    ]) {
      const res = await client.patch(`/api/channels/${id}`, {
        name: 'Moved',
        credentials: { ...credentials, ...moved },
      });
      expect(res.status, JSON.stringify(moved)).toBe(400);
      expect(res.body.error.fields, JSON.stringify(moved)).toEqual({
        'credentials.password': ['Enter the password again to use it with a new server'],
      });
    }
    const [row] = await db.select().from(channels).where(eq(channels.id, id));
    expect(row!.name).toBe('Mail');
    expect(await decryptCredentials(env, row!)).toEqual({
      ...EMAIL_CREDENTIALS,
      smtpAllowPlaintext: false,
      imapAllowPlaintext: false,
    });

    const sameServers = await client.patch(`/api/channels/${id}`, {
      credentials: { ...credentials, username: 'help@example.com', smtpAllowPlaintext: false },
    });
    expect(sameServers.status).toBe(200);
    const retyped = await client.patch(`/api/channels/${id}`, {
      credentials: { ...credentials, host: 'smtp.other.example', password: 'typed-again-5555' },
    });
    expect(retyped.status).toBe(200);
    expect(retyped.body.data.credentials).toMatchObject({ host: 'smtp.other.example', password: '••••••••5555' });
  });

  it('keeps a secret when the masked value comes back unchanged, and replaces it when a new one is sent', async () => {
    const { client } = await signUpOwner();
    const created = await client.post('/api/channels', {
      type: 'FACEBOOK',
      name: 'Facebook page',
      credentials: { pageId: 'page-123', accessToken: 'EAAB-original-token-1111', appSecret: 'app-secret-2222xyz' },
    });
    expect(created.body.data.credentials).toEqual({
      pageId: 'page-123',
      accessToken: '••••••••1111',
      appSecret: '••••••••2xyz',
    });
    const id = created.body.data.id;

    const renamed = await client.patch(`/api/channels/${id}`, {
      name: 'Facebook (main page)',
      credentials: created.body.data.credentials,
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.credentials.accessToken).toBe('••••••••1111');

    const rotated = await client.patch(`/api/channels/${id}`, {
      credentials: { ...created.body.data.credentials, accessToken: 'EAAB-rotated-token-3333' },
    });
    expect(rotated.body.data.credentials).toEqual({
      pageId: 'page-123',
      accessToken: '••••••••3333',
      appSecret: '••••••••2xyz',
    });
    expect(JSON.stringify(rotated.body)).not.toContain('rotated-token');

    const untouched = await client.patch(`/api/channels/${id}`, { autoReply: true });
    expect(untouched.body.data.credentials.accessToken).toBe('••••••••3333');
  });

  it('reports each missing or bad credential field under credentials.<field>, per channel type', async () => {
    const { client } = await signUpOwner();
    const cases: [string, Record<string, unknown>, string[]][] = [
      [
        'EMAIL',
        { host: 'smtp.example.com', port: 'abc', from: 'not-an-email' },
        ['port', 'username', 'password', 'from'],
      ],
      ['FACEBOOK', { appSecret: 's' }, ['pageId', 'accessToken']],
      ['INSTAGRAM', { accountId: 'acc' }, ['accessToken']],
      ['WHATSAPP', { accessToken: 'tok' }, ['phoneNumberId']],
      ['TELEGRAM', {}, ['botToken']],
      ['WEBSITE_CHAT', { apiKey: 'x' }, ['apiKey']],
    ];
    for (const [type, credentials, fields] of cases) {
      const res = await client.post('/api/channels', { type, name: type, credentials });
      expect(res.status, type).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(Object.keys(res.body.error.fields ?? {}).sort(), type).toEqual(
        fields.map((f) => `credentials.${f}`).sort(),
      );
    }
    const missing = await client.post('/api/channels', { type: 'WEBSITE_CHAT', name: 'No credentials' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields).toHaveProperty('credentials');
    expect((await client.get('/api/channels')).body.data).toEqual([]);
  });

  it('rejects an unknown type, an empty name and bad widget settings, changing nothing', async () => {
    const { client } = await signUpOwner();
    const res = await client.post('/api/channels', {
      type: 'PIGEON',
      name: '',
      credentials: {},
      settings: {
        appearance: { color: 'red', position: 'middle', avatarUrl: 'http://example.com/a.png' },
        greeting: 'x'.repeat(501),
        allowedDomains: ['https://shop.example.com/'],
      },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields ?? {})).toEqual(
      expect.arrayContaining([
        'type',
        'name',
        'settings.appearance.color',
        'settings.appearance.position',
        'settings.appearance.avatarUrl',
        'settings.greeting',
        'settings.allowedDomains.0',
      ]),
    );
    expect((await client.get('/api/channels')).body.data).toEqual([]);
  });

  it('lower-cases allowed domains and merges settings so saving the greeting keeps the appearance', async () => {
    const { client } = await signUpOwner();
    const created = await client.post(
      '/api/channels',
      websiteChat({
        settings: { appearance: { color: '#112233', position: 'left' }, allowedDomains: ['Shop.Example.COM'] },
      }),
    );
    expect(created.body.data.settings.allowedDomains).toEqual(['shop.example.com']);
    const updated = await client.patch(`/api/channels/${created.body.data.id}`, { settings: { greeting: 'Hello!' } });
    expect(updated.body.data.settings).toEqual({
      appearance: { color: '#112233', position: 'left' },
      allowedDomains: ['shop.example.com'],
      greeting: 'Hello!',
    });
  });

  it('derives the auto-reply mode from autoReply and autoApprove', async () => {
    const { client } = await signUpOwner();
    const prepare = await client.post('/api/channels', websiteChat({ autoReply: true }));
    expect(prepare.body.data.autoReplyMode).toBe('prepare');
    const auto = await client.patch(`/api/channels/${prepare.body.data.id}`, { autoApprove: true });
    expect(auto.body.data.autoReplyMode).toBe('auto-approve');
    const off = await client.patch(`/api/channels/${prepare.body.data.id}`, { autoReply: false });
    expect(off.body.data.autoReplyMode).toBe('off');
  });

  it('accepts an AI provider and knowledge groups of the same organisation only', async () => {
    const { client, organization } = await signUpOwner();
    const other = await signUpOwner('Other Org');
    const [provider] = await db
      .insert(aiProviders)
      .values({ organizationId: organization.id, type: 'BUILTIN', name: 'Built-in', model: 'builtin' })
      .returning();
    const [foreignProvider] = await db
      .insert(aiProviders)
      .values({ organizationId: other.organization.id, type: 'BUILTIN', name: 'Theirs', model: 'builtin' })
      .returning();
    const [group] = await db
      .insert(knowledgeGroups)
      .values({ organizationId: organization.id, name: 'Shipping' })
      .returning();
    const [foreignGroup] = await db
      .insert(knowledgeGroups)
      .values({ organizationId: other.organization.id, name: 'Secret' })
      .returning();

    const badProvider = await client.post('/api/channels', websiteChat({ aiProviderId: foreignProvider!.id }));
    expect(badProvider.status).toBe(400);
    expect(badProvider.body.error.fields).toHaveProperty('aiProviderId');
    const badGroup = await client.post('/api/channels', websiteChat({ knowledgeGroupIds: [foreignGroup!.id] }));
    expect(badGroup.status).toBe(400);
    expect(badGroup.body.error.fields).toHaveProperty('knowledgeGroupIds');
    expect((await client.get('/api/channels')).body.data).toEqual([]);

    const created = await client.post(
      '/api/channels',
      websiteChat({ aiProviderId: provider!.id, knowledgeGroupIds: [group!.id], systemPrompt: 'Be brief.' }),
    );
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      aiProviderId: provider!.id,
      knowledgeGroupIds: [group!.id],
      systemPrompt: 'Be brief.',
    });
    const detached = await client.patch(`/api/channels/${created.body.data.id}`, { knowledgeGroupIds: [] });
    expect(detached.body.data.knowledgeGroupIds).toEqual([]);
    const rows = await db
      .select()
      .from(channelKnowledgeGroups)
      .where(eq(channelKnowledgeGroups.channelId, created.body.data.id));
    expect(rows).toEqual([]);
  });

  it('lets only admins and owners change channels: agents and viewers get 403 and nothing changes', async () => {
    const { client } = await signUpOwner();
    const created = await client.post('/api/channels', websiteChat());
    const id = created.body.data.id;
    for (const role of ['AGENT', 'VIEWER'] as const) {
      const member = await addMember(client, role);
      expect((await member.client.post('/api/channels', websiteChat())).status).toBe(403);
      expect((await member.client.patch(`/api/channels/${id}`, { name: 'Hijacked' })).status).toBe(403);
      expect((await member.client.delete(`/api/channels/${id}`)).status).toBe(403);
    }
    const admin = await addMember(client, 'ADMIN');
    expect((await admin.client.patch(`/api/channels/${id}`, { name: 'Renamed by admin' })).status).toBe(200);
    expect((await client.get(`/api/channels/${id}`)).body.data.name).toBe('Renamed by admin');
  });

  it("answers 404 for another organisation's channel on every route", async () => {
    const owner = await signUpOwner();
    const intruder = await signUpOwner('Intruder');
    const created = await owner.client.post('/api/channels', websiteChat());
    const id = created.body.data.id;
    for (const res of [
      await intruder.client.get(`/api/channels/${id}`),
      await intruder.client.patch(`/api/channels/${id}`, { name: 'Mine now' }),
      await intruder.client.delete(`/api/channels/${id}`),
      await intruder.client.get(`/api/channels/${id}/widget-script`),
      await intruder.client.get(`/api/channels/${id}/widget-config`),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await owner.client.get(`/api/channels/${id}`)).body.data.name).toBe('Website Chat');
  });

  it('deletes a channel', async () => {
    const { client } = await signUpOwner();
    const created = await client.post('/api/channels', websiteChat());
    const removed = await client.delete(`/api/channels/${created.body.data.id}`);
    expect(removed.body.data).toEqual({ id: created.body.data.id, deleted: true });
    expect((await client.get(`/api/channels/${created.body.data.id}`)).status).toBe(404);
  });

  it('gives the embed snippet and widget settings of a website chat channel, and 400 for other types', async () => {
    const { client } = await signUpOwner();
    const chat = await client.post(
      '/api/channels',
      websiteChat({ settings: { greeting: 'Hi!', allowedDomains: ['shop.example.com'] } }),
    );
    const id = chat.body.data.id;
    const script = await client.get(`/api/channels/${id}/widget-script`);
    expect(script.body.data).toEqual({
      channelId: id,
      script: `<script src="http://localhost/widget.js?id=${id}" async></script>`,
    });
    const config = await client.get(`/api/channels/${id}/widget-config`);
    expect(config.body.data).toEqual({
      channelId: id,
      appearance: { color: '#2563eb', position: 'right', title: 'Website Chat', subtitle: null, avatarUrl: null },
      greeting: 'Hi!',
      allowedDomains: ['shop.example.com'],
      businessHours: null,
      preChatForm: 'OFF',
    });

    const telegram = await client.post('/api/channels', {
      type: 'TELEGRAM',
      name: 'Bot',
      credentials: { botToken: '123:abc-telegram-token' },
    });
    expect(telegram.body.data.credentials.botToken).not.toContain('telegram-token');
    expect((await client.get(`/api/channels/${telegram.body.data.id}/widget-script`)).status).toBe(400);
    expect((await client.get(`/api/channels/${telegram.body.data.id}/widget-config`)).status).toBe(400);
  });
});

describe('email connection test', () => {
  const WRONG_PASSWORD = 'typo-in-the-password-42';

  async function savedEmailChannel(credentials = fakeAccount()) {
    const owner = await signUpOwner();
    const created = await owner.client.post('/api/channels', { type: 'EMAIL', name: 'Support', credentials });
    expect(created.status).toBe(201);
    return { ...owner, channel: created.body.data };
  }

  it('tests typed-in credentials: SMTP and IMAP both log in', async () => {
    const { client } = await signUpOwner();
    const res = await client.post('/api/channels/test-connection', { type: 'EMAIL', credentials: fakeAccount() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: { ok: true, smtp: { ok: true }, imap: { ok: true } } });
  });

  it('answers 200 with ok:false and readable reasons when the servers refuse, never showing the password', async () => {
    const { client } = await signUpOwner();
    const res = await client.post('/api/channels/test-connection', {
      type: 'EMAIL',
      credentials: fakeAccount({ password: WRONG_PASSWORD }),
    });
    expect(res.status).toBe(200);
    expect(res.body.data.ok).toBe(false);
    expect(res.body.data.smtp.error).toMatch(/^Authentication failed: 535 /);
    expect(res.body.data.imap.error).toMatch(/^Authentication failed: NO /);
    expect(JSON.stringify(res.body)).not.toContain(WRONG_PASSWORD);
  });

  it('reports an unreachable SMTP port by address', async () => {
    const { client } = await signUpOwner();
    const { closed } = mailPorts();
    const res = await client.post('/api/channels/test-connection', {
      type: 'EMAIL',
      credentials: fakeAccount({ port: closed, imapHost: undefined }),
    });
    expect(res.body.data).toEqual({
      ok: false,
      smtp: { ok: false, error: `Could not connect to ${MAIL_HOST}:${closed}` },
    });
  });

  it('rejects bad credentials and other channel types with 400 and per-field messages', async () => {
    const { client } = await signUpOwner();
    const bad = await client.post('/api/channels/test-connection', {
      type: 'EMAIL',
      credentials: fakeAccount({ host: '', port: 70000, from: 'not-an-address' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    expect(Object.keys(bad.body.error.fields).sort()).toEqual([
      'credentials.from',
      'credentials.host',
      'credentials.port',
    ]);
    const other = await client.post('/api/channels/test-connection', { type: 'WHATSAPP', credentials: {} });
    expect(other.status).toBe(400);
    expect(other.body.error.fields.type).toEqual(['Only EMAIL channels have a connection test']);
  });

  it('tests a saved channel, with changed fields tried before saving and the stored password kept', async () => {
    const { client, channel } = await savedEmailChannel(fakeAccount({ password: WRONG_PASSWORD }));
    const path = `/api/channels/${channel.id}/test-connection`;
    const stored = await client.post(path, {});
    expect(stored.body.data.ok).toBe(false);

    const fixed = await client.post(path, { credentials: { password: fakeAccount().password } });
    expect(fixed.body.data).toEqual({ ok: true, smtp: { ok: true }, imap: { ok: true } });
    // Testing saves nothing: the stored password is still the wrong one.
    expect((await client.post(path, {})).body.data.ok).toBe(false);
  });

  it('keeps the stored password when the form sends it masked or empty, and drops a cleared IMAP host', async () => {
    const { client, channel } = await savedEmailChannel();
    const path = `/api/channels/${channel.id}/test-connection`;
    const masked = channel.credentials.password;
    expect(masked).toMatch(/^•+/);
    for (const password of [masked, '']) {
      const res = await client.post(path, { credentials: { ...channel.credentials, password, imapHost: null } });
      expect(res.body.data, String(password)).toEqual({ ok: true, smtp: { ok: true } });
    }
    const overridden = await client.post(path, {
      credentials: { port: mailPorts().closed, password: fakeAccount().password },
    });
    expect(overridden.body.data.smtp.error).toBe(`Could not connect to ${MAIL_HOST}:${mailPorts().closed}`);
  });

  it('never sends the stored password to a new server: the test needs it typed again, and sends nothing', async () => {
    const { client, channel } = await savedEmailChannel();
    const path = `/api/channels/${channel.id}/test-connection`;
    const before = await recordedCommands();
    const elsewhere = [
      { port: mailPorts().recordingSmtp },
      { imapPort: mailPorts().recordingImap },
      { imapHost: '127.0.0.1', imapPort: mailPorts().recordingImap, password: channel.credentials.password },
      { host: '127.0.0.1', port: mailPorts().recordingSmtp, password: '' },
      { ...channel.credentials, port: mailPorts().recordingSmtp },
    ];
    for (const credentials of elsewhere) {
      const res = await client.post(path, { credentials });
      expect(res.status, JSON.stringify(credentials)).toBe(400);
      expect(res.body.error).toEqual({
        code: 'VALIDATION_ERROR',
        message: 'Enter the password again to use it with a new server',
        fields: { 'credentials.password': ['Enter the password again to use it with a new server'] },
      });
    }
    const after = await recordedCommands();
    expect(after.smtp.slice(before.smtp.length)).toEqual([]);
    expect(after.imap.slice(before.imap.length)).toEqual([]);
    // Typed again, the password may go to the new server.
    const retyped = await client.post(path, {
      credentials: { port: mailPorts().closed, password: fakeAccount().password },
    });
    expect(retyped.status).toBe(200);
  });

  it('refuses private and local mail servers with 400 on the host field, before connecting', async () => {
    const { client } = await signUpOwner();
    for (const host of ['10.0.0.1', '169.254.169.254', '::1', '::127.0.0.1', '0x0a.1', 'localhost', 'mail.internal']) {
      const res = await client.post('/api/channels/test-connection', {
        type: 'EMAIL',
        credentials: fakeAccount({ host, imapHost: host }),
      });
      expect(res.status, host).toBe(400);
      expect(res.body.error.fields['credentials.host'], host).toEqual([
        expect.stringMatching(/^SMTP host must be a public mail server: /),
      ]);
      expect(res.body.error.fields['credentials.imapHost'], host).toEqual([
        expect.stringMatching(/^IMAP host must be a public mail server: /),
      ]);
      const saved = await client.post('/api/channels', {
        type: 'EMAIL',
        name: 'x',
        credentials: fakeAccount({ host }),
      });
      expect(saved.status, host).toBe(400);
      expect(Object.keys(saved.body.error.fields)).toEqual(['credentials.host']);
    }
    const badHost = await client.post('/api/channels/test-connection', {
      type: 'EMAIL',
      credentials: fakeAccount({ host: 'smtp.example.com:587' }),
    });
    expect(badHost.body.error.fields['credentials.host']).toEqual([
      'SMTP host must be a host name such as mail.example.com (no scheme, port or path)',
    ]);
    expect((await client.get('/api/channels')).body.data).toEqual([]);
  });

  it('refuses the test on a non-email channel with a clear 400', async () => {
    const { client } = await signUpOwner();
    const chat = await client.post('/api/channels', websiteChat());
    const res = await client.post(`/api/channels/${chat.body.data.id}/test-connection`, {});
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^Only email channels have a connection test/);
  });

  it('is for admins only, and another organisation gets 404', async () => {
    const { client, channel } = await savedEmailChannel();
    for (const role of ['AGENT', 'VIEWER'] as const) {
      const member = await addMember(client, role);
      expect((await member.client.post(`/api/channels/${channel.id}/test-connection`, {})).status).toBe(403);
      const typed = await member.client.post('/api/channels/test-connection', {
        type: 'EMAIL',
        credentials: fakeAccount(),
      });
      expect(typed.status).toBe(403);
    }
    const admin = await addMember(client, 'ADMIN');
    expect((await admin.client.post(`/api/channels/${channel.id}/test-connection`, {})).body.data.ok).toBe(true);
    const stranger = await signUpOwner('Other Co');
    const res = await stranger.client.post(`/api/channels/${channel.id}/test-connection`, {});
    expect(res.status).toBe(404);
  });
});
