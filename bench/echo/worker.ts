// A bare Durable Object echo over hibernating WebSockets: the baseline that bench/live-chat compares the
// real chat path against (same runtime, same socket API, no storage, no fan-out).
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

export default {
  fetch(request: Request, env: { ECHO: DurableObjectNamespace<Echo> }) {
    const name = new URL(request.url).searchParams.get('id') ?? 'echo';
    return env.ECHO.get(env.ECHO.idFromName(name)).fetch(request);
  },
};
