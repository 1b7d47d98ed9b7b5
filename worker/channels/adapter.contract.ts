// The contract every channel adapter passes (run for each in adapters.contract.test.ts): parse is pure and
// idempotent and never throws on junk, an internal note never reaches the adapter, and a send that cannot
// be made is an honest FAILED with a reason — never a throw, never a fake SENT.
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { createDb } from '../db/client';
import type { Channel } from '../db/schema';
import type { ChannelAdapter, OutboundEnvelope, SendContext } from './adapter';
import { deliver } from './registry';

export interface ContractSetup<C> {
  adapter: ChannelAdapter<C>;
  /** A real channel of this type with a conversation, and an outbound message in it. */
  fixture(): Promise<{ channel: Channel; message: OutboundEnvelope }>;
  /** Payloads as the channel really sends them, each with a provider message id. */
  payloads: unknown[];
  /** A context in which sending cannot succeed (wrong credentials, unreachable server), when there is one. */
  failingContext?(fixture: { channel: Channel; message: OutboundEnvelope }): Promise<SendContext<C>>;
}

const JUNK: unknown[] = [null, undefined, 42, '', 'text', [], {}, { entry: 'x' }, { from: 7 }, [{ text: null }]];

export function adapterContract<C>(name: string, setup: ContractSetup<C>) {
  describe(`${name} adapter contract`, () => {
    const channel = { id: 'ch_contract', organizationId: 'org_contract' };

    if (setup.payloads.length)
      it('parses each real payload into events for the given channel, the same way every time', () => {
        for (const payload of setup.payloads) {
          const first = setup.adapter.parse(payload, channel);
          const again = setup.adapter.parse(structuredClone(payload), channel);
          expect(again).toEqual(first);
          const messages = first.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
          expect(messages.length).toBeGreaterThan(0);
          for (const message of messages) {
            expect(message).toMatchObject({ organizationId: 'org_contract', channelId: 'ch_contract' });
            // The provider id is what makes a redelivery a duplicate downstream.
            expect(typeof message.externalMessageId).toBe('string');
            expect(message.externalContactId.length).toBeGreaterThan(0);
          }
        }
      });

    it('never throws on junk and makes no message out of it', () => {
      for (const junk of JUNK) {
        const events = setup.adapter.parse(junk, channel);
        expect(events.filter((e) => e.kind === 'message')).toEqual([]);
      }
    });

    it('refuses credentials that are not its own', () => {
      expect(setup.adapter.credentials.safeParse({ surely: 'not', valid: ['credentials'] }).success).toBe(false);
    });

    it('never receives an internal note: delivery refuses it before the adapter is called', async () => {
      const { channel: real, message } = await setup.fixture();
      const send = vi.spyOn(setup.adapter, 'send');
      try {
        await expect(deliver(env, createDb(env.DB), real, { ...message, isNote: true })).rejects.toThrow(
          /must never be delivered/,
        );
        expect(send).not.toHaveBeenCalled();
      } finally {
        send.mockRestore();
      }
    });

    const { failingContext } = setup;
    if (failingContext) {
      it('reports a send that cannot be made as FAILED with the reason, without throwing', async () => {
        const fixture = await setup.fixture();
        const result = await setup.adapter.send(fixture.message, await failingContext(fixture));
        expect(result.status).toBe('FAILED');
        expect(result.detail?.trim().length).toBeGreaterThan(0);
      });
    }
  });
}
