// Channel types whose real sender is not built yet (Telegram, TikTok): a reply
// is recorded FAILED with the reason, never a fake SENT, and nothing comes in until the channel is built.
import type { ChannelType } from '../db/schema';
import type { ChannelAdapter } from './adapter';
import { credentialSchema } from './credentials';

const NAMES: Partial<Record<ChannelType, string>> = {
  TELEGRAM: 'Telegram',
  TIKTOK: 'TikTok',
};

export function unbuiltAdapter(type: ChannelType): ChannelAdapter<unknown> {
  return {
    type,
    credentials: credentialSchema(type),
    capabilities: {},
    parse: () => [],
    async send() {
      return {
        status: 'FAILED',
        detail: `Not sent: sending to ${NAMES[type] ?? type} is not available on this installation yet`,
      };
    },
  };
}
