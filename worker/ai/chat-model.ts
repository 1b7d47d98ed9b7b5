// The chat-model port: one provider-neutral request/response shape that every adapter
// (OpenAI, Anthropic, Azure OpenAI, Ollama, the built-in offline provider) implements.
import type { AiProvider } from '../db/schema';
import type { AppBindings } from '../env';
import { decryptSecret } from '../lib/secrets';
import { anthropicChatModel } from './providers/anthropic';
import { builtinChatModel } from './providers/builtin';
import { openAiCompatibleChatModel } from './providers/openai';

export interface ToolCall {
  id: string;
  name: string;
  /** Parsed JSON arguments, or the raw string when the model sent something that is not JSON. */
  arguments: unknown;
}

export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** A knowledge-base passage handed to the model (the shape KNOWLEDGE's searchKnowledge returns). */
export interface GroundingPassage {
  articleId: string;
  title: string;
  text: string;
  score: number;
  url?: string | null;
  heading?: string | null;
}

export interface ChatRequest {
  system: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** The retrieval the system prompt was built from; the built-in provider answers from it directly. */
  grounding?: { question: string; passages: GroundingPassage[] };
}

export interface ChatCitation {
  articleId: string;
  title: string;
  url?: string | null;
}

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  usage: { inputTokens: number; outputTokens: number };
  /** Set by providers that know exactly which passages they used (the built-in one). */
  citations?: ChatCitation[];
}

export interface ChatModel {
  complete(request: ChatRequest): Promise<ChatResult>;
}

export interface ChatModelOptions {
  /** Per-request timeout; production uses the default, tests shorten it. */
  timeoutMs?: number;
}

export const DEFAULT_MODEL_TIMEOUT_MS = 30_000;

/** The adapter for a configured provider row, with its key decrypted. */
export async function chatModelFor(
  env: AppBindings,
  provider: AiProvider,
  options: ChatModelOptions = {},
): Promise<ChatModel> {
  const apiKey = provider.apiKeyEncrypted ? await decryptSecret(env.ENCRYPTION_KEY, provider.apiKeyEncrypted) : '';
  const settings = {
    model: provider.model,
    temperature: provider.temperature,
    maxTokens: provider.maxTokens,
    timeoutMs: options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS,
  };
  switch (provider.type) {
    case 'OPENAI':
      return openAiCompatibleChatModel({ ...settings, flavour: 'OPENAI', apiKey, baseUrl: provider.baseUrl });
    case 'AZURE_OPENAI':
      return openAiCompatibleChatModel({
        ...settings,
        flavour: 'AZURE_OPENAI',
        apiKey,
        baseUrl: provider.baseUrl,
        apiVersion: provider.apiVersion,
        deployment: provider.deployment,
      });
    case 'OLLAMA':
      return openAiCompatibleChatModel({ ...settings, flavour: 'OLLAMA', apiKey, baseUrl: provider.baseUrl });
    case 'ANTHROPIC':
      return anthropicChatModel({ ...settings, apiKey, baseUrl: provider.baseUrl });
    case 'BUILTIN':
      return builtinChatModel();
  }
}

/** Rough token count for providers that do not report usage: about four characters per token. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
