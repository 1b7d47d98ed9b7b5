// bench/org-hub's worker: the app's OrgHub under load from many conversations at once. /socket opens a bench
// dashboard's socket on an organisation's hub (as GET /api/live does after its session check); /publish
// has `conversations` simulated actors each publish `frames` message.created frames one after another, through
// the app's own publishing path (worker/conversations/live.ts), and answers when every publish returned.
import { HUB_SOCKET_HEADER, type HubSocketInfo, OrgHub, orgHubSocket } from '../../worker/conversations/hub';
import { publishAllToHub } from '../../worker/conversations/live';
import type { AppBindings } from '../../worker/env';

export { OrgHub };

/** A message.created frame of the size the actor sends (a short message and its conversation). */
function frame(organizationId: string, conversation: number, n: number) {
  const at = new Date(1_790_000_000_000 + n).toISOString();
  const conversationId = `conversation-${conversation}`;
  return {
    type: 'message.created' as const,
    conversationId,
    message: {
      id: `message-${conversation}-${n}`,
      organizationId,
      conversationId,
      seq: n + 1,
      direction: 'INBOUND',
      isNote: false,
      senderType: 'CONTACT',
      senderId: `contact-${conversation}`,
      senderName: 'Visitor',
      content: `bench ${conversation}-${n}`,
      originalContent: null,
      translatedContent: null,
      language: null,
      translatedLanguage: null,
      attachments: [],
      externalId: `client-${conversation}-${n}`,
      providerMessageId: null,
      approvalStatus: 'NONE',
      deliveryStatus: 'DELIVERED',
      citations: null,
      createdAt: at,
      updatedAt: at,
    },
    conversation: {
      id: conversationId,
      organizationId,
      channelId: 'channel-1',
      contactId: `contact-${conversation}`,
      status: 'OPEN',
      priority: 'NORMAL',
      assignedToId: null,
      language: null,
      subject: null,
      notes: null,
      unreadCount: n + 1,
      messageCount: n + 1,
      lastMessageAt: at,
      lastMessagePreview: `bench ${conversation}-${n}`,
      closedAt: null,
      createdAt: at,
      updatedAt: at,
    },
  };
}

export default {
  async fetch(request: Request, env: AppBindings): Promise<Response> {
    const url = new URL(request.url);
    const organizationId = url.searchParams.get('org') ?? 'bench-org';
    if (url.pathname === '/socket') {
      const info: HubSocketInfo = { organizationId, userId: url.searchParams.get('user') ?? 'user-1' };
      const headers = new Headers(request.headers);
      headers.set(HUB_SOCKET_HEADER, JSON.stringify(info));
      return orgHubSocket(env, organizationId).fetch(new Request(request.url, { headers }));
    }
    if (url.pathname === '/publish') {
      const conversations = Number(url.searchParams.get('conversations') ?? 200);
      const frames = Number(url.searchParams.get('frames') ?? 5);
      await Promise.all(
        Array.from({ length: conversations }, async (_, c) => {
          for (let n = 0; n < frames; n++) {
            await publishAllToHub(env, organizationId, [frame(organizationId, c, n) as never]);
          }
        }),
      );
      return Response.json({ published: conversations * frames });
    }
    return new Response('Not found', { status: 404 });
  },
};
