// The tool loop: offers the channel's agent tools to the model, validates the arguments it sends,
// runs SERVER_SIDE tools over HTTPS and CLIENT_SIDE tools in the visitor's page, feeds the results
// back, and logs every call — at most MAX_TOOL_ROUNDS rounds, then the model must answer.
import type { Db } from '../db/client';
import { type AgentTool, type TOOL_CALL_STATUSES, toolCallLogs } from '../db/schema';
import type { AppBindings } from '../env';
import { toolHeaders } from './agent-tools';
import type { ChatMessage, ChatModel, ChatRequest, ChatResult, ToolCall, ToolSpec } from './chat-model';
import type { ClientToolRunner } from './client-tools';
import { argumentProblems } from './tool-schema';
import { unsafeUrlReason } from './tool-url';

export const MAX_TOOL_ROUNDS = 4;
export const SERVER_TOOL_TIMEOUT_MS = 10_000;
export const CLIENT_TOOL_TIMEOUT_MS = 5_000;
export const MAX_TOOL_RESPONSE_BYTES = 10 * 1024;
const MAX_REDIRECTS = 3;
export const TRUNCATION_MARKER = '…[truncated: the response exceeded 10 KB]';

type CallStatus = (typeof TOOL_CALL_STATUSES)[number];

interface CallOutcome {
  status: CallStatus;
  /** What the model is told. */
  content: string;
  response: string | null;
  error: string | null;
}

export interface ToolLoopOptions {
  serverTimeoutMs?: number;
  clientTimeoutMs?: number;
  maxResponseBytes?: number;
  runClientTool?: ClientToolRunner;
}

export interface ToolLoopInput {
  organizationId: string;
  conversationId: string | null;
  model: ChatModel;
  request: ChatRequest;
  tools: AgentTool[];
}

export interface ToolLoopResult extends ChatResult {
  /** Summed over every model call of the loop. */
  usage: { inputTokens: number; outputTokens: number };
  rounds: number;
}

export function toolSpecs(tools: AgentTool[]): ToolSpec[] {
  return tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parametersSchema }));
}

async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > maxBytes) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.byteLength;
    if (at >= bytes.length) break;
  }
  // A cut through a multi-byte character decodes to U+FFFD, which is harmless here.
  return { text: new TextDecoder().decode(bytes), truncated };
}

/** Path placeholders ("/orders/{id}") are filled from the arguments, which then leave the query/body. */
function buildRequest(tool: AgentTool, args: Record<string, unknown>) {
  const rest = { ...args };
  const path = tool.url!.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    return encodeURIComponent(value === undefined ? '' : String(value));
  });
  const url = new URL(path);
  const init: RequestInit = { method: tool.method, headers: { accept: 'application/json' } };
  if (tool.method === 'GET') {
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined && value !== null) {
        url.searchParams.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
      }
    }
  } else {
    init.headers = { 'content-type': 'application/json', ...init.headers };
    init.body = JSON.stringify(rest);
  }
  return { url: url.toString(), init };
}

async function callServerTool(
  env: AppBindings,
  tool: AgentTool,
  args: Record<string, unknown>,
  timeoutMs: number,
  maxBytes: number,
): Promise<CallOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    let { url, init } = buildRequest(tool, args);
    // The tool's configured headers (API keys) go only to the tool's own origin: a redirect elsewhere is followed
    // without them, and they are not sent again even if a later hop comes back.
    const origin = new URL(url).origin;
    let configured: Record<string, string> | null = await toolHeaders(env, tool);
    for (let hop = 0; ; hop++) {
      const refused = unsafeUrlReason(url);
      if (refused) return failure('ERROR', `Refused to call ${url}: ${refused}`);
      if (new URL(url).origin !== origin) configured = null;
      const headers = { ...(init.headers as Record<string, string>), ...configured };
      const response = await fetch(url, { ...init, headers, redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        if (hop === MAX_REDIRECTS) return failure('ERROR', 'Too many redirects');
        await response.body?.cancel();
        url = new URL(location, url).toString();
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && init.method !== 'GET')
        ) {
          const { 'content-type': _ct, ...headers } = init.headers as Record<string, string>;
          init = { method: 'GET', headers };
        }
        continue;
      }
      const { text, truncated } = await readCapped(response, maxBytes);
      const body = truncated ? `${text}${TRUNCATION_MARKER}` : text;
      if (!response.ok) return { ...failure('ERROR', `The tool answered HTTP ${response.status}`), response: body };
      return { status: 'SUCCESS', content: body || '(empty response)', response: body, error: null };
    }
  } catch (error) {
    if (signal.aborted) return failure('TIMEOUT', `The tool did not answer within ${timeoutMs} ms`);
    return failure('ERROR', `The tool could not be reached: ${(error as Error).message}`);
  }
}

