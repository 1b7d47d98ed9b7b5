// The organisation's AI providers: settings with encrypted keys, exactly one default, and which
// provider answers on a channel (the channel's own choice, else the org default). A stored key only goes to
// the base URL it was entered for: pointing a provider elsewhere needs the key typed again.
import { and, asc, eq, ne } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type AI_PROVIDER_TYPES, type AiProvider, aiProviders, type Channel } from '../db/schema';
import type { AppBindings } from '../env';
import { type FieldErrors, NotFoundError, ValidationError } from '../lib/errors';
import { type PrivateHostAllowance, parsePrivateHostAllowance } from '../lib/public-host';
import { decryptSecret, encryptSecret, maskSecret } from '../lib/secrets';
import { baseUrlProblem } from './providers/base-url';
import { BUILTIN_MODEL } from './providers/builtin';

export type AiProviderType = (typeof AI_PROVIDER_TYPES)[number];

export interface ProviderInput {
  type: AiProviderType;
  name: string;
  model?: string;
  temperature?: number;
  maxTokens?: number;
  baseUrl?: string | null;
  apiVersion?: string | null;
  deployment?: string | null;
  apiKey?: string | null;
  isDefault?: boolean;
}

export const NO_PROVIDER_MESSAGE = 'Add an AI provider in Settings → AI Providers first';

const NEEDS_KEY: AiProviderType[] = ['OPENAI', 'ANTHROPIC', 'AZURE_OPENAI'];
const NEEDS_BASE_URL: AiProviderType[] = ['AZURE_OPENAI', 'OLLAMA'];
const KEY_AGAIN_MESSAGE = 'Enter the API key again to use it with a new base URL';

export async function publicProvider(env: AppBindings, row: AiProvider) {
  const { apiKeyEncrypted, organizationId: _org, ...rest } = row;
  return {
    ...rest,
    hasApiKey: Boolean(apiKeyEncrypted),
    apiKey: apiKeyEncrypted ? maskSecret(await decryptSecret(env.ENCRYPTION_KEY, apiKeyEncrypted)) : null,
  };
}

interface EffectiveSettings {
  type: AiProviderType;
  model: string;
  baseUrl: string | null;
  apiVersion: string | null;
  deployment: string | null;
  hasKey: boolean;
}

// Rules that depend on the provider type, checked on the merged result of a create or an update.
function checkSettings(s: EffectiveSettings, privateOllamaHosts: PrivateHostAllowance): void {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => {
    fields[field] = [...(fields[field] ?? []), message];
  };
  if (s.type !== 'BUILTIN' && !s.model.trim()) add('model', 'Model is required');
  if (NEEDS_KEY.includes(s.type) && !s.hasKey) add('apiKey', `An API key is required for ${s.type}`);
  if (NEEDS_BASE_URL.includes(s.type) && !s.baseUrl) add('baseUrl', `A base URL is required for ${s.type}`);
  if (s.baseUrl) {
    const problem = baseUrlProblem(s.type, s.baseUrl, privateOllamaHosts);
    if (problem) add('baseUrl', problem);
  }
  if (s.type === 'AZURE_OPENAI') {
    if (!s.apiVersion) add('apiVersion', 'An API version is required for Azure OpenAI');
    if (!s.deployment) add('deployment', 'A deployment is required for Azure OpenAI');
  }
  if (Object.keys(fields).length) throw new ValidationError('Invalid AI provider settings', fields);
}

export async function listProviders(env: AppBindings, db: Db, organizationId: string) {
  const rows = await db
    .select()
    .from(aiProviders)
    .where(eq(aiProviders.organizationId, organizationId))
    .orderBy(asc(aiProviders.createdAt));
  return Promise.all(rows.map((row) => publicProvider(env, row)));
}

async function loadProvider(db: Db, organizationId: string, id: string): Promise<AiProvider> {
  const [row] = await db
    .select()
    .from(aiProviders)
    .where(and(eq(aiProviders.organizationId, organizationId), eq(aiProviders.id, id)));
  if (!row) throw new NotFoundError('AI provider');
  return row;
}

async function clearOtherDefaults(db: Db, organizationId: string, keepId: string): Promise<void> {
  await db
    .update(aiProviders)
    .set({ isDefault: false })
    .where(
      and(eq(aiProviders.organizationId, organizationId), ne(aiProviders.id, keepId), eq(aiProviders.isDefault, true)),
    );
}

function privateOllamaHosts(env: Pick<AppBindings, 'ALLOW_PRIVATE_OLLAMA_HOSTS'>): PrivateHostAllowance {
  return parsePrivateHostAllowance(env.ALLOW_PRIVATE_OLLAMA_HOSTS);
}

/** Two base URLs are the same destination when they parse to the same URL (case, default port, a final slash). */
function sameDestination(a: string | null, b: string | null): boolean {
  const normal = (url: string | null) =>
    url && URL.canParse(url) ? new URL(url).href.replace(/\/+$/, '') : (url ?? '').trim();
  return normal(a) === normal(b);
}

