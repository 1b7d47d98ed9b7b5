// The org hub: one Durable Object per organisation that fans conversation events out to every open
// dashboard (GET /api/live) over hibernating WebSockets, forwards agents' typing to the visitor, and writes its
// conversation actors' drains to D1 together (group commit, see commit()).
// Sending costs per WebSocket message and per dashboard (bench/org-hub: about 0.2 ms of CPU per dashboard per
// frame, so 50 open dashboards held one hub to ~30 frames/s), so while frames keep coming the hub sends them
// in batches: the first frame after a quiet spell goes out alone at once, the frames published during the
// next BATCH_WINDOW_MS go out together as one `batch` message (docs/realtime-protocol.md).
import { DurableObject } from 'cloudflare:workers';
import type { AppBindings } from '../env';
import type { Job } from '../jobs/types';
import type { DashboardClientFrame, ErrorFrame, HubFrame } from './frames';
import type { CommitOutcome, OrgHubRpc } from './live';
import { type DrainCommit, projectionStatements } from './projection';
import { conversationActor } from './refs';

/** Who is behind a dashboard socket; set by the /api/live route after it checked the session. */
export interface HubSocketInfo {
  organizationId: string;
  userId: string;
}

export const HUB_SOCKET_HEADER = 'x-helpstack-hub-socket';

/** How long frames gather into one batch once the hub is busy; a quiet hub sends a frame at once. */
export const BATCH_WINDOW_MS = 10;

/** The hub's socket endpoint, for the /api/live route (publishing goes through live.ts). */
export function orgHubSocket(env: AppBindings, organizationId: string): DurableObjectStub<OrgHub> {
  const namespace = env.ORG_HUB as DurableObjectNamespace<OrgHub>;
  return namespace.get(namespace.idFromName(organizationId));
}

/** At most this many statements go into one group's D1 batch (a drain that alone has more is written alone). */
const GROUP_STATEMENTS = 500;
/** A Queue's sendBatch takes at most 100 messages. */
const SEND_BATCH = 100;

interface WaitingDrain {
  drain: DrainCommit;
  statements: number;
  done: (outcome: CommitOutcome) => void;
}

const failed = (error: unknown): CommitOutcome => ({
  ok: false,
  error: error instanceof Error ? error.message : String(error),
});

export class OrgHub extends DurableObject<AppBindings> implements OrgHubRpc {
  /**
   * Writes drains to D1 and sends their jobs, in that order (a job finds its rows); a test swaps it to see the
   * groups or make one fail.
   */
  writeDrains: (drains: DrainCommit[]) => Promise<void> = async (drains) => {
    const statements = drains.flatMap((drain) => projectionStatements(this.env.DB, drain.entries));
    if (statements.length) await this.env.DB.batch(statements);
    const jobs: Job[] = drains.flatMap((drain) => drain.jobs);
    for (let i = 0; i < jobs.length; i += SEND_BATCH) {
      await this.env.JOBS.sendBatch(jobs.slice(i, i + SEND_BATCH).map((body) => ({ body, contentType: 'json' })));
    }
  };
  /** Drains waiting for the write in flight to finish; the next group takes them together. */
  private waiting: WaitingDrain[] = [];
  private writing = false;

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

  /** Frames (serialised) waiting for the batch window to close, in publishing order. */
  private pending: string[] = [];
  private window: ReturnType<typeof setTimeout> | null = null;

  async publish(frame: HubFrame): Promise<number> {
    return this.publishAll([frame]);
  }

  /** Sends the frames to every dashboard, in order: at once when the hub was quiet, else with the next batch. */
  async publishAll(frames: HubFrame[]): Promise<number> {
    const texts = frames.map((frame) => JSON.stringify(frame));
    if (this.window) this.pending.push(...texts);
    else {
      this.send(texts);
      this.openWindow();
    }
    return this.ctx.getWebSockets().length;
  }

  /** Frames published until the window closes are sent together; the window stays open while they come. */
  private openWindow(): void {
    this.window = setTimeout(() => {
      this.window = null;
      if (!this.pending.length) return;
      this.send(this.pending.splice(0));
      this.openWindow();
    }, BATCH_WINDOW_MS);
  }

  /** One WebSocket message per dashboard: the frame itself, or a batch of frames (already JSON). */
  private send(texts: string[]): void {
    const message = texts.length === 1 ? texts[0]! : `{"type":"batch","frames":[${texts.join(',')}]}`;
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(message);
      } catch {
        // Closed meanwhile; the dashboard refetches when it reconnects.
      }
    }
  }

  /**
   * Group commit. Every conversation actor of the organisation hands its drains here instead of writing D1 and
   * the queue itself: while one group is being written, the drains that arrive wait, and the next group writes
   * all of them in one D1 batch and one job send. Under load that is one D1 round trip for many conversations'
   * messages instead of one each; alone, a drain is written at once. Nothing is kept here: a drain is answered
   * once written (or refused), and a hub that dies mid-way breaks its callers' calls, whose outboxes still hold
   * everything.
   */
  async commit(drain: DrainCommit): Promise<CommitOutcome> {
    return new Promise((done) => {
      this.waiting.push({ drain, statements: drain.entries.length, done });
      this.writeNext();
    });
  }

  private writeNext(): void {
    if (this.writing || !this.waiting.length) return;
    let statements = 0;
    let take = 0;
    while (
      take < this.waiting.length &&
      (take === 0 || statements + this.waiting[take]!.statements <= GROUP_STATEMENTS)
    ) {
      statements += this.waiting[take]!.statements;
      take++;
    }
    const group = this.waiting.splice(0, take);
    this.writing = true;
    this.writeGroup(group).finally(() => {
      this.writing = false;
      this.writeNext();
    });
  }

  /**
   * Writes a group; when the group fails, each drain is written on its own, so one that cannot be written (a
   * deleted conversation's rows) fails alone and the others go through. Rows are upserts and every subscriber runs
   * once per event, so writing a drain again after a partial failure changes nothing.
   */
  private async writeGroup(group: WaitingDrain[]): Promise<void> {
    try {
      await this.writeDrains(group.map((waiting) => waiting.drain));
      this.written(group);
      return;
    } catch (error) {
      if (group.length === 1) return group[0]!.done(failed(error));
    }
    for (const waiting of group) {
      try {
        await this.writeDrains([waiting.drain]);
        this.written([waiting]);
      } catch (error) {
        waiting.done(failed(error));
      }
    }
  }

  /** Drains now in D1: their callers go on, and their frames go to the dashboards (who refetch find the rows). */
  private written(group: WaitingDrain[]): void {
    for (const waiting of group) waiting.done({ ok: true });
    const frames = group.flatMap((waiting) => waiting.drain.frames);
    if (frames.length) void this.publishAll(frames);
  }

  /**
   * Sends each frame only to its member's open dashboards (their sockets are tagged user:<id>), in one call for
   * everyone an event notifies; how many sockets were sent a frame.
   */
  async publishToUsers(frames: { userId: string; frame: HubFrame }[]): Promise<number> {
    let sent = 0;
    for (const { userId, frame } of frames) {
      const sockets = this.ctx.getWebSockets(`user:${userId}`);
      if (!sockets.length) continue;
      const text = JSON.stringify(frame);
      for (const ws of sockets) {
        try {
          ws.send(text);
          sent++;
        } catch {
          // Closed meanwhile; the dashboard refetches when it reconnects.
        }
      }
    }
    return sent;
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