function failure(status: CallStatus, error: string): CallOutcome {
  return { status, content: JSON.stringify({ error }), response: null, error };
}

async function callClientTool(
  run: ClientToolRunner | undefined,
  call: ToolCall,
  args: unknown,
  timeoutMs: number,
): Promise<CallOutcome> {
  if (!run) return failure('ERROR', 'The visitor is not connected');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([run({ callId: call.id, name: call.name, arguments: args }), timeout]);
    if (outcome === 'timeout') return failure('TIMEOUT', `The visitor's page did not answer within ${timeoutMs} ms`);
    if (outcome.error) {
      const status = /did not answer/.test(outcome.error) ? 'TIMEOUT' : 'ERROR';
      return failure(status, outcome.error);
    }
    const body = JSON.stringify(outcome.result ?? null);
    return { status: 'SUCCESS', content: body, response: body, error: null };
  } catch (error) {
    return failure('ERROR', `The visitor's page failed: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

async function runCall(
  env: AppBindings,
  db: Db,
  input: ToolLoopInput,
  call: ToolCall,
  options: ToolLoopOptions,
): Promise<string> {
  const tool = input.tools.find((t) => t.name === call.name);
  if (!tool) return JSON.stringify({ error: `There is no tool named "${call.name}"` });
  const started = Date.now();
  const problems = argumentProblems(tool.parametersSchema, call.arguments);
  let outcome: CallOutcome;
  if (problems) outcome = failure('INVALID_ARGUMENTS', `Invalid arguments: ${problems}`);
  else if (tool.type === 'SERVER_SIDE') {
    outcome = await callServerTool(
      env,
      tool,
      call.arguments as Record<string, unknown>,
      options.serverTimeoutMs ?? SERVER_TOOL_TIMEOUT_MS,
      options.maxResponseBytes ?? MAX_TOOL_RESPONSE_BYTES,
    );
  } else {
    outcome = await callClientTool(
      options.runClientTool,
      call,
      call.arguments,
      options.clientTimeoutMs ?? CLIENT_TOOL_TIMEOUT_MS,
    );
  }
  await db.insert(toolCallLogs).values({
    organizationId: input.organizationId,
    toolId: tool.id,
    conversationId: input.conversationId,
    arguments: call.arguments,
    status: outcome.status,
    durationMs: Date.now() - started,
    response: outcome.response,
    error: outcome.error,
  });
  return outcome.content;
}

export async function runToolLoop(
  env: AppBindings,
  db: Db,
  input: ToolLoopInput,
  options: ToolLoopOptions = {},
): Promise<ToolLoopResult> {
  const messages: ChatMessage[] = [...input.request.messages];
  const specs = toolSpecs(input.tools);
  const usage = { inputTokens: 0, outputTokens: 0 };
  for (let round = 1; ; round++) {
    // The last round offers no tools, so the model has to answer with what it has.
    const offerTools = specs.length > 0 && round <= MAX_TOOL_ROUNDS;
    const result = await input.model.complete({ ...input.request, messages, tools: offerTools ? specs : undefined });
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;
    if (!offerTools || !result.toolCalls.length) return { ...result, usage, rounds: round };
    messages.push({ role: 'assistant', content: result.text, toolCalls: result.toolCalls });
    for (const call of result.toolCalls) {
      const content = await runCall(env, db, input, call, options);
      messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content });
    }
  }
}
