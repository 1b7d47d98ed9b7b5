// Channels of an organisation: create, read, change and remove them, with credentials encrypted at rest and
// only ever shown masked, and the knowledge groups that ground AI replies on each channel.
import { and, eq, inArray } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Db } from '../db/client';
import {
  aiProviders,
  type Channel,
  type ChannelSettings,
  type ChannelType,
  channelKnowledgeGroups,
  channels,
  knowledgeGroups,
} from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError, ValidationError } from '../lib/errors';
import { parsePrivateHostAllowance } from '../lib/public-host';
import { decryptJson, encryptJson } from '../lib/secrets';
import {
  type ChannelCredentials,
  type CredentialCheckOptions,
  maskCredentials,
  parseCredentials,
  resolveCredentials,
} from './credentials';

export type AutoReplyMode = 'off' | 'prepare' | 'auto-approve';

export interface ChannelInput {
  type: ChannelType;
  name: string;
  region?: string | null;
  defaultLanguage: string;
  /** Unset: on only when the provider the channel would use can translate. */
  autoTranslate?: boolean;
  translateToLanguage?: string | null;
  fallbackLanguage?: string | null;
  aiProviderId?: string | null;
  systemPrompt?: string | null;
  credentials: Record<string, unknown>;
  responseTemplate?: Record<string, unknown> | null;
  settings?: ChannelSettings;
  knowledgeGroupIds?: string[];
  autoReply: boolean;
  autoApprove: boolean;
  autoEnhance: boolean;
  isActive?: boolean;
}

export type ChannelChanges = Partial<Omit<ChannelInput, 'type'>>;

/** A channel of the organisation, or 404: another organisation's channel does not exist for this caller. */
export async function loadChannel(db: Db, organizationId: string, channelId: string): Promise<Channel> {
  const [channel] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.organizationId, organizationId), eq(channels.id, channelId)))
    .limit(1);
  if (!channel) throw new NotFoundError('Channel');
  return channel;
}

export async function decryptCredentials<T extends ChannelCredentials = ChannelCredentials>(
  env: Pick<AppBindings, 'ENCRYPTION_KEY'>,
  channel: Pick<Channel, 'credentialsEncrypted'>,
): Promise<T> {
  return decryptJson<T>(env.ENCRYPTION_KEY, channel.credentialsEncrypted);
}

/** The installation's own exceptions to the public-host rule for mail servers (tests and local servers). */
export function credentialCheckOptions(env: Pick<AppBindings, 'ALLOW_PRIVATE_MAIL_HOSTS'>): CredentialCheckOptions {
  return { privateMailHosts: parsePrivateHostAllowance(env.ALLOW_PRIVATE_MAIL_HOSTS) };
}

export function autoReplyMode(channel: Pick<Channel, 'autoReply' | 'autoApprove'>): AutoReplyMode {
  if (!channel.autoReply) return 'off';
  return channel.autoApprove ? 'auto-approve' : 'prepare';
}

async function presentChannel(env: AppBindings, channel: Channel, knowledgeGroupIds: string[]) {
  const { credentialsEncrypted: _, ...fields } = channel;
  return {
    ...fields,
    credentials: maskCredentials(channel.type, await decryptCredentials(env, channel)),
    autoReplyMode: autoReplyMode(channel),
    knowledgeGroupIds,
  };
}

export type PublicChannel = Awaited<ReturnType<typeof presentChannel>>;

async function groupIdsByChannel(db: Db, organizationId: string, channelIds: string[]) {
  const byChannel = new Map<string, string[]>(channelIds.map((id) => [id, []]));
  if (!channelIds.length) return byChannel;
  const rows = await db
    .select({ channelId: channelKnowledgeGroups.channelId, groupId: channelKnowledgeGroups.groupId })
    .from(channelKnowledgeGroups)
    .where(eq(channelKnowledgeGroups.organizationId, organizationId));
  for (const row of rows) byChannel.get(row.channelId)?.push(row.groupId);
  return byChannel;
}

export async function listChannels(env: AppBindings, db: Db, organizationId: string): Promise<PublicChannel[]> {
  const rows = await db
    .select()
    .from(channels)
    .where(eq(channels.organizationId, organizationId))
    .orderBy(channels.createdAt);
  const groups = await groupIdsByChannel(
    db,
    organizationId,
    rows.map((r) => r.id),
  );
  return Promise.all(rows.map((row) => presentChannel(env, row, groups.get(row.id) ?? [])));
}

export async function getChannel(
  env: AppBindings,
  db: Db,
  organizationId: string,
  channelId: string,
): Promise<PublicChannel> {
  const channel = await loadChannel(db, organizationId, channelId);
  const groups = await groupIdsByChannel(db, organizationId, [channel.id]);
  return presentChannel(env, channel, groups.get(channel.id) ?? []);
}

