// The org hub: one Durable Object per organisation that fans conversation events out to every open
// dashboard (GET /api/live) over hibernating WebSockets, and forwards agents' typing to the visitor.
import { DurableObject } from 'cloudflare:workers';
import type { AppBindings } from '../env';
import type { ConversationActor } from './actor';

export interface HubFrame {
  type: string;
  conversationId: string;
  [key: string]: unknown;
}

/** Who is behind a dashboard socket; set by the /api/live route after it checked the session. */
export interface HubSocketInfo {
  organizationId: string;
  userId: string;
}

export const HUB_SOCKET_HEADER = 'x-helpstack-hub-socket';

export function orgHub(env: AppBindings, organizationId: string): DurableObjectStub<OrgHub> {
  const namespace = env.ORG_HUB as DurableObjectNamespace<OrgHub>;
  return namespace.get(namespace.idFromName(organizationId));
}

/** Live updates are best effort: a dashboard that misses one refetches, so a hub failure never fails a write. */
export async function publishToHub(env: AppBindings, organizationId: string, frame: HubFrame): Promise<void> {
  try {
    await orgHub(env, organizationId).publish(frame);
  } catch (error) {
    console.error(`Org hub publish (${frame.type}) failed:`, error);
  }
}

export class OrgHub extends DurableObject<AppBindings> {
  constructor(ctx: DurableObjectState, env: AppBindings) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  override async fetch(request: Request): Promise<Response> {
    const raw = request.headers.get(HUB_SOCKET_HEADER);
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket' || !raw) {
      return new Response('Expected a WebSocket upgrade', { status: 426 });
    }
    const info = JSON.parse(raw) as HubSocketInfo;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`user:${info.userId}`]);
    server.serializeAttachment(info);
    return new Response(null, { status: 101, webSocket: client });
  }

  async publish(frame: HubFrame): Promise<number> {
    const text = JSON.stringify(frame);
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // Closed meanwhile; the dashboard refetches when it reconnects.
      }
    }
    return sockets.length;
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    let frame: { type?: unknown; conversationId?: unknown; isTyping?: unknown };
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
    } catch {
      ws.send(JSON.stringify({ type: 'error', message: 'Frames must be JSON' }));
      return;
    }
    if (frame.type !== 'typing' || typeof frame.conversationId !== 'string') {
      ws.send(JSON.stringify({ type: 'error', message: 'Only typing frames are accepted' }));
      return;
    }
    const { organizationId } = ws.deserializeAttachment() as HubSocketInfo;
    const namespace = this.env.CONVERSATIONS as DurableObjectNamespace<ConversationActor>;
    try {
      // The actor checks the conversation belongs to this organisation before telling the visitor.
      await namespace
        .get(namespace.idFromName(frame.conversationId))
        .agentTyping({ id: frame.conversationId, organizationId }, frame.isTyping === true);
    } catch {
      ws.send(
        JSON.stringify({ type: 'error', message: 'Conversation not found', conversationId: frame.conversationId }),
      );
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'Closing');
    } catch {
      // Already closed.
    }
  }
}
