// Test helpers: call the Worker like a browser would (cookies kept), and make signed-up users fast.
import { env, exports } from 'cloudflare:workers';

export const ORIGIN = 'http://localhost';

export interface ApiResponse<T = any> {
  status: number;
  body: { success: boolean; data: T; error: { message: string; code?: string; fields: Record<string, string[]> } };
  headers: Headers;
}

/** A browser-like client: keeps the session cookie between calls and sends a same-origin Origin header. */
export class Client {
  cookie: string | undefined;
  /** Each client is its own visitor to per-IP rate limits (an IPv6 documentation-range address). */
  ip = `2001:db8::${Math.floor(Math.random() * 0xffff).toString(16)}:${(++counter).toString(16)}`;

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    // An empty header value in `headers` removes that header (e.g. `{ origin: '' }` for a non-browser caller).
    const merged = Object.entries({ origin: ORIGIN, 'cf-connecting-ip': this.ip, ...headers }).filter(
      ([, value]) => value !== '',
    );
    const init: RequestInit = { method, headers: Object.fromEntries(merged) };
    if (this.cookie) (init.headers as Record<string, string>).cookie = this.cookie;
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = pair?.endsWith('=') ? undefined : pair;
    }
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers } as ApiResponse<T>;
  }
  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  put<T = any>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

/** POSTs a raw body as an outside sender would (no cookie, no Origin): a webhook delivery. JSON answers are parsed. */
export async function postRaw(path: string, raw: string, headers: Record<string, string>) {
  const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { method: 'POST', body: raw, headers }));
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${++counter}@example.test`;
}

/** Signs up a new owner with a new organisation and returns their logged-in client. */
export async function signUpOwner(organizationName = 'Acme') {
  const client = new Client();
  const email = uniqueEmail('owner');
  const res = await client.post('/api/auth/signup', {
    email,
    password: 'correct horse battery',
    name: 'Olivia Owner',
    organizationName,
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  // Sign-up answers alike for new and taken emails and gives no session: log in as the dashboard does.
  const login = await client.post('/api/auth/login', { email, password: 'correct horse battery' });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { client, email, user: login.body.data.user, organization: login.body.data.organization };
}

/** Plans with more seats, in order (billing/plans.ts): a test that needs more members moves up one. */
const BIGGER_PLAN: Record<string, string> = { FREE: 'STARTER', STARTER: 'GROWTH', GROWTH: 'ENTERPRISE' };

/**
 * Creates a member with a role in the owner's organisation and returns their logged-in client. When every seat
 * of the plan is taken (Free has 2), the organisation moves to the next plan first, as a paying customer would:
 * tests about other things may add as many members as they need; seat tests (team/seats.test.ts) call the API.
 */
export async function addMember(owner: Client, role: 'OWNER' | 'ADMIN' | 'AGENT' | 'VIEWER') {
  const email = uniqueEmail(role.toLowerCase());
  const password = 'member password 1';
  const body = { email, name: `${role} Member`, role, password };
  let res = await owner.post('/api/team/members', body);
  if (res.status === 402 && res.body.error?.code === 'SEAT_LIMIT') {
    const me = await owner.get('/api/auth/me');
    const organization = me.body.data.organization as { id: string; plan: string };
    const bigger = BIGGER_PLAN[organization.plan];
    if (!bigger) throw new Error(`No plan has more seats than ${organization.plan}`);
    await env.DB.prepare('UPDATE organizations SET plan = ?1 WHERE id = ?2').bind(bigger, organization.id).run();
    res = await owner.post('/api/team/members', body);
  }
  if (res.status !== 201) throw new Error(`create member failed: ${res.status} ${JSON.stringify(res.body)}`);
  const client = new Client();
  const login = await client.post('/api/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { client, email, password, member: res.body.data.member };
}

/** A new owner with a WEBSITE_CHAT channel (auto-translation off unless `channel` says otherwise). */
export async function ownerWithWebsiteChat(channel: Record<string, unknown> = {}) {
  const owner = await signUpOwner();
  const res = await owner.client.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: 'Website',
    credentials: {},
    autoTranslate: false,
    ...channel,
  });
  if (res.status !== 201) throw new Error(`create channel failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...owner, organizationId: owner.organization.id as string, channelId: res.body.data.id as string };
}
