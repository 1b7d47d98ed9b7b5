// Chat-model adapter for Anthropic's Messages API through the official SDK (tool_use / tool_result blocks).
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import {
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type ToolCall,
  upstreamFailure,
} from '../chat-model';

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

export function anthropicChatModel(config: AnthropicConfig): ChatModel {
  return {
    async complete(request: ChatRequest): Promise<ChatResult> {
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
      const text: string[] = [];
      const toolCalls: ToolCall[] = [];
      for (const block of response.content) {
        if (block.type === 'text') text.push(block.text);
        else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: block.input });
      }
      return {
        text: text.join('\n').trim(),
        toolCalls,
        usage: { inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens },
      };
    },
  };
}
