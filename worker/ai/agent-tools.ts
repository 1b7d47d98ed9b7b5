// Agent tools an AI reply may call: org-level (every channel) or channel-scoped, with encrypted headers,
// a validated parameters schema, an SSRF-checked URL, and a call log.
import { and, count, desc, eq, isNull, ne, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type AgentTool, agentTools, channels, type TOOL_METHODS, type TOOL_TYPES, toolCallLogs } from '../db/schema';
import type { AppBindings } from '../env';
import { ConflictError, type FieldErrors, NotFoundError, ValidationError } from '../lib/errors';
import { decryptJson, encryptJson, maskSecret } from '../lib/secrets';
import { parametersSchemaProblems } from './tool-schema';
import { unsafeUrlReason } from './tool-url';

export interface ToolInput {
  name: string;
  description: string;
  type: (typeof TOOL_TYPES)[number];
  url?: string | null;
  method?: (typeof TOOL_METHODS)[number];
  headers?: Record<string, string>;
  parametersSchema: Record<string, unknown>;
  isActive?: boolean;
}

const MASK_PREFIX = '••••••••';

export async function toolHeaders(env: AppBindings, tool: AgentTool): Promise<Record<string, string>> {
  return tool.headersEncrypted ? decryptJson<Record<string, string>>(env.ENCRYPTION_KEY, tool.headersEncrypted) : {};
}

export async function publicTool(env: AppBindings, tool: AgentTool) {
  const { headersEncrypted: _h, organizationId: _o, ...rest } = tool;
  const headers = await toolHeaders(env, tool);
  return { ...rest, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, maskSecret(v)])) };
}

function checkTool(input: Pick<ToolInput, 'type' | 'url' | 'parametersSchema'>): void {
  const fields: FieldErrors = {};
  if (input.type === 'SERVER_SIDE') {
    const reason = input.url ? unsafeUrlReason(input.url) : 'URL is required for SERVER_SIDE tools';
    if (reason) fields.url = [reason];
  }
  const problems = parametersSchemaProblems(input.parametersSchema);
  if (problems.length) fields.parametersSchema = problems;
  if (Object.keys(fields).length) throw new ValidationError('Invalid agent tool', fields);
}

async function assertChannel(db: Db, organizationId: string, channelId: string): Promise<void> {
  const [row] = await db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.organizationId, organizationId), eq(channels.id, channelId)));
  if (!row) throw new NotFoundError('Channel');
}

async function assertNameFree(
  db: Db,
  organizationId: string,
  channelId: string | null,
  name: string,
  exceptId?: string,
) {
  const [clash] = await db
    .select({ id: agentTools.id })
    .from(agentTools)
    .where(
      and(
        eq(agentTools.organizationId, organizationId),
        channelId ? eq(agentTools.channelId, channelId) : isNull(agentTools.channelId),
        eq(agentTools.name, name),
        exceptId ? ne(agentTools.id, exceptId) : undefined,
      ),
    );
  if (clash) throw new ConflictError(`A tool named "${name}" already exists here`);
}

export async function loadTool(db: Db, organizationId: string, id: string): Promise<AgentTool> {
  const [row] = await db
    .select()
    .from(agentTools)
    .where(and(eq(agentTools.organizationId, organizationId), eq(agentTools.id, id)));
  if (!row) throw new NotFoundError('Agent tool');
  return row;
}

/** Org-level tools (channelId omitted) or the tools scoped to one channel. */
export async function listTools(env: AppBindings, db: Db, organizationId: string, channelId?: string) {
  if (channelId) await assertChannel(db, organizationId, channelId);
  const rows = await db
    .select()
    .from(agentTools)
    .where(
      and(
        eq(agentTools.organizationId, organizationId),
        channelId ? eq(agentTools.channelId, channelId) : isNull(agentTools.channelId),
      ),
    )
    .orderBy(agentTools.name);
  return Promise.all(rows.map((row) => publicTool(env, row)));
}

