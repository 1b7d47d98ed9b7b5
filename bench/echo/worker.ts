// The baselines bench/live-chat compares the real chat path against (same runtime, same socket API), in a
// worker of their own that is never deployed:
// - Echo: a bare Durable Object echo over hibernating WebSockets (no storage, no fan-out);
// - DurableEcho: writes each message to its SQLite storage before echoing it, the least any chat that never
//   loses a message must do (the echo leaves only once the write is durable: the output gate holds it).
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
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    const body = typeof message === 'string' ? message : new TextDecoder().decode(message);
    this.ctx.storage.sql.exec('INSERT INTO log (body, at) VALUES (?, ?)', body, Date.now());
    ws.send(message);
  }
}

interface Env {
  ECHO: DurableObjectNamespace<Echo>;
  DURABLE_ECHO: DurableObjectNamespace<DurableEcho>;
}

export default {
  fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    const name = url.searchParams.get('id') ?? 'echo';
    const namespace = url.searchParams.get('kind') === 'durable' ? env.DURABLE_ECHO : env.ECHO;
    return namespace.get(namespace.idFromName(name)).fetch(request);
  },
};
