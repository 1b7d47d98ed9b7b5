// Chat-model adapter for the OpenAI chat-completions wire format, through the official SDK:
// hosted OpenAI, Azure OpenAI (deployment URL + api-version) and Ollama (its /v1 compatibility API).
import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import {
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type ToolCall,
  upstreamFailure,
} from '../chat-model';

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
}

function client(config: OpenAiCompatibleConfig): OpenAI {
  const common = { timeout: config.timeoutMs, maxRetries: 1 };
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

function parseArguments(raw: string): unknown {
  try {
    return raw.trim() ? JSON.parse(raw) : {};
  } catch {
    return raw;
  }
}

export function openAiCompatibleChatModel(config: OpenAiCompatibleConfig): ChatModel {
  const providerName = PROVIDER_NAMES[config.flavour];
  return {
    async complete(request: ChatRequest): Promise<ChatResult> {
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
      const message = completion.choices[0]?.message;
      const toolCalls: ToolCall[] = [];
      for (const call of message?.tool_calls ?? []) {
        if (call.type !== 'function') continue;
        toolCalls.push({ id: call.id, name: call.function.name, arguments: parseArguments(call.function.arguments) });
      }
      return {
        text: message?.content ?? '',
        toolCalls,
        usage: {
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
        },
      };
    },
  };
}
