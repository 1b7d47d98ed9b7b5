import { describe, expect, it } from 'vitest';
import { advance, FREE_TEXT_HANDOFF, matchOption, type RunState } from './runtime';
import { type Block, blocksSchema, flowSchema } from './schema';

const fresh: RunState = { currentBlockId: null, fields: {}, status: 'RUNNING', freeTextCount: 0, wakeAt: null };
const NOW = 1_800_000_000_000;

const shade: Block = {
  id: 'shade',
  type: 'QUICK_REPLIES',
  text: 'Which shade?',
  field: 'shade',
  options: [{ label: 'Light' }, { label: 'Medium', next: 'medium' }, { label: 'คุยกับแอดมิน', next: 'human' }],
};
const flow: Block[] = [
  { id: 'hi', type: 'MESSAGE', text: 'Hi! 👋\nThanks for the comment' },
  { id: 'tag', type: 'TAG', tag: 'lead' },
  shade,
  { id: 'branch', type: 'BRANCH', field: 'shade', cases: [{ equals: 'light', next: 'light' }], else: 'medium' },
  { id: 'light', type: 'SHOP_LINK', productId: 'p-light', text: 'Light is here:', next: 'size' },
  { id: 'medium', type: 'SHOP_LINK', productId: 'p-medium', next: 'size' },
  { id: 'size', type: 'QUESTION', text: 'What size?', field: 'size' },
  { id: 'pause', type: 'WAIT', amount: 90, unit: 'SECONDS' },
  { id: 'bye', type: 'MESSAGE', text: 'Enjoy!' },
  { id: 'end', type: 'HANDOFF', reason: 'Wrap up by a human' },
  { id: 'human', type: 'HANDOFF' },
];

describe('the flow interpreter, block by block', () => {
  it('start: Message, Tag, then stops at Quick replies (options as numbered lines), WAITING_REPLY', () => {
    const a = advance(flow, fresh, { kind: 'start' }, NOW)!;
    expect(a.outgoing).toEqual([
      { blockId: 'hi', text: 'Hi! 👋\nThanks for the comment', productIds: [] },
      { blockId: 'shade', text: 'Which shade?\n1. Light\n2. Medium\n3. คุยกับแอดมิน', productIds: [] },
    ]);
    expect(a.steps).toEqual(['hi', 'tag', 'shade']);
    expect(a.tags).toEqual(['lead']);
    expect(a.state).toMatchObject({ status: 'WAITING_REPLY', currentBlockId: 'shade' });
    expect(a.handoff).toBeNull();
  });

  it('Quick replies store the choice (label case/width-insensitive, or its number); Branch reads it; Shop link sends the product URL; Question waits', () => {
    const atShade = advance(flow, fresh, { kind: 'start' }, NOW)!.state;
    const light = advance(flow, atShade, { kind: 'reply', text: 'ＬＩＧＨＴ' }, NOW)!;
    expect(light.state.fields).toEqual({ shade: 'Light' });
    expect(light.steps).toEqual(['branch', 'light', 'size']);
    expect(light.outgoing).toEqual([
      {
        blockId: 'light',
        text: 'Light is here:\nhttps://shop.tiktok.com/view/product/p-light',
        productIds: ['p-light'],
      },
      { blockId: 'size', text: 'What size?', productIds: [] },
    ]);
    expect(light.state).toMatchObject({ status: 'WAITING_REPLY', currentBlockId: 'size' });
    const two = advance(flow, atShade, { kind: 'reply', text: '2' }, NOW)!;
    expect(two.state.fields.shade).toBe('Medium');
    expect(two.steps).toEqual(['medium', 'size']);
    expect(two.outgoing[0]!.text).toBe('https://shop.tiktok.com/view/product/p-medium');
  });

  it('Question stores the reply; Wait stops with a wake time; the timer continues; Handoff hands off with its reason', () => {
    const atSize = advance(
      flow,
      advance(flow, fresh, { kind: 'start' }, NOW)!.state,
      { kind: 'reply', text: '1' },
      NOW,
    )!.state;
    const waiting = advance(flow, atSize, { kind: 'reply', text: ' 50 ml ' }, NOW)!;
    expect(waiting.state).toMatchObject({
      status: 'WAITING_TIMER',
      currentBlockId: 'pause',
      wakeAt: NOW + 90_000,
      fields: { shade: 'Light', size: '50 ml' },
    });
    expect(waiting.outgoing).toEqual([]);
    expect(advance(flow, waiting.state, { kind: 'timer' }, NOW + 89_999)).toBeNull();
    const woke = advance(flow, waiting.state, { kind: 'timer' }, NOW + 90_000)!;
    expect(woke.outgoing.map((o) => o.text)).toEqual(['Enjoy!']);
    expect(woke.state).toMatchObject({ status: 'HANDED_OFF', currentBlockId: 'human' });
    expect(woke.handoff).toBe('Wrap up by a human');
  });

  it('a quick-reply option can lead to a Handoff; the last block ends the flow (DONE)', () => {
    const atShade = advance(flow, fresh, { kind: 'start' }, NOW)!.state;
    const human = advance(flow, atShade, { kind: 'reply', text: 'คุยกับแอดมิน' }, NOW)!;
    expect(human.handoff).toBe('The flow reached a Handoff block');
    expect(human.state).toMatchObject({ status: 'HANDED_OFF', currentBlockId: null });
    const done = advance([{ id: 'only', type: 'MESSAGE', text: 'Hello' }], fresh, { kind: 'start' }, NOW)!;
    expect(done.state).toMatchObject({ status: 'DONE', currentBlockId: null });
  });

  it('free text to quick replies: asked again once, the second time handed off; with the fallback it is captured', () => {
    const atShade = advance(flow, fresh, { kind: 'start' }, NOW)!.state;
    const again = advance(flow, atShade, { kind: 'reply', text: 'hmm which is best for tan skin?' }, NOW)!;
    expect(again.outgoing.map((o) => o.text)).toEqual(['Which shade?\n1. Light\n2. Medium\n3. คุยกับแอดมิน']);
    expect(again.state).toMatchObject({ status: 'WAITING_REPLY', freeTextCount: 1 });
    const twice = advance(flow, again.state, { kind: 'reply', text: 'just tell me' }, NOW)!;
    expect(twice.handoff).toBe(FREE_TEXT_HANDOFF);
    expect(twice.outgoing).toEqual([]);
    expect(twice.state).toMatchObject({ status: 'HANDED_OFF', currentBlockId: 'shade' });
    // Hand back asks the pending question again.
    const resumed = advance(flow, twice.state, { kind: 'resume' }, NOW)!;
    expect(resumed.outgoing.map((o) => o.blockId)).toEqual(['shade']);
    expect(resumed.state).toMatchObject({ status: 'WAITING_REPLY', freeTextCount: 0 });

    const lenient = flow.map((b) => (b.id === 'shade' ? { ...shade, freeTextFallback: true } : b));
    const captured = advance(lenient, atShade, { kind: 'reply', text: 'tan' }, NOW)!;
    expect(captured.state.fields.shade).toBe('tan');
    expect(captured.steps).toEqual(['branch', 'medium', 'size']);
  });

  it('a loop without a question or wait hands off instead of spinning', () => {
    const loop: Block[] = [
      { id: 'a', type: 'MESSAGE', text: 'a', next: 'b' },
      { id: 'b', type: 'TAG', tag: 'x', next: 'a' },
    ];
    const a = advance(loop, fresh, { kind: 'start' }, NOW)!;
    expect(a.handoff).toMatch(/without waiting for the buyer/);
    expect(a.state.status).toBe('HANDED_OFF');
  });

  it('matches options by "2. Label" and refuses numbers out of range', () => {
    expect(matchOption(shade, '2. medium')?.label).toBe('Medium');
    expect(matchOption(shade, '4')).toBeNull();
    expect(matchOption(shade, 'Light!')?.label).toBe('Light');
  });
});

