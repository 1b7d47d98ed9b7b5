// Test helpers for dashboard components: a fake API behind the global fetch, and rendering as a given role.
import { render } from '@testing-library/preact';
import type { ComponentChildren } from 'preact';
import { vi } from 'vitest';
import { type Account, type Role, SessionContext } from './session';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Handler = (call: Call) => unknown;

/** Replaces fetch: answers `"METHOD /api/path"` with `{success:true,data}` and records every call. */
export function fakeApi(routes: Record<string, unknown | Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init?.method ?? 'GET').toUpperCase();
    const call: Call = {
      method,
      path: url.pathname,
      query: url.searchParams,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const key = `${method} ${url.pathname}`;
    if (!(key in routes)) {
      return Response.json({ success: false, error: { message: `No fake for ${key}` } }, { status: 404 });
    }
    const route = routes[key];
    const data = typeof route === 'function' ? (route as Handler)(call) : route;
    return Response.json({ success: true, data });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, find: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path) };
}

/** Answers one route with an error envelope, as the Worker does for a rejected request. */
export function failRoute(key: string, status: number, error: { message: string; code?: string; fields?: object }) {
  const inner = globalThis.fetch;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await inner(input, init);
      const url = new URL(String(input), 'http://localhost');
      if (`${(init?.method ?? 'GET').toUpperCase()} ${url.pathname}` !== key) return response;
      return Response.json({ success: false, error }, { status });
    }),
  );
}

/** Makes every request fail with an error envelope and status, as the Worker answers a refused request. */
export function failEveryRequest(status: number, error: { message: string; code?: string; fields?: object }) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => Response.json({ success: false, error }, { status })),
  );
}

/** A message as the conversation API presents it; `overrides` set what a test is about. */
export function apiMessage(overrides: Record<string, unknown> = {}) {
  const at = new Date(0).toISOString();
  return {
    id: 'msg-1',
    conversationId: 'conv-1',
    seq: 1,
    direction: 'INBOUND',
    isNote: false,
    senderType: 'CONTACT',
    sender: null,
    content: 'Hello',
    originalContent: null,
    translatedContent: null,
    language: null,
    translatedLanguage: null,
    approvalStatus: 'NONE',
    deliveryStatus: 'DELIVERED',
    events: [],
    citations: null,
    attachments: [],
    externalId: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function account(role: Role): Account {
  return {
    user: { id: 'user-1', email: 'me@example.com', name: 'Mia Agent' },
    organization: { id: 'org-1', name: 'Acme', plan: 'FREE', tokenBalance: 1000, createdAt: new Date(0).toISOString() },
    role,
  } as Account;
}

export function renderAs(role: Role, ui: ComponentChildren) {
  return render(
    <SessionContext.Provider value={{ account: account(role), setAccount: () => {} }}>{ui}</SessionContext.Provider>,
  );
}

export const member = (userId: string, name: string, role: Role = 'AGENT') => ({
  id: `m-${userId}`,
  userId,
  email: `${userId}@example.com`,
  name,
  role,
  status: 'ACTIVE',
  lastLoginAt: null,
  createdAt: new Date(0).toISOString(),
});
