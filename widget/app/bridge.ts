// The iframe's half of the postMessage link with the loader in the host page. Messages go only to the origin
// the loader declared (parentOrigin) and are accepted only from the parent window at that origin.

export interface BridgeHandlers {
  onVisibility(open: boolean): void;
  onToolResult(callId: string, outcome: { result: unknown } | { error: string }): void;
}

export function createBridge(win: Window, parentOrigin: string | null, handlers: BridgeHandlers) {
  const embedded = win.parent !== win && !!parentOrigin && /^https?:\/\/[^/]+$/.test(parentOrigin);
  const post = (message: unknown) => {
    if (embedded && parentOrigin) win.parent.postMessage(message, parentOrigin);
  };
  const onMessage = (event: MessageEvent) => {
    if (!embedded || event.source !== win.parent || event.origin !== parentOrigin) return;
    const data = event.data as { type?: string; open?: boolean; callId?: string; result?: unknown; error?: unknown };
    if (data?.type === 'visibility') handlers.onVisibility(!!data.open);
    else if (data?.type === 'tool_result' && typeof data.callId === 'string') {
      handlers.onToolResult(
        data.callId,
        typeof data.error === 'string' ? { error: data.error } : { result: data.result ?? null },
      );
    }
  };
  win.addEventListener('message', onMessage);
  post({ type: 'ready' });
  return {
    embedded,
    close: () => post({ type: 'close' }),
    unread: (count: number) => post({ type: 'unread', count }),
    /** Runs a CLIENT_SIDE tool in the host page; outside a host page no tool can run. */
    toolCall(callId: string, name: string, args: unknown) {
      if (embedded) post({ type: 'tool_call', callId, name, arguments: args });
      else handlers.onToolResult(callId, { error: 'tool not available on this page' });
    },
    dispose: () => win.removeEventListener('message', onMessage),
  };
}

export type Bridge = ReturnType<typeof createBridge>;
