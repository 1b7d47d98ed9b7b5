// Chat-model adapter for the OpenAI chat-completions wire format, through the official SDK:
// hosted OpenAI, Azure OpenAI (deployment URL + api-version) and Ollama (its /v1 compatibility API).
import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { UpstreamError } from '../../lib/errors';
import type { PrivateHostAllowance } from '../../lib/public-host';
import {
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type ToolCall,
  upstreamFailure,
} from '../chat-model';
import { baseUrlProblem, NO_REDIRECTS } from './base-url';

const PROVIDER_NAMES = { OPENAI: 'OpenAI', AZURE_OPENAI: 'Azure OpenAI', OLLAMA: 'Ollama' } as const;

export interface OpenAiCompatibleConfig {
  flavour: keyof typeof PROVIDER_NAMES;
  apiKey: string;
  model: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  baseUrl?: string | null;
  apiVersion?: string | null;
  deployment?: string | null;
  /** Private Ollama hosts that may be used; by default the installation's ALLOW_PRIVATE_OLLAMA_HOSTS. */
  privateOllamaHosts?: PrivateHostAllowance;
}

function client(config: OpenAiCompatibleConfig): OpenAI {
  const common = { timeout: config.timeoutMs, maxRetries: 1, ...NO_REDIRECTS };
  if (config.flavour === 'AZURE_OPENAI') {
    return new AzureOpenAI({
      ...common,
      apiKey: config.apiKey,
      endpoint: config.baseUrl ?? undefined,
      apiVersion: config.apiVersion ?? undefined,
      deployment: config.deployment ?? undefined,
    });
  }
  if (config.flavour === 'OLLAMA') {
    // Ollama ignores the key, but the SDK refuses to start without one.
    const host = (config.baseUrl ?? '').replace(/\/+$/, '').replace(/\/v1$/, '');
    return new OpenAI({ ...common, apiKey: config.apiKey || 'ollama', baseURL: `${host}/v1` });
  }
  return new OpenAI({ ...common, apiKey: config.apiKey, baseURL: config.baseUrl || undefined });
}

function toWire(system: string, messages: ChatMessage[]): ChatCompletionMessageParam[] {
  const wire: ChatCompletionMessageParam[] = [{ role: 'system', content: system }];
  for (const message of messages) {
    if (message.role === 'tool') {
      wire.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
    } else if (message.role === 'assistant' && message.toolCalls?.length) {
      wire.push({
        role: 'assistant',
        content: message.content || null,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: {
            name: call.name,
            arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
          },
        })),
      });
    } else {
      wire.push({ role: message.role, content: message.content });
    }
  }
  return wire;
}

function parseArguments(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? {};
  try {
    return raw.trim() ? JSON.parse(raw) : {};
  } catch {
    return raw;
  }
}

/** The assistant message of a chat completion, or null when the body is something else (HTML, another API). */
function assistantMessage(body: unknown): OpenAI.Chat.Completions.ChatCompletionMessage | null {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || !choices.length) return null;
  const message = (choices[0] as { message?: unknown } | null)?.message;
  if (!message || typeof message !== 'object') return null;
  const { content, tool_calls } = message as { content?: unknown; tool_calls?: unknown };
  if (content != null && typeof content !== 'string') return null;
  if (tool_calls != null && !Array.isArray(tool_calls)) return null;
  return message as OpenAI.Chat.Completions.ChatCompletionMessage;
}

export function openAiCompatibleChatModel(config: OpenAiCompatibleConfig): ChatModel {
  const providerName = PROVIDER_NAMES[config.flavour];
  return {
    async complete(request: ChatRequest): Promise<ChatResult> {
      // Checked on every use: the stored URL may predate the public-host rule.
      const problem = config.baseUrl ? baseUrlProblem(config.flavour, config.baseUrl, config.privateOllamaHosts) : null;
      if (problem) {
        throw new UpstreamError(
          `The AI provider ${providerName} was not called: ${problem}; check the provider settings`,
        );
      }
      const tools: ChatCompletionTool[] | undefined = request.tools?.length
        ? request.tools.map((tool) => ({
            type: 'function',
            function: { name: tool.name, description: tool.description, parameters: tool.parameters },
          }))
        : undefined;
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client(config).chat.completions.create({
          model: config.model,
          messages: toWire(request.system, request.messages),
          temperature: config.temperature,
          max_tokens: config.maxTokens,
          ...(tools ? { tools } : {}),
        });
      } catch (error) {
        throw upstreamFailure(providerName, error);
      }
      const message = assistantMessage(completion);
      if (!message) {
        throw new UpstreamError(
          `The AI provider ${providerName} answered with something that is not a chat completion; check the provider's base URL`,
        );
      }
      const toolCalls: ToolCall[] = [];
      for (const call of message.tool_calls ?? []) {
        if (call?.type !== 'function' || typeof call.function?.name !== 'string') continue;
        toolCalls.push({ id: call.id, name: call.function.name, arguments: parseArguments(call.function.arguments) });
      }
      return {
        text: message.content ?? '',
        toolCalls,
        usage: {
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
        },
      };
    },
  };
}
