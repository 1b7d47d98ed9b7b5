// The OpenAI chat-completions wire format, for msw fakes that the real openai SDK talks to in tests.
export const OPENAI_COMPLETIONS = 'https://api.openai.com/v1/chat/completions';

/** A chat.completion body whose assistant message is `message` (text content, tool_calls, or both). */
export function chatCompletion(
  message: Record<string, unknown>,
  usage = { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 },
) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [
      { index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: 'stop', logprobs: null },
    ],
    usage,
  };
}
