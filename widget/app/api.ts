// The chat app's HTTP calls to the public widget API (same origin as the iframe), unwrapping the envelope.
import type {
  Attachment,
  Faq,
  PublicMessage,
  Rating,
  VisitorConversation,
  VisitorSelf,
  WidgetConfig,
  WidgetStatus,
} from './protocol';

export class WidgetApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  let body: { success?: boolean; data?: T; error?: { message?: string } } = {};
  try {
    body = await res.json();
  } catch {}
  if (!res.ok || !body.success) {
    throw new WidgetApiError(res.status, body.error?.message ?? `Request failed (${res.status})`);
  }
  return body.data as T;
}

const json = (value: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

export function widgetApi(channelId: string, visitorId: string) {
  const base = `/api/widget/${encodeURIComponent(channelId)}`;
  return {
    config: () => call<WidgetConfig>(`${base}/config`),
    faqs: () => call<Faq[]>(`${base}/faqs`),
    status: () => call<WidgetStatus>(`${base}/status`),
    clickFaq: (faqId: string) =>
      call<{ id: string; clickCount: number }>(`${base}/faqs/${encodeURIComponent(faqId)}/click`, { method: 'POST' }),
    upload(file: File) {
      const form = new FormData();
      form.append('file', file);
      form.append('visitorId', visitorId);
      return call<Attachment>(`${base}/upload`, { method: 'POST', body: form });
    },
    messages: (afterSeq: number) =>
      call<{ conversationId: string | null; messages: PublicMessage[] }>(
        `${base}/messages?visitorId=${visitorId}&afterSeq=${afterSeq}`,
      ),
    history: () =>
      call<{ conversations: VisitorConversation[]; visitor: VisitorSelf }>(
        `${base}/history?visitorId=${encodeURIComponent(visitorId)}`,
      ),
    /** What the visitor tells about themselves (an unproven email only ever reaches their own contact). */
    identify: (details: { name?: string; email?: string }) =>
      call<{ visitorId: string; verified: boolean }>(`${base}/identify`, json({ visitorId, ...details })),
    rate: (conversationId: string, rating: Rating, comment?: string) =>
      call<{ conversationId: string; rating: Rating; comment: string | null }>(
        `${base}/conversations/${encodeURIComponent(conversationId)}/rating`,
        json({ visitorId, rating, ...(comment ? { comment } : {}) }),
      ),
    send: (message: { clientMessageId: string; content: string; attachments: string[] }) =>
      call<{ conversationId: string; message: PublicMessage }>(
        '/api/widget/message',
        json({ channelId, visitorId, ...message }),
      ),
  };
}

export type WidgetApi = ReturnType<typeof widgetApi>;
