// The org hub: one Durable Object per organisation that fans conversation events out to every open
// dashboard (GET /api/live) over hibernating WebSockets, and forwards agents' typing to the visitor.
import { DurableObject } from 'cloudflare:workers';
import type { AppBindings } from '../env';
import type { DashboardClientFrame, ErrorFrame, HubFrame } from './frames';
import type { OrgHubRpc } from './live';
import { conversationActor } from './refs';

/** Who is behind a dashboard socket; set by the /api/live route after it checked the session. */
export interface HubSocketInfo {
  organizationId: string;
  userId: string;
}

export const HUB_SOCKET_HEADER = 'x-helpstack-hub-socket';

/** The hub's socket endpoint, for the /api/live route (publishing goes through live.ts). */
export function orgHubSocket(env: AppBindings, organizationId: string): DurableObjectStub<OrgHub> {
  const namespace = env.ORG_HUB as DurableObjectNamespace<OrgHub>;
  return namespace.get(namespace.idFromName(organizationId));
}

export class OrgHub extends DurableObject<AppBindings> implements OrgHubRpc {
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
    return this.publishAll([frame]);
  }

  async publishAll(frames: HubFrame[]): Promise<number> {
    const texts = frames.map((frame) => JSON.stringify(frame));
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      try {
        for (const text of texts) ws.send(text);
      } catch {
        // Closed meanwhile; the dashboard refetches when it reconnects.
      }
    }
    return sockets.length;
  }

  /** Sends a frame only to one member's open dashboards (their sockets are tagged user:<id>). */
  async publishToUser(userId: string, frame: HubFrame): Promise<number> {
    const text = JSON.stringify(frame);
    const sockets = this.ctx.getWebSockets(`user:${userId}`);
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // Closed meanwhile; the dashboard refetches when it reconnects.
      }
    }
    return sockets.length;
  }

  /** Presence: the members with a dashboard open right now (one entry per member, however many tabs). */
  async presentUserIds(): Promise<string[]> {
    const ids = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) {
      const info = ws.deserializeAttachment() as HubSocketInfo | null;
      if (info?.userId && ws.readyState === WebSocket.OPEN) ids.add(info.userId);
    }
    return [...ids];
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const fail = (frame: ErrorFrame) => ws.send(JSON.stringify(frame));
    let frame: Partial<DashboardClientFrame>;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
    } catch {
      return fail({ type: 'error', message: 'Frames must be JSON' });
    }
    if (frame.type !== 'typing' || typeof frame.conversationId !== 'string' || frame.conversationId.length > 64) {
      return fail({ type: 'error', message: 'Only typing frames are accepted' });
    }
    const { organizationId } = ws.deserializeAttachment() as HubSocketInfo;
    try {
      // The actor checks the conversation belongs to this organisation before telling the visitor.
      await conversationActor(this.env, frame.conversationId).agentTyping(
        { id: frame.conversationId, organizationId },
        frame.isTyping === true,
      );
    } catch {
      fail({ type: 'error', message: 'Conversation not found', conversationId: frame.conversationId });
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