export async function createProvider(env: AppBindings, db: Db, organizationId: string, input: ProviderInput) {
  const model = input.type === 'BUILTIN' ? BUILTIN_MODEL : (input.model ?? '');
  checkSettings(
    {
      type: input.type,
      model,
      baseUrl: input.baseUrl ?? null,
      apiVersion: input.apiVersion ?? null,
      deployment: input.deployment ?? null,
      hasKey: Boolean(input.apiKey),
    },
    privateOllamaHosts(env),
  );
  const [anyDefault] = await db
    .select({ id: aiProviders.id })
    .from(aiProviders)
    .where(and(eq(aiProviders.organizationId, organizationId), eq(aiProviders.isDefault, true)));
  const isDefault = input.isDefault === true || !anyDefault;
  const [row] = await db
    .insert(aiProviders)
    .values({
      organizationId,
      type: input.type,
      name: input.name,
      model,
      temperature: input.temperature,
      maxTokens: input.maxTokens,
      baseUrl: input.baseUrl ?? null,
      apiVersion: input.apiVersion ?? null,
      deployment: input.deployment ?? null,
      apiKeyEncrypted: input.apiKey ? await encryptSecret(env.ENCRYPTION_KEY, input.apiKey) : null,
      isDefault,
    })
    .returning();
  if (isDefault) await clearOtherDefaults(db, organizationId, row!.id);
  return publicProvider(env, row!);
}

export async function updateProvider(
  env: AppBindings,
  db: Db,
  organizationId: string,
  id: string,
  patch: Partial<Omit<ProviderInput, 'type'>>,
) {
  const current = await loadProvider(db, organizationId, id);
  if (patch.isDefault === false && current.isDefault) {
    throw ValidationError.field(
      'isDefault',
      'One provider must stay the default: mark another provider as default instead',
    );
  }
  const storedKey = current.apiKeyEncrypted ? await decryptSecret(env.ENCRYPTION_KEY, current.apiKeyEncrypted) : null;
  // An omitted apiKey, or the mask of the stored one, keeps the stored key; null or '' removes it.
  const keepsKey = patch.apiKey === undefined || (storedKey !== null && patch.apiKey === maskSecret(storedKey));
  const keyChange = keepsKey ? undefined : patch.apiKey || null;
  const merged = {
    type: current.type,
    model: current.type === 'BUILTIN' ? BUILTIN_MODEL : (patch.model ?? current.model),
    baseUrl: patch.baseUrl === undefined ? current.baseUrl : patch.baseUrl || null,
    apiVersion: patch.apiVersion === undefined ? current.apiVersion : patch.apiVersion || null,
    deployment: patch.deployment === undefined ? current.deployment : patch.deployment || null,
  };
  checkSettings(
    {
      ...merged,
      hasKey: keyChange === undefined ? Boolean(current.apiKeyEncrypted) : Boolean(keyChange),
    },
    privateOllamaHosts(env),
  );
  // The key was entered for the stored URL; an admin who only sees its mask may not send it somewhere else.
  if (storedKey !== null && keepsKey && !sameDestination(merged.baseUrl, current.baseUrl)) {
    throw ValidationError.field('apiKey', KEY_AGAIN_MESSAGE);
  }
  const [row] = await db
    .update(aiProviders)
    .set({
      ...merged,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.temperature !== undefined ? { temperature: patch.temperature } : {}),
      ...(patch.maxTokens !== undefined ? { maxTokens: patch.maxTokens } : {}),
      ...(keyChange !== undefined
        ? { apiKeyEncrypted: keyChange ? await encryptSecret(env.ENCRYPTION_KEY, keyChange) : null }
        : {}),
      ...(patch.isDefault ? { isDefault: true } : {}),
    })
    .where(and(eq(aiProviders.organizationId, organizationId), eq(aiProviders.id, id)))
    .returning();
  if (patch.isDefault) await clearOtherDefaults(db, organizationId, id);
  return publicProvider(env, row!);
}

/** Deletes a provider; when it was the default, the oldest remaining provider becomes the default. */
export async function deleteProvider(db: Db, organizationId: string, id: string): Promise<void> {
  const current = await loadProvider(db, organizationId, id);
  await db.delete(aiProviders).where(and(eq(aiProviders.organizationId, organizationId), eq(aiProviders.id, id)));
  if (!current.isDefault) return;
  const [next] = await db
    .select({ id: aiProviders.id })
    .from(aiProviders)
    .where(eq(aiProviders.organizationId, organizationId))
    .orderBy(asc(aiProviders.createdAt))
    .limit(1);
  if (next) await db.update(aiProviders).set({ isDefault: true }).where(eq(aiProviders.id, next.id));
}

/** The provider that answers on a channel: its own choice, else the org default; 400 when there is none. */
export async function providerForChannel(
  db: Db,
  organizationId: string,
  channel: Pick<Channel, 'aiProviderId'> | null,
): Promise<AiProvider> {
  const rows = await db.select().from(aiProviders).where(eq(aiProviders.organizationId, organizationId));
  const chosen =
    rows.find((row) => channel?.aiProviderId && row.id === channel.aiProviderId) ?? rows.find((row) => row.isDefault);
  if (!chosen) throw new ValidationError(NO_PROVIDER_MESSAGE);
  return chosen;
}
