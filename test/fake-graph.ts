// A fake Graph API (Meta) speaking the real wire format: sends to /{id}/messages (Messenger, Instagram,
// WhatsApp) checked for shape and bearer auth, media lookups and downloads, user profiles and WhatsApp
// template lists. Framework-free (Request → Response): msw serves it inside workerd tests, and a node
// http server (test/fake-graph-server.mjs) serves it to the browser tests.

export interface FakeAccount {
  token: string;
  kind: 'messenger' | 'whatsapp';
}

export interface RecordedSend {
  accountId: string;
  body: Record<string, any>;
  authorization: string | null;
  messageId: string;
}

export class FakeGraph {
  accounts = new Map<string, FakeAccount>();
  sends: RecordedSend[] = [];
  requests: { method: string; path: string; authorization: string | null }[] = [];
  /** Media id → bytes and type (WhatsApp media). */
  media = new Map<string, { bytes: Uint8Array; mimeType: string }>();
  profiles = new Map<string, Record<string, string>>();
  templates = new Map<string, Record<string, unknown>[]>();
  /** Responses to give to the next sends, in order, before answering normally. */
  failures: { status: number; body: unknown }[] = [];
  /** Called after each accepted send (the browser test posts the delivery receipt webhook from here). */
  onSend: ((send: RecordedSend) => void) | null = null;
  private counter = 0;

  constructor(readonly base: string) {}

  account(id: string, token: string, kind: FakeAccount['kind']) {
    this.accounts.set(id, { token, kind });
    return this;
  }

  private json(status: number, body: unknown) {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }

  private error(status: number, message: string, code = 100) {
    return this.json(status, { error: { message, type: 'OAuthException', code, fbtrace_id: 'fake' } });
  }

  private authorized(request: Request, token: string): boolean {
    return request.headers.get('authorization') === `Bearer ${token}`;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const basePath = new URL(this.base).pathname.replace(/\/$/, '');
    if (!url.pathname.startsWith(`${basePath}/`)) return this.error(404, 'Unknown path');
    const parts = url.pathname
      .slice(basePath.length + 1)
      .split('/')
      .map(decodeURIComponent);
    const authorization = request.headers.get('authorization');
    this.requests.push({ method: request.method, path: parts.join('/'), authorization });

    if (parts[0] === 'media-download' && parts[1]) {
      const file = this.media.get(parts[1]);
      if (!file) return this.error(404, 'No such media');
      // WhatsApp's media URLs need the same token as the API.
      if (!authorization?.startsWith('Bearer ')) return this.error(401, 'Token required', 190);
      return new Response(file.bytes, { status: 200, headers: { 'content-type': file.mimeType } });
    }

    if (request.method === 'POST' && parts.length === 2 && parts[1] === 'messages') {
      const account = this.accounts.get(parts[0]!);
      if (!account) return this.error(400, `Unsupported post request. Object with ID '${parts[0]}' does not exist`);
      if (!this.authorized(request, account.token)) return this.error(401, 'Invalid OAuth access token', 190);
      if (request.headers.get('content-type') !== 'application/json') return this.error(400, 'Expected JSON');
      const body = (await request.json()) as Record<string, any>;
      const problem = account.kind === 'whatsapp' ? whatsappProblem(body) : messengerProblem(body);
      if (problem) return this.error(400, problem);
      const failure = this.failures.shift();
      if (failure) return this.json(failure.status, failure.body);
      const messageId = account.kind === 'whatsapp' ? `wamid.fake${++this.counter}` : `m_fake${++this.counter}`;
      const send = { accountId: parts[0]!, body, authorization, messageId };
      this.sends.push(send);
      this.onSend?.(send);
      return account.kind === 'whatsapp'
        ? this.json(200, {
            messaging_product: 'whatsapp',
            contacts: [{ input: body.to, wa_id: body.to }],
            messages: [{ id: messageId }],
          })
        : this.json(200, { recipient_id: body.recipient.id, message_id: messageId });
    }

    if (request.method === 'GET' && parts.length === 2 && parts[1] === 'message_templates') {
      const list = this.templates.get(parts[0]!);
      if (!list) return this.error(400, `Object with ID '${parts[0]}' does not exist`);
      const known = [...this.accounts.values()].some((a) => a.kind === 'whatsapp' && this.authorized(request, a.token));
      if (!known) return this.error(401, 'Invalid OAuth access token', 190);
      return this.json(200, { data: list });
    }

    if (request.method === 'GET' && parts.length === 1) {
      const file = this.media.get(parts[0]!);
      if (file) {
        if (!authorization?.startsWith('Bearer ')) return this.error(401, 'Token required', 190);
        return this.json(200, {
          url: `${this.base.replace(/\/$/, '')}/media-download/${encodeURIComponent(parts[0]!)}`,
          mime_type: file.mimeType,
          file_size: file.bytes.byteLength,
          id: parts[0],
          messaging_product: 'whatsapp',
        });
      }
      const profile = this.profiles.get(parts[0]!);
      if (profile) {
        if (!authorization?.startsWith('Bearer ')) return this.error(401, 'Token required', 190);
        return this.json(200, { id: parts[0], ...profile });
      }
    }
    return this.error(400, `Unsupported ${request.method} request to ${parts.join('/')}`);
  }
}

function messengerProblem(body: Record<string, any>): string | null {
  if (typeof body.recipient?.id !== 'string') return 'recipient.id is required';
  if (!['RESPONSE', 'UPDATE', 'MESSAGE_TAG'].includes(body.messaging_type)) return 'messaging_type is invalid';
  if (body.messaging_type === 'MESSAGE_TAG' && !body.tag) return 'tag is required with MESSAGE_TAG';
  if (typeof body.message?.text !== 'string' || !body.message.text) return 'message.text is required';
  return null;
}

function whatsappProblem(body: Record<string, any>): string | null {
  if (body.messaging_product !== 'whatsapp') return 'messaging_product must be whatsapp';
  if (typeof body.to !== 'string' || !body.to) return 'to is required';
  if (body.type === 'text')
    return typeof body.text?.body === 'string' && body.text.body ? null : 'text.body is required';
  if (body.type === 'template') {
    return typeof body.template?.name === 'string' && typeof body.template?.language?.code === 'string'
      ? null
      : 'template.name and template.language.code are required';
  }
  return `type ${body.type} is not supported by the fake`;
}
