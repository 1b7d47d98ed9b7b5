// Agent tools an AI reply may call: org-level or channel-scoped, with encrypted headers, a validated
// parameters schema, an SSRF-checked URL, and a call log. An organisation tool attached to no channel is
// offered on every channel; once attached to some channels, only on those.
import { and, count, desc, eq, exists, inArray, isNull, ne, notExists, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  type AgentTool,
  agentTools,
  channelAgentTools,
  channels,
  type TOOL_METHODS,
  type TOOL_TYPES,
  toolCallLogs,
} from '../db/schema';
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

export const HEADERS_REENTRY_MESSAGE =
  'The URL or method changed: enter the header values again (a stored value is only sent where it was first meant to go)';

export async function toolHeaders(env: AppBindings, tool: AgentTool): Promise<Record<string, string>> {
  return tool.headersEncrypted ? decryptJson<Record<string, string>>(env.ENCRYPTION_KEY, tool.headersEncrypted) : {};
}

/** The tool as the API shows it: headers masked, and for an organisation tool the channels it is attached to. */
export async function publicTool(env: AppBindings, tool: AgentTool, attachedChannelIds: string[] = []) {
  const { headersEncrypted: _h, organizationId: _o, ...rest } = tool;
  const headers = await toolHeaders(env, tool);
  return {
    ...rest,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, maskSecret(v)])),
    attachedChannelIds,
  };
}

function toolProblems(input: Pick<ToolInput, 'type' | 'url' | 'parametersSchema'>): FieldErrors {
  const fields: FieldErrors = {};
  if (input.type === 'SERVER_SIDE') {
    const reason = input.url ? unsafeUrlReason(input.url) : 'URL is required for SERVER_SIDE tools';
    if (reason) fields.url = [reason];
  }
  const problems = parametersSchemaProblems(input.parametersSchema);
  if (problems.length) fields.parametersSchema = problems;
  return fields;
}

function throwIfAny(fields: FieldErrors): void {
  if (Object.keys(fields).length) throw new ValidationError('Invalid agent tool', fields);
}

async function assertChannel(db: Db, organizationId: string, channelId: string): Promise<void> {
  const [row] = await db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.organizationId, organizationId), eq(channels.id, channelId)));
  if (!row) throw new NotFoundError('Channel');
}

/** A name is unique among the tools one scope offers: the org's own, or a channel's own plus those attached to it. */
async function assertNameFree(
  db: Db,
  organizationId: string,
  channelId: string | null,
  name: string,
  exceptId?: string,
) {
  const sameName = and(
    eq(agentTools.organizationId, organizationId),
    eq(agentTools.name, name),
    exceptId ? ne(agentTools.id, exceptId) : undefined,
  );
  const [clash] = await db
    .select({ id: agentTools.id })
    .from(agentTools)
    .where(
      and(
        sameName,
        channelId
          ? or(
              eq(agentTools.channelId, channelId),
              exists(
                db
                  .select({ one: channelAgentTools.toolId })
                  .from(channelAgentTools)
                  .where(and(eq(channelAgentTools.toolId, agentTools.id), eq(channelAgentTools.channelId, channelId))),
              ),
            )
          : isNull(agentTools.channelId),
      ),
    )
    .limit(1);
  if (clash) throw new ConflictError(`A tool named "${name}" already exists here`);
}

/** Renaming an organisation tool must not clash with a channel's own tool where it is attached. */
async function assertNameFreeOnAttachedChannels(db: Db, organizationId: string, toolId: string, name: string) {
  const [clash] = await db
    .select({ id: agentTools.id })
    .from(agentTools)
    .innerJoin(channelAgentTools, eq(channelAgentTools.channelId, agentTools.channelId))
    .where(
      and(
        eq(agentTools.organizationId, organizationId),
        eq(agentTools.name, name),
        eq(channelAgentTools.toolId, toolId),
      ),
    )
    .limit(1);
  if (clash) throw new ConflictError(`A channel this tool is attached to already has a tool named "${name}"`);
}

export async function loadTool(db: Db, organizationId: string, id: string): Promise<AgentTool> {
  const [row] = await db
    .select()
    .from(agentTools)
    .where(and(eq(agentTools.organizationId, organizationId), eq(agentTools.id, id)));
  if (!row) throw new NotFoundError('Agent tool');
  return row;
}

