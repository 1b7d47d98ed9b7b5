// The provider registry: the chat-model adapter for a configured provider row.
import type { AiProvider } from '../../db/schema';
import type { AppBindings } from '../../env';
import { decryptSecret } from '../../lib/secrets';
import { type ChatModel, type ChatModelOptions, DEFAULT_MODEL_TIMEOUT_MS } from '../chat-model';
import { anthropicChatModel } from './anthropic';
import { builtinChatModel } from './builtin';
import { openAiCompatibleChatModel } from './openai';

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