/** References in a body that point outside the organisation are input errors on that field. */
async function assertReferences(
  db: Db,
  organizationId: string,
  input: { aiProviderId?: string | null; knowledgeGroupIds?: string[] },
): Promise<void> {
  if (input.aiProviderId) {
    const [provider] = await db
      .select({ id: aiProviders.id })
      .from(aiProviders)
      .where(and(eq(aiProviders.organizationId, organizationId), eq(aiProviders.id, input.aiProviderId)))
      .limit(1);
    if (!provider) throw ValidationError.field('aiProviderId', 'Unknown AI provider');
  }
  const groupIds = [...new Set(input.knowledgeGroupIds ?? [])];
  if (groupIds.length) {
    const found = await db
      .select({ id: knowledgeGroups.id })
      .from(knowledgeGroups)
      .where(and(eq(knowledgeGroups.organizationId, organizationId), inArray(knowledgeGroups.id, groupIds)));
    if (found.length !== groupIds.length) throw ValidationError.field('knowledgeGroupIds', 'Unknown knowledge group');
  }
}

// Three bound parameters a row keeps each insert under D1's 100-parameter limit.
const GROUP_ROWS_PER_INSERT = 33;

function replaceGroupStatements(
  db: Db,
  organizationId: string,
  channelId: string,
  groupIds: string[],
): BatchItem<'sqlite'>[] {
  const unique = [...new Set(groupIds)];
  const statements: BatchItem<'sqlite'>[] = [
    db.delete(channelKnowledgeGroups).where(eq(channelKnowledgeGroups.channelId, channelId)),
  ];
  for (let i = 0; i < unique.length; i += GROUP_ROWS_PER_INSERT) {
    const rows = unique.slice(i, i + GROUP_ROWS_PER_INSERT).map((groupId) => ({ organizationId, channelId, groupId }));
    statements.push(db.insert(channelKnowledgeGroups).values(rows));
  }
  return statements;
}

/** Whether the channel's provider (or the organisation's default one) can translate: any but the built-in. */
async function providerCanTranslate(db: Db, organizationId: string, providerId?: string | null): Promise<boolean> {
  const [provider] = await db
    .select({ type: aiProviders.type })
    .from(aiProviders)
    .where(
      and(
        eq(aiProviders.organizationId, organizationId),
        providerId ? eq(aiProviders.id, providerId) : eq(aiProviders.isDefault, true),
      ),
    )
    .limit(1);
  return provider !== undefined && provider.type !== 'BUILTIN';
}

export async function createChannel(
  env: AppBindings,
  db: Db,
  organizationId: string,
  input: ChannelInput,
): Promise<PublicChannel> {
  const credentials = parseCredentials(input.type, input.credentials, credentialCheckOptions(env));
  await assertReferences(db, organizationId, input);
  const { credentials: _, ...fields } = input;
  // New channels answer from every knowledge group unless told otherwise, and translate only when the provider
  // they would use can (the built-in one cannot: every message would say "Not translated").
  const knowledgeGroupIds =
    input.knowledgeGroupIds ??
    (
      await db
        .select({ id: knowledgeGroups.id })
        .from(knowledgeGroups)
        .where(eq(knowledgeGroups.organizationId, organizationId))
    ).map((g) => g.id);
  const autoTranslate = input.autoTranslate ?? (await providerCanTranslate(db, organizationId, input.aiProviderId));
  const id = crypto.randomUUID();
  await db.batch([
    db.insert(channels).values({
      ...fields,
      autoTranslate,
      id,
      organizationId,
      settings: input.settings ?? {},
      credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, credentials),
    }),
    ...replaceGroupStatements(db, organizationId, id, knowledgeGroupIds),
  ]);
  return getChannel(env, db, organizationId, id);
}

/** Settings merge by top-level key, so saving the appearance does not wipe the greeting or the allowlist. */
function mergeSettings(stored: ChannelSettings, changes: ChannelSettings | undefined): ChannelSettings | undefined {
  return changes && { ...stored, ...changes };
}

export async function updateChannel(
  env: AppBindings,
  db: Db,
  organizationId: string,
  channelId: string,
  changes: ChannelChanges,
): Promise<PublicChannel> {
  const channel = await loadChannel(db, organizationId, channelId);
  let credentialsEncrypted: string | undefined;
  if (changes.credentials) {
    const stored = await decryptCredentials(env, channel);
    const credentials = resolveCredentials(
      channel.type,
      changes.credentials,
      stored,
      'replace',
      credentialCheckOptions(env),
    );
    credentialsEncrypted = await encryptJson(env.ENCRYPTION_KEY, credentials);
  }
  await assertReferences(db, organizationId, changes);
  const { knowledgeGroupIds, credentials: _, settings, ...fields } = changes;
  await db.batch([
    db
      .update(channels)
      .set({
        ...fields,
        settings: mergeSettings(channel.settings, settings),
        credentialsEncrypted,
        updatedAt: new Date(),
      })
      .where(and(eq(channels.organizationId, organizationId), eq(channels.id, channel.id))),
    ...(knowledgeGroupIds ? replaceGroupStatements(db, organizationId, channel.id, knowledgeGroupIds) : []),
  ]);
  return getChannel(env, db, organizationId, channel.id);
}

export async function deleteChannel(db: Db, organizationId: string, channelId: string): Promise<void> {
  const channel = await loadChannel(db, organizationId, channelId);
  await db.delete(channels).where(and(eq(channels.organizationId, organizationId), eq(channels.id, channel.id)));
}