/** Channel ids each of these organisation tools is attached to. */
async function attachments(db: Db, organizationId: string, toolIds: string[]): Promise<Map<string, string[]>> {
  const byTool = new Map<string, string[]>();
  if (!toolIds.length) return byTool;
  const rows = await db
    .select({ toolId: channelAgentTools.toolId, channelId: channelAgentTools.channelId })
    .from(channelAgentTools)
    .where(and(eq(channelAgentTools.organizationId, organizationId), inArray(channelAgentTools.toolId, toolIds)))
    .orderBy(channelAgentTools.createdAt);
  for (const row of rows) byTool.set(row.toolId, [...(byTool.get(row.toolId) ?? []), row.channelId]);
  return byTool;
}

async function present(env: AppBindings, db: Db, organizationId: string, rows: AgentTool[]) {
  const orgToolIds = rows.filter((row) => row.channelId === null).map((row) => row.id);
  // D1 allows 100 bound parameters per statement: look attachments up in chunks.
  const linked = new Map<string, string[]>();
  for (let i = 0; i < orgToolIds.length; i += 90) {
    for (const [k, v] of await attachments(db, organizationId, orgToolIds.slice(i, i + 90))) linked.set(k, v);
  }
  return Promise.all(rows.map((row) => publicTool(env, row, linked.get(row.id) ?? [])));
}

/** One tool as the API shows it. */
export async function getTool(env: AppBindings, db: Db, organizationId: string, id: string) {
  const [tool] = await present(env, db, organizationId, [await loadTool(db, organizationId, id)]);
  return tool!;
}

/**
 * Org-level tools (channelId omitted), or a channel's tools: its own plus the organisation tools attached to it.
 */
export async function listTools(env: AppBindings, db: Db, organizationId: string, channelId?: string) {
  if (channelId) await assertChannel(db, organizationId, channelId);
  const rows = await db
    .select()
    .from(agentTools)
    .where(
      and(
        eq(agentTools.organizationId, organizationId),
        channelId
          ? or(
              eq(agentTools.channelId, channelId),
              inArray(
                agentTools.id,
                db
                  .select({ id: channelAgentTools.toolId })
                  .from(channelAgentTools)
                  .where(
                    and(
                      eq(channelAgentTools.organizationId, organizationId),
                      eq(channelAgentTools.channelId, channelId),
                    ),
                  ),
              ),
            )
          : isNull(agentTools.channelId),
      ),
    )
    .orderBy(agentTools.name);
  return present(env, db, organizationId, rows);
}

