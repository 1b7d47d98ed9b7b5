// The shape of a trigger's rules, validated at the door: conditions combined as an OR of AND groups (AND binds
// tighter than OR: `[[A, B], [C]]` is (A AND B) OR C), the scope (all videos, specific videos, videos tagged),
// the optional public reply and the DM action (a single message, or a DM flow).
import { z } from 'zod';

const ID_MAX = 128;
const postId = z
  .string()
  .trim()
  .min(1, 'A video id is required')
  .max(ID_MAX, `A video id is at most ${ID_MAX} characters`);
const tag = z
  .string()
  .trim()
  .min(1, 'A tag is required')
  .max(50, 'A tag is at most 50 characters')
  .regex(/^[\p{L}\p{N}_-]+$/u, 'A tag is letters, digits, - and _ only');

export const conditionSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('KEYWORD'),
      keywords: z
        .array(z.string().trim().min(1, 'A keyword is required').max(100, 'A keyword is at most 100 characters'), {
          error: 'keywords must be a list',
        })
        .min(1, 'Give at least one keyword')
        .max(50, 'At most 50 keywords'),
    }),
    z.strictObject({ type: z.literal('QUESTION') }),
    z.strictObject({ type: z.literal('FIRST_COMMENT') }),
    z.strictObject({
      type: z.literal('VIDEO'),
      postIds: z.array(postId).min(1, 'Pick at least one video').max(100, 'At most 100 videos'),
    }),
    z.strictObject({
      type: z.literal('SKU'),
      /** Empty: any product of the synced catalog. */
      productIds: z.array(postId).max(100, 'At most 100 products').default([]),
    }),
  ],
  { error: 'type must be KEYWORD, QUESTION, FIRST_COMMENT, VIDEO or SKU' },
);

export const matchSchema = z.strictObject({
  groups: z
    .array(
      z.array(conditionSchema).min(1, 'A group needs at least one condition').max(10, 'At most 10 conditions a group'),
    )
    .min(1, 'Give at least one condition')
    .max(10, 'At most 10 groups'),
});

export const scopeSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('ALL') }),
    z.strictObject({
      kind: z.literal('VIDEOS'),
      postIds: z.array(postId).min(1, 'Pick at least one video').max(100, 'At most 100 videos'),
    }),
    z.strictObject({
      kind: z.literal('TAGGED'),
      tags: z.array(tag).min(1, 'Give at least one tag').max(20, 'At most 20 tags'),
    }),
  ],
  { error: 'kind must be ALL, VIDEOS or TAGGED' },
);

export const actionSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('MESSAGE'),
      text: z.string().trim().min(1, 'The message is required').max(1000, 'The message is at most 1000 characters'),
    }),
    /** Starts a DM flow (automations/flows/) in the commenter's conversation. */
    z.strictObject({
      kind: z.literal('FLOW'),
      flowId: z
        .string({ error: 'Pick a flow' })
        .trim()
        .min(1, 'Pick a flow')
        .max(ID_MAX, `A flow id is at most ${ID_MAX} characters`),
    }),
  ],
  { error: 'kind must be MESSAGE or FLOW' },
);

/** A public reply is one short sentence under the comment (TikTok caps comments at 150 characters). */
export const publicReplySchema = z
  .string()
  .trim()
  .max(150, 'The public reply is at most 150 characters')
  .refine((v) => !/[\r\n]/.test(v), 'The public reply is one sentence on one line')
  .transform((v) => v || null)
  .nullable();

export type Condition = z.output<typeof conditionSchema>;
export type Match = z.output<typeof matchSchema>;
export type Scope = z.output<typeof scopeSchema>;
export type DmAction = z.output<typeof actionSchema>;

export { tag as tagSchema };
