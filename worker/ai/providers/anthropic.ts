// Chat-model adapter for Anthropic's Messages API through the official SDK (tool_use / tool_result blocks).
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { UpstreamError } from '../../lib/errors';
import {
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type ToolCall,
  upstreamFailure,
} from '../chat-model';
import { baseUrlProblem, NO_REDIRECTS } from './base-url';

export interface AnthropicConfig {
  apiKey: string;
  model: string;
  maxTokens: number;
  timeoutMs: number;
  baseUrl?: string | null;
}

function blocksOf(message: ChatMessage): ContentBlockParam[] {
  if (message.role === 'tool') {
    return [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }];
  }
  const blocks: ContentBlockParam[] = message.content ? [{ type: 'text', text: message.content }] : [];
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? []) {
      const input = call.arguments && typeof call.arguments === 'object' ? call.arguments : {};
      blocks.push({ type: 'tool_use', id: call.id, name: call.name, input });
    }
  }
  return blocks;
}

// Anthropic wants strictly alternating user/assistant turns starting with the user, and tool results
// inside a user turn: consecutive messages of one side are merged.
function toWire(messages: ChatMessage[]): MessageParam[] {
  const wire: MessageParam[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(message);
    if (!blocks.length) continue;
    const last = wire.at(-1);
    if (last && last.role === role) (last.content as ContentBlockParam[]).push(...blocks);
    else wire.push({ role, content: blocks });
  }
  if (wire[0]?.role !== 'user')
    wire.unshift({ role: 'user', content: [{ type: 'text', text: '(conversation start)' }] });
  return wire;
}

/** The content blocks of a Messages API answer, or null when the body is something else (HTML, another API). */
function contentBlocks(body: unknown): Anthropic.ContentBlock[] | null {
  const content = (body as { content?: unknown } | null)?.content;
  if (!Array.isArray(content) || content.some((block) => !block || typeof block !== 'object')) return null;
  return content as Anthropic.ContentBlock[];
}

export function anthropicChatModel(config: AnthropicConfig): ChatModel {
  return {
    async complete(request: ChatRequest): Promise<ChatResult> {
      // Checked on every use: the stored URL may predate the public-host rule.
      const problem = config.baseUrl ? baseUrlProblem('ANTHROPIC', config.baseUrl) : null;
      if (problem)
        throw new UpstreamError(`The AI provider Anthropic was not called: ${problem}; check the provider settings`);
      const tools: Tool[] | undefined = request.tools?.length
        ? request.tools.map((tool) => ({
            name: tool.name,
            description: tool.description,
            input_schema: tool.parameters as Tool['input_schema'],
          }))
        : undefined;
      // This SDK's Messages API no longer takes a temperature: the provider's setting applies to OpenAI-style models.
      const client = new Anthropic({
        apiKey: config.apiKey,
        baseURL: config.baseUrl || undefined,
        timeout: config.timeoutMs,
        maxRetries: 1,
        ...NO_REDIRECTS,
      });
      let response: Anthropic.Message;
      try {
        response = await client.messages.create({
          model: config.model,
          system: request.system,
          messages: toWire(request.messages),
          max_tokens: config.maxTokens,
          ...(tools ? { tools } : {}),
        });
      } catch (error) {
        throw upstreamFailure('Anthropic', error);
      }
      const blocks = contentBlocks(response);
      if (!blocks) {
        throw new UpstreamError(
          "The AI provider Anthropic answered with something that is not a message; check the provider's base URL",
        );
      }
      const text: string[] = [];
      const toolCalls: ToolCall[] = [];
      for (const block of blocks) {
        if (block.type === 'text' && typeof block.text === 'string') text.push(block.text);
        else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: block.input });
      }
      return {
        text: text.join('\n').trim(),
        toolCalls,
        usage: { inputTokens: response.usage?.input_tokens ?? 0, outputTokens: response.usage?.output_tokens ?? 0 },
      };
    },
  };
}
