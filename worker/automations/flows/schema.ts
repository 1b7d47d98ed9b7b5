// The flow document, validated at the door: up to 50 blocks of 8 types, each with an id unique in the flow.
// A block without `next` continues with the following block in the array; the last block ends the flow.
// Cross-block rules (unique ids, every `next` names a block, a Branch reads a field some block captures, one
// shop link per Message) are checked here too, each reported under the path of the offending value.
import { z } from 'zod';
import { tagSchema } from '../rules';
import { findShopLinks } from '../shop-links';

const blockId = z
  .string({ error: 'A block id is required' })
  .regex(/^[a-z0-9_-]{1,40}$/, 'A block id is 1 to 40 lowercase letters, digits, - and _');
const text = (max: number, label = 'The text') =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} is required`)
    .max(max, `${label} is at most ${max} characters`);
const field = z
  .string({ error: 'A field name is required' })
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'A field name starts with a letter: lowercase letters, digits and _, at most 40');
const next = blockId.optional();

export const MAX_QUICK_REPLIES = 4;

export const blockSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ id: blockId, type: z.literal('MESSAGE'), text: text(1000), next }),
    z.strictObject({ id: blockId, type: z.literal('QUESTION'), text: text(1000), field, next }),
    z.strictObject({
      id: blockId,
      type: z.literal('QUICK_REPLIES'),
      text: text(1000),
      field,
      options: z
        .array(z.strictObject({ label: text(20, 'A quick reply'), next }), { error: 'options must be a list' })
        .min(1, 'Give at least one quick reply')
        .max(MAX_QUICK_REPLIES, `At most ${MAX_QUICK_REPLIES} quick replies`),
      freeTextFallback: z.boolean().optional(),
      next,
    }),
    z.strictObject({
      id: blockId,
      type: z.literal('BRANCH'),
      field,
      cases: z
        .array(z.strictObject({ equals: text(100, 'The value'), next: blockId }), { error: 'cases must be a list' })
        .min(1, 'Give at least one case')
        .max(10, 'At most 10 cases'),
      else: blockId,
    }),
    z.strictObject({
      id: blockId,
      type: z.literal('SHOP_LINK'),
      productId: z
        .string({ error: 'Pick a product' })
        .trim()
        .min(1, 'Pick a product')
        .max(128, 'A product id is at most 128 characters'),
      text: z.string().trim().max(300, 'The text is at most 300 characters').optional(),
      next,
    }),
    z.strictObject({
      id: blockId,
      type: z.literal('HANDOFF'),
      reason: z.string().trim().max(200, 'The reason is at most 200 characters').optional(),
    }),
    z
      .strictObject({
        id: blockId,
        type: z.literal('WAIT'),
        amount: z.number({ error: 'amount must be a whole number' }).int('amount must be a whole number'),
        unit: z.enum(['SECONDS', 'MINUTES'], { error: 'unit must be SECONDS or MINUTES' }),
        next,
      })
      .superRefine((b, ctx) => {
        const max = b.unit === 'SECONDS' ? 3600 : 1440;
        if (b.amount < 1 || b.amount > max) {
          ctx.addIssue({
            code: 'custom',
            path: ['amount'],
            message: `A wait is 1 to ${max} ${b.unit === 'SECONDS' ? 'seconds' : 'minutes'}`,
          });
        }
      }),
    z.strictObject({ id: blockId, type: z.literal('TAG'), tag: tagSchema, next }),
  ],
  { error: 'type must be MESSAGE, QUESTION, QUICK_REPLIES, BRANCH, SHOP_LINK, HANDOFF, WAIT or TAG' },
);

export type Block = z.output<typeof blockSchema>;
export type BlockType = Block['type'];

/** The blocks a block can lead to, with the path of each reference (for error messages). */
function references(block: Block): { target: string; path: (string | number)[] }[] {
  const refs: { target: string; path: (string | number)[] }[] = [];
  if ('next' in block && block.next) refs.push({ target: block.next, path: ['next'] });
  if (block.type === 'QUICK_REPLIES') {
    block.options.forEach((o, i) => {
      if (o.next) refs.push({ target: o.next, path: ['options', i, 'next'] });
    });
  }
  if (block.type === 'BRANCH') {
    block.cases.forEach((c, i) => {
      refs.push({ target: c.next, path: ['cases', i, 'next'] });
    });
    refs.push({ target: block.else, path: ['else'] });
  }
  return refs;
}

export const blocksSchema = z
  .array(blockSchema, { error: 'blocks must be a list' })
  .min(1, 'A flow needs at least one block')
  .max(50, 'A flow has at most 50 blocks')
  .superRefine((blocks, ctx) => {
    const seen = new Set<string>();
    blocks.forEach((b, i) => {
      if (seen.has(b.id))
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `Two blocks have the id "${b.id}"` });
      seen.add(b.id);
    });
    const captured = new Set(
      blocks.flatMap((b) => (b.type === 'QUESTION' || b.type === 'QUICK_REPLIES' ? [b.field] : [])),
    );
    blocks.forEach((b, i) => {
      for (const ref of references(b)) {
        if (!seen.has(ref.target)) {
          ctx.addIssue({ code: 'custom', path: [i, ...ref.path], message: `No block with id "${ref.target}"` });
        }
      }
      if (b.type === 'MESSAGE' && findShopLinks(b.text).length > 1) {
        ctx.addIssue({ code: 'custom', path: [i, 'text'], message: 'A message has at most one shop link' });
      }
      if (b.type === 'BRANCH' && !captured.has(b.field)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'field'],
          message: `No Question or Quick replies block stores the field "${b.field}"`,
        });
      }
    });
  });

export const flowSchema = z.strictObject({
  name: z
    .string({ error: 'name is required' })
    .trim()
    .min(1, 'name is required')
    .max(100, 'name is at most 100 characters'),
  blocks: blocksSchema,
});

export const flowPatchSchema = z
  .strictObject({ name: flowSchema.shape.name.optional(), blocks: blocksSchema.optional() })
  .refine((v) => v.name !== undefined || v.blocks !== undefined, { message: 'Nothing to update' });

export type FlowInput = z.output<typeof flowSchema>;