describe('flow validation', () => {
  const fields = (blocks: unknown) => {
    const result = blocksSchema.safeParse(blocks);
    return result.success ? null : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('refuses 5 quick replies, two shop links in one message, a branch to nowhere, duplicate ids, long waits', () => {
    expect(
      fields([
        {
          id: 'q',
          type: 'QUICK_REPLIES',
          text: 'Pick',
          field: 'f',
          options: ['a', 'b', 'c', 'd', 'e'].map((label) => ({ label })),
        },
      ]),
    ).toEqual(['0.options: At most 4 quick replies']);
    expect(
      fields([
        {
          id: 'm',
          type: 'MESSAGE',
          text: 'https://shop.tiktok.com/view/product/1 and https://www.tiktok.com/view/product/2',
        },
      ]),
    ).toEqual(['0.text: A message has at most one shop link']);
    expect(
      fields([
        { id: 'q', type: 'QUESTION', text: 'Size?', field: 'size' },
        { id: 'b', type: 'BRANCH', field: 'size', cases: [{ equals: 'S', next: 'nowhere' }], else: 'q' },
      ]),
    ).toEqual(['1.cases.0.next: No block with id "nowhere"']);
    expect(
      fields([
        { id: 'x', type: 'MESSAGE', text: 'a' },
        { id: 'x', type: 'MESSAGE', text: 'b', next: 'y' },
      ]),
    ).toEqual(['1.id: Two blocks have the id "x"', '1.next: No block with id "y"']);
    expect(fields([{ id: 'w', type: 'WAIT', amount: 3601, unit: 'SECONDS' }])).toEqual([
      'amount: A wait is 1 to 3600 seconds'.replace(/^/, '0.'),
    ]);
    expect(
      fields([{ id: 'b', type: 'BRANCH', field: 'ghost', cases: [{ equals: 'a', next: 'b' }], else: 'b' }]),
    ).toEqual(['0.field: No Question or Quick replies block stores the field "ghost"']);
    expect(flowSchema.safeParse({ name: 'ok', blocks: flow }).success).toBe(true);
  });
});
