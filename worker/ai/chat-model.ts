// The chat-model port: one provider-neutral request/response shape that every adapter
// (OpenAI, Anthropic, Azure OpenAI, Ollama, the built-in offline provider) implements.
import { UpstreamError } from '../lib/errors';

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

/** Rough token count for providers that do not report usage: about four characters per token. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** A provider's failure as the 502 the user sees: names the provider, never leaks its key. */
export function upstreamFailure(providerName: string, error: unknown): UpstreamError {
  const status = (error as { status?: number }).status;
  const description = `${(error as Error).constructor?.name} ${(error as Error).message}`;
  const detail = /timeout|timed out/i.test(description)
    ? 'timed out'
    : status
      ? `answered ${status}`
      : `could not be reached (${(error as Error).message ?? 'network error'})`;
  return new UpstreamError(`The AI provider ${providerName} ${detail}; try again or check the provider settings`);
}
