// The flow interpreter, pure: from a run's state and what happened (the run starts, the buyer answered, a Wait
// is over, a teammate handed the conversation back) to the run's next state, the messages to send, the blocks
// entered, the tags to add and whether a human must take over. Persistence and sending are runs.ts's.
import type { FlowRunStatus } from '../../db/schema';
import { findShopLinks, shopUrl } from '../shop-links';
import { normaliseText } from '../text';
import type { Block } from './schema';

export interface RunState {
  /** The block the run waits at (a Question, Quick replies or Wait), or resumes at after a handoff. */
  currentBlockId: string | null;
  fields: Record<string, string>;
  status: FlowRunStatus;
  freeTextCount: number;
  wakeAt: number | null;
}

export interface Outgoing {
  blockId: string;
  text: string;
  /** Shop links in the text (a Shop link block's product, or the one link a Message may carry). */
  productIds: string[];
}

export type FlowInput =
  | { kind: 'start' }
  | { kind: 'reply'; text: string }
  | { kind: 'timer' }
  /** Hand back to bot: continue where the run stopped (a pending question is asked again). */
  | { kind: 'resume' };

export interface Advance {
  state: RunState;
  outgoing: Outgoing[];
  /** Blocks entered, in order (automation_flow_steps). */
  steps: string[];
  tags: string[];
  /** Why a human must take over now, or null. */
  handoff: string | null;
}

/** An advance that walks more blocks than this without waiting for the buyer is a loop: a human takes over. */
export const MAX_BLOCKS_PER_ADVANCE = 60;
export const FREE_TEXT_HANDOFF =
  'The buyer answered the quick replies with free text twice (the bot does not ask a third time)';

export const ACTIVE_RUN_STATUSES: readonly FlowRunStatus[] = ['RUNNING', 'WAITING_REPLY', 'WAITING_TIMER'];

/** The block a block continues with: its `next`, else the following block; null at the end of the flow. */
function following(blocks: Block[], block: Block): string | null {
  if ('next' in block && block.next) return block.next;
  const index = blocks.findIndex((b) => b.id === block.id);
  return blocks[index + 1]?.id ?? null;
}

/** How a Quick replies block reads on TikTok (no buttons there): its text, then one numbered line per option. */
export function quickRepliesText(block: Extract<Block, { type: 'QUICK_REPLIES' }>): string {
  return [block.text, ...block.options.map((o, i) => `${i + 1}. ${o.label}`)].join('\n');
}

function promptOf(block: Block): Outgoing | null {
  if (block.type === 'QUESTION') return { blockId: block.id, text: block.text, productIds: [] };
  if (block.type === 'QUICK_REPLIES') return { blockId: block.id, text: quickRepliesText(block), productIds: [] };
  return null;
}

/** The option the buyer picked: its label (case/width-insensitive), its number, or "2. Label". */
export function matchOption(block: Extract<Block, { type: 'QUICK_REPLIES' }>, reply: string) {
  const said = normaliseText(reply).replace(/[.!。]+$/u, '');
  const numbered = /^(\d{1,2})(?:[.)]\s*(.*))?$/u.exec(said);
  if (numbered) {
    const option = block.options[Number(numbered[1]) - 1];
    if (option && (!numbered[2] || normaliseText(option.label) === numbered[2])) return option;
  }
  return block.options.find((o) => normaliseText(o.label) === said) ?? null;
}

export function advance(blocks: Block[], from: RunState, input: FlowInput, now: number): Advance | null {
  const state: RunState = { ...from, fields: { ...from.fields } };
  const result: Advance = { state, outgoing: [], steps: [], tags: [], handoff: null };
  const byId = new Map(blocks.map((b) => [b.id, b]));
  const current = state.currentBlockId ? byId.get(state.currentBlockId) : undefined;

  const walk = (startId: string | null): Advance => {
    let id = startId;
    let walked = 0;
    state.freeTextCount = 0;
    state.wakeAt = null;
    while (id) {
      const block = byId.get(id);
      if (!block) break;
      if (++walked > MAX_BLOCKS_PER_ADVANCE) {
        state.status = 'HANDED_OFF';
        state.currentBlockId = null;
        result.handoff = `The flow went through ${MAX_BLOCKS_PER_ADVANCE} blocks without waiting for the buyer (a loop)`;
        return result;
      }
      result.steps.push(block.id);
      switch (block.type) {
        case 'MESSAGE':
          result.outgoing.push({ blockId: block.id, text: block.text, productIds: findShopLinks(block.text) });
          break;
        case 'SHOP_LINK':
          result.outgoing.push({
            blockId: block.id,
            text: [block.text, shopUrl(block.productId)].filter(Boolean).join('\n'),
            productIds: [block.productId],
          });
          break;
        case 'TAG':
          result.tags.push(block.tag);
          break;
        case 'QUESTION':
        case 'QUICK_REPLIES':
          result.outgoing.push(promptOf(block)!);
          state.status = 'WAITING_REPLY';
          state.currentBlockId = block.id;
          return result;
        case 'WAIT':
          state.status = 'WAITING_TIMER';
          state.currentBlockId = block.id;
          state.wakeAt = now + block.amount * (block.unit === 'SECONDS' ? 1000 : 60_000);
          return result;
        case 'HANDOFF':
          state.status = 'HANDED_OFF';
          // Hand back continues after the Handoff block (or finds the flow finished).
          state.currentBlockId = following(blocks, block);
          result.handoff = block.reason || 'The flow reached a Handoff block';
          return result;
        case 'BRANCH': {
          const value = normaliseText(state.fields[block.field] ?? '');
          const hit = block.cases.find((c) => normaliseText(c.equals) === value);
          id = hit ? hit.next : block.else;
          continue;
        }
      }
      id = following(blocks, block);
    }
    state.status = 'DONE';
    state.currentBlockId = null;
    return result;
  };

  switch (input.kind) {
    case 'start':
      return walk(blocks[0]?.id ?? null);
    case 'timer':
      if (from.status !== 'WAITING_TIMER' || !current || current.type !== 'WAIT') return null;
      if (from.wakeAt !== null && from.wakeAt > now) return null;
      return walk(following(blocks, current));
    case 'resume':
      if (from.status !== 'HANDED_OFF' || !state.currentBlockId || !current) return null;
      return walk(current.id);
    case 'reply': {
      if (from.status !== 'WAITING_REPLY' || !current) return null;
      if (current.type === 'QUESTION') {
        state.fields[current.field] = input.text.trim().slice(0, 1000);
        return walk(following(blocks, current));
      }
      if (current.type !== 'QUICK_REPLIES') return null;
      const option = matchOption(current, input.text);
      if (option) {
        state.fields[current.field] = option.label;
        return walk(option.next ?? following(blocks, current));
      }
      if (current.freeTextFallback) {
        state.fields[current.field] = input.text.trim().slice(0, 1000);
        return walk(following(blocks, current));
      }
      if (from.freeTextCount >= 1) {
        state.status = 'HANDED_OFF';
        state.freeTextCount = 0;
        result.handoff = FREE_TEXT_HANDOFF;
        return result;
      }
      // The first free-text answer: ask once more.
      state.freeTextCount = from.freeTextCount + 1;
      result.outgoing.push(promptOf(current)!);
      return result;
    }
  }
}
