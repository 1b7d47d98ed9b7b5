// Cycles: a conversation's reporting events, in order, cut into openings and reopenings, each with its first
// response and its resolution. A pure function of the events, so the same events always give the same cycles
// whatever order they were delivered in.
import type { AnalyticsEventKind, BusinessInterval } from '../db/schema';
import { businessMs } from './time';

export interface ReportingEvent {
  id: string;
  kind: AnalyticsEventKind;
  channelId: string;
  agentId: string | null;
  occurredAt: number;
}

export interface Cycle {
  cycle: number;
  channelId: string;
  kind: 'NEW' | 'REOPEN';
  startedAt: number;
  waitingSince: number | null;
  firstReplyAt: number | null;
  firstReplyBy: 'AGENT' | 'AI' | null;
  firstReplyAgentId: string | null;
  frtMs: number | null;
  frtBusinessMs: number | null;
  resolvedAt: number | null;
  resolvedById: string | null;
  resolutionMs: number | null;
  resolutionBusinessMs: number | null;
  replies: number;
  humanReplied: boolean;
  aiReplied: boolean;
  aiInvolved: boolean;
}

/** Events of one instant are taken in the order they happen in a conversation. */
const RANK: Record<AnalyticsEventKind, number> = {
  REOPENED: 0,
  OPENED: 1,
  CUSTOMER_MESSAGE: 2,
  AUTO_ACK: 3,
  NOTE: 3,
  AI_DRAFT: 3,
  AI_DRAFT_REJECTED: 4,
  AI_DRAFT_APPROVED: 4,
  AI_DRAFT_EDITED: 4,
  AI_REPLY: 4,
  AGENT_REPLY: 4,
  RESOLVED: 5,
};

export function orderEvents<E extends ReportingEvent>(events: readonly E[]): E[] {
  return [...events].sort(
    (a, b) => a.occurredAt - b.occurredAt || RANK[a.kind] - RANK[b.kind] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

export interface Calendar {
  timeZone: string;
  businessHours: readonly BusinessInterval[] | null;
}

function open(cycle: number, kind: Cycle['kind'], channelId: string, at: number): Cycle {
  return {
    cycle,
    channelId,
    kind,
    startedAt: at,
    // A reopened conversation waits for the team from the moment it is reopened.
    waitingSince: kind === 'REOPEN' ? at : null,
    firstReplyAt: null,
    firstReplyBy: null,
    firstReplyAgentId: null,
    frtMs: null,
    frtBusinessMs: null,
    resolvedAt: null,
    resolvedById: null,
    resolutionMs: null,
    resolutionBusinessMs: null,
    replies: 0,
    humanReplied: false,
    aiReplied: false,
    aiInvolved: false,
  };
}

/**
 * First response: from the customer's first message (or the reopening) to the first agent or AI reply that
 * reaches the customer. Internal notes and automated acknowledgements are not replies; an AI draft answers
 * when it is approved (edited or not: the AI wrote it, so it stays an AI reply). Events after a resolution
 * and before a reopening belong to no cycle.
 */
export function deriveCycles(events: readonly ReportingEvent[], calendar: Calendar): Cycle[] {
  const cycles: Cycle[] = [];
  let current: Cycle | null = null;
  for (const e of orderEvents(events)) {
    if (e.kind === 'REOPENED') {
      if (current) continue; // already open: a stray reopen does not start a second cycle
      current = open(cycles.length + 1, 'REOPEN', e.channelId, e.occurredAt);
      cycles.push(current);
      continue;
    }
    if (!current) {
      if (cycles.length) continue; // after a resolution: nothing is open until a reopen
      current = open(1, 'NEW', e.channelId, e.occurredAt);
      cycles.push(current);
    }
    const c: Cycle = current;
    switch (e.kind) {
      case 'CUSTOMER_MESSAGE':
        if (c.waitingSince === null && c.firstReplyAt === null) c.waitingSince = e.occurredAt;
        break;
      case 'AI_DRAFT':
        c.aiInvolved = true;
        break;
      case 'AGENT_REPLY':
      case 'AI_REPLY':
      case 'AI_DRAFT_APPROVED':
      case 'AI_DRAFT_EDITED': {
        const ai = e.kind !== 'AGENT_REPLY';
        c.replies++;
        if (ai) {
          c.aiReplied = true;
          c.aiInvolved = true;
        } else c.humanReplied = true;
        if (c.waitingSince !== null && c.firstReplyAt === null) {
          c.firstReplyAt = e.occurredAt;
          c.firstReplyBy = ai ? 'AI' : 'AGENT';
          c.firstReplyAgentId = ai ? null : e.agentId;
          c.frtMs = e.occurredAt - c.waitingSince;
          c.frtBusinessMs = businessMs(calendar.timeZone, calendar.businessHours, c.waitingSince, e.occurredAt);
        }
        break;
      }
      case 'RESOLVED':
        c.resolvedAt = e.occurredAt;
        c.resolvedById = e.agentId;
        c.resolutionMs = e.occurredAt - c.startedAt;
        c.resolutionBusinessMs = businessMs(calendar.timeZone, calendar.businessHours, c.startedAt, e.occurredAt);
        current = null;
        break;
      default:
        break;
    }
  }
  return cycles;
}