export async function createTool(
  env: AppBindings,
  db: Db,
  organizationId: string,
  input: ToolInput,
  channelId: string | null = null,
) {
  if (channelId) await assertChannel(db, organizationId, channelId);
  checkTool(input);
  await assertNameFree(db, organizationId, channelId, input.name);
  const [row] = await db
    .insert(agentTools)
    .values({
      organizationId,
      channelId,
      name: input.name,
      description: input.description,
      type: input.type,
      url: input.type === 'SERVER_SIDE' ? input.url : null,
      method: input.method ?? 'POST',
      headersEncrypted:
        input.headers && Object.keys(input.headers).length
          ? await encryptJson(env.ENCRYPTION_KEY, input.headers)
          : null,
      parametersSchema: input.parametersSchema as AgentTool['parametersSchema'],
      isActive: input.isActive ?? true,
    })
    .returning();
  return publicTool(env, row!);
}

export async function updateTool(
  env: AppBindings,
  db: Db,
  organizationId: string,
  id: string,
  patch: Partial<ToolInput>,
) {
  const current = await loadTool(db, organizationId, id);
  const merged = {
    type: patch.type ?? current.type,
    url: patch.url === undefined ? current.url : patch.url,
    parametersSchema: patch.parametersSchema ?? current.parametersSchema,
  };
  checkTool(merged);
  if (patch.name && patch.name !== current.name) {
    await assertNameFree(db, organizationId, current.channelId, patch.name, id);
  }
  let headersEncrypted = current.headersEncrypted;
  if (patch.headers) {
    // The dashboard sends back masked values for headers it did not change: keep those as stored.
    const stored = await toolHeaders(env, current);
    const next = Object.fromEntries(
      Object.entries(patch.headers).map(([k, v]) => [k, v.startsWith(MASK_PREFIX) && k in stored ? stored[k]! : v]),
    );
    headersEncrypted = Object.keys(next).length ? await encryptJson(env.ENCRYPTION_KEY, next) : null;
  }
  const [row] = await db
    .update(agentTools)
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.method !== undefined ? { method: patch.method } : {}),
      ...(patch.isActive !== undefined ? { isActive: patch.isActive } : {}),
      type: merged.type,
      url: merged.type === 'SERVER_SIDE' ? merged.url : null,
      parametersSchema: merged.parametersSchema as AgentTool['parametersSchema'],
      headersEncrypted,
    })
    .where(and(eq(agentTools.organizationId, organizationId), eq(agentTools.id, id)))
    .returning();
  return publicTool(env, row!);
}

export async function deleteTool(db: Db, organizationId: string, id: string): Promise<void> {
  await loadTool(db, organizationId, id);
  await db.delete(agentTools).where(and(eq(agentTools.organizationId, organizationId), eq(agentTools.id, id)));
}

export async function listToolLogs(
  db: Db,
  organizationId: string,
  toolId: string,
  { page, pageSize }: { page: number; pageSize: number },
) {
  await loadTool(db, organizationId, toolId);
  const where = and(eq(toolCallLogs.organizationId, organizationId), eq(toolCallLogs.toolId, toolId));
  const [items, [total]] = await Promise.all([
    db
      .select()
      .from(toolCallLogs)
      .where(where)
      .orderBy(desc(toolCallLogs.createdAt), desc(toolCallLogs.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    db.select({ value: count() }).from(toolCallLogs).where(where),
  ]);
  return { items, page, pageSize, total: total?.value ?? 0 };
}

/** The tools offered on a channel: active org-level ones plus the channel's own (which win on a name clash). */
export async function activeToolsFor(db: Db, organizationId: string, channelId: string): Promise<AgentTool[]> {
  const rows = await db
    .select()
    .from(agentTools)
    .where(
      and(
        eq(agentTools.organizationId, organizationId),
        eq(agentTools.isActive, true),
        or(isNull(agentTools.channelId), eq(agentTools.channelId, channelId)),
      ),
    );
  const byName = new Map<string, AgentTool>();
  for (const row of rows) {
    if (!byName.has(row.name) || row.channelId) byName.set(row.name, row);
  }
  return [...byName.values()];
}
