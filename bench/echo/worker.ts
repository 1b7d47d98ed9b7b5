// The baselines bench/live-chat compares the real chat path against (same runtime, same socket API), in a
// worker of their own that is never deployed:
// - Echo: a bare Durable Object echo over hibernating WebSockets (no storage, no fan-out);
// - DurableEcho: writes each message to its SQLite storage before echoing it, the least any chat that never
//   loses a message must do (the echo leaves only once the write is durable: the output gate holds it);
// - LimitedEcho: the durable echo behind the two rate-limit checks every public chat message must pass, per
//   visitor and per IP (the app's WIDGET_MESSAGE_LIMITER and WIDGET_MESSAGE_IP_LIMITER, same limits), the least a
//   public chat endpoint must do. Locally the Rate Limiting binding is simulated by a Durable Object on the same
//   workerd thread, as it is for the app: this baseline says what that costs (docs/live-chat-profile.md).
import { DurableObject } from 'cloudflare:workers';

export class Echo extends DurableObject {
  override async fetch(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    ws.send(message);
  }
}

export class DurableEcho extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, at INTEGER NOT NULL)',
    );
  }
  override async fetch(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void | Promise<void> {
    const body = typeof message === 'string' ? message : new TextDecoder().decode(message);
    this.ctx.storage.sql.exec('INSERT INTO log (body, at) VALUES (?, ?)', body, Date.now());
    ws.send(message);
  }
}

export class LimitedEcho extends DurableEcho {
  /** The socket remembers whose it is: the visitor (the object's name) and the address (`ip`), the limits' keys. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment({ visitor: url.searchParams.get('id'), ip: url.searchParams.get('ip') });
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const { visitor, ip } = ws.deserializeAttachment() as { visitor: string; ip: string };
    const env = this.env as Env;
    const [perVisitor, perIp] = await Promise.all([
      env.WIDGET_MESSAGE_LIMITER.limit({ key: `widget-message:${visitor}` }),
      env.WIDGET_MESSAGE_IP_LIMITER.limit({ key: `widget-message-ip:${ip}` }),
    ]);
    if (!perVisitor.success || !perIp.success) return ws.close(1008, 'Too many messages');
    super.webSocketMessage(ws, message);
  }
}

interface Env {
  WIDGET_MESSAGE_LIMITER: RateLimit;
  WIDGET_MESSAGE_IP_LIMITER: RateLimit;
  LIMITED_ECHO: DurableObjectNamespace<LimitedEcho>;
  ECHO: DurableObjectNamespace<Echo>;
  DURABLE_ECHO: DurableObjectNamespace<DurableEcho>;
}

export default {
  fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    const name = url.searchParams.get('id') ?? 'echo';
    const kind = url.searchParams.get('kind');
    const namespace = (
      kind === 'durable' ? env.DURABLE_ECHO : kind === 'limited' ? env.LIMITED_ECHO : env.ECHO
    ) as DurableObjectNamespace<Echo>;
    return namespace.get(namespace.idFromName(name)).fetch(request);
  },
};