export async function createTool(
  env: AppBindings,
  db: Db,
  organizationId: string,
  input: ToolInput,
  channelId: string | null = null,
) {
  if (channelId) await assertChannel(db, organizationId, channelId);
  throwIfAny(toolProblems(input));
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

/**
 * Attach an organisation tool to a channel. Attaching it again changes nothing (`attached: false`).
 * A channel-scoped tool cannot be attached elsewhere, and a channel offers one tool per name.
 */
export async function attachTool(env: AppBindings, db: Db, organizationId: string, channelId: string, toolId: string) {
  await assertChannel(db, organizationId, channelId);
  const tool = await loadTool(db, organizationId, toolId);
  if (tool.channelId !== null) {
    throw ValidationError.field('toolId', 'Only organisation tools can be attached; this one belongs to a channel');
  }
  const [already] = await db
    .select({ toolId: channelAgentTools.toolId })
    .from(channelAgentTools)
    .where(and(eq(channelAgentTools.channelId, channelId), eq(channelAgentTools.toolId, toolId)));
  if (!already) {
    await assertNameFree(db, organizationId, channelId, tool.name, tool.id);
    await db.insert(channelAgentTools).values({ organizationId, channelId, toolId }).onConflictDoNothing();
  }
  return { tool: await getTool(env, db, organizationId, toolId), attached: !already };
}

/**
 * Take a tool off a channel: an attached organisation tool is detached (the tool stays); the channel's own tool,
 * which exists only there, is deleted.
 */
export async function removeChannelTool(db: Db, organizationId: string, channelId: string, toolId: string) {
  await assertChannel(db, organizationId, channelId);
  const tool = await loadTool(db, organizationId, toolId);
  if (tool.channelId === channelId) {
    await deleteTool(db, organizationId, toolId);
    return { id: toolId, deleted: true, detached: false };
  }
  const [link] = await db
    .delete(channelAgentTools)
    .where(
      and(
        eq(channelAgentTools.organizationId, organizationId),
        eq(channelAgentTools.channelId, channelId),
        eq(channelAgentTools.toolId, toolId),
      ),
    )
    .returning();
  if (!link) throw new NotFoundError('Agent tool on this channel');
  return { id: toolId, deleted: false, detached: true };
}

/**
 * Stored header values to keep, or field errors. The dashboard sends back masked values for headers it did not
 * change; when the URL or method changes, stored values must be entered again, so a secret never follows a
 * tool to a destination chosen after it was stored.
 */
function keptHeaders(
  stored: Record<string, string>,
  patch: Record<string, string> | undefined,
  destinationChanged: boolean,
): { next?: Record<string, string>; problem?: string } {
  const isKept = (key: string, value: string) => value.startsWith(MASK_PREFIX) && key in stored;
  if (destinationChanged && Object.keys(stored).length) {
    const kept = patch ? Object.entries(patch).filter(([k, v]) => isKept(k, v)) : Object.entries(stored);
    if (kept.length) return { problem: `${HEADERS_REENTRY_MESSAGE}: ${kept.map(([k]) => k).join(', ')}` };
  }
  if (!patch) return {};
  return { next: Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, isKept(k, v) ? stored[k]! : v])) };
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
    method: patch.method ?? current.method,
    parametersSchema: patch.parametersSchema ?? current.parametersSchema,
  };
  const fields = toolProblems(merged);
  const destinationChanged =
    merged.type === 'SERVER_SIDE' && (merged.url !== current.url || merged.method !== current.method);
  const headers = keptHeaders(await toolHeaders(env, current), patch.headers, destinationChanged);
  if (headers.problem) fields.headers = [headers.problem];
  throwIfAny(fields);
  if (patch.name && patch.name !== current.name) {
    await assertNameFree(db, organizationId, current.channelId, patch.name, id);
    if (current.channelId === null) await assertNameFreeOnAttachedChannels(db, organizationId, id, patch.name);
  }
  let headersEncrypted = current.headersEncrypted;
  if (headers.next) {
    headersEncrypted = Object.keys(headers.next).length ? await encryptJson(env.ENCRYPTION_KEY, headers.next) : null;
  }
  const [row] = await db
    .update(agentTools)
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.isActive !== undefined ? { isActive: patch.isActive } : {}),
      type: merged.type,
      method: merged.method,
      url: merged.type === 'SERVER_SIDE' ? merged.url : null,
      parametersSchema: merged.parametersSchema as AgentTool['parametersSchema'],
      headersEncrypted,
    })
    .where(and(eq(agentTools.organizationId, organizationId), eq(agentTools.id, id)))
    .returning();
  return getTool(env, db, organizationId, row!.id);
}

export async function deleteTool(db: Db, organizationId: string, id: string): Promise<void> {
  await loadTool(db, organizationId, id);
  await db.delete(agentTools).where(and(eq(agentTools.organizationId, organizationId), eq(agentTools.id, id)));
}

/** One page of a tool's call log, newest first, and how many calls it holds. */
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
  return { items, total: total?.value ?? 0 };
}

/**
 * The tools offered on a channel: its own, plus the active organisation tools attached to it or attached to no
 * channel at all. The channel's own tool wins a name clash.
 */
export async function activeToolsFor(db: Db, organizationId: string, channelId: string): Promise<AgentTool[]> {
  const linkOf = (channel?: string) =>
    db
      .select({ one: channelAgentTools.toolId })
      .from(channelAgentTools)
      .where(
        and(
          eq(channelAgentTools.toolId, agentTools.id),
          channel ? eq(channelAgentTools.channelId, channel) : undefined,
        ),
      );
  const rows = await db
    .select()
    .from(agentTools)
    .where(
      and(
        eq(agentTools.organizationId, organizationId),
        eq(agentTools.isActive, true),
        or(
          eq(agentTools.channelId, channelId),
          and(isNull(agentTools.channelId), or(exists(linkOf(channelId)), notExists(linkOf()))),
        ),
      ),
    );
  const byName = new Map<string, AgentTool>();
  for (const row of rows) {
    if (!byName.has(row.name) || row.channelId) byName.set(row.name, row);
  }
  return [...byName.values()];
}
