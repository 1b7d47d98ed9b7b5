// CLIENT_SIDE agent tools run in the visitor's page: the conversation actor sends the widget a
// `tool_call` frame and waits (5 s) for its `tool_result`.
import { conversationActor } from '../conversations/refs';
import type { AppBindings } from '../env';

export interface ClientToolCall {
  callId: string;
  name: string;
  arguments: unknown;
}

export type ClientToolOutcome = { result?: unknown; error?: string };

export type ClientToolRunner = (call: ClientToolCall) => Promise<ClientToolOutcome>;

export function clientToolRunner(env: AppBindings, organizationId: string, conversationId: string): ClientToolRunner {
  return async (call) => {
    // RPC typing cannot express `unknown` results; the actor returns a plain ClientToolOutcome.
    const stub = conversationActor(env, conversationId);
    return (await stub.callClientTool({ id: conversationId, organizationId }, call)) as ClientToolOutcome;
  };
}
