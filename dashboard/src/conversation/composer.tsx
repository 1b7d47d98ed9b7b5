// The reply box and the internal-note field, as two tabs that cannot be confused: different colours,
// different labels, different buttons. A reply goes to the customer; a note never does. Each keeps its own
// text and its own attached files.
import { useRef, useState } from 'preact/hooks';
import { api, call } from '../api';
import { sendLive } from '../live';
import { ErrorPanel } from '../ui';
import { AttachmentPicker, useUploads } from './attachments';

type Mode = 'reply' | 'note';

export function Composer({ conversationId, onSent }: { conversationId: string; onSent: () => void }) {
  const [mode, setMode] = useState<Mode>('reply');
  const [text, setText] = useState({ reply: '', note: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const typing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const files = { reply: useUploads(conversationId), note: useUploads(conversationId) };
  const content = text[mode];
  const uploads = files[mode];
  const blocked = busy || uploads.uploading || !content.trim();

  const send = async () => {
    if (blocked) return;
    setBusy(true);
    setError(null);
    const attachments = uploads.mediaIds.length ? { attachments: uploads.mediaIds } : {};
    try {
      await call(
        api.conversations[':id'].messages.$post({
          param: { id: conversationId },
          json:
            mode === 'note'
              ? { conversationId, content, ...attachments, isNote: true }
              : { conversationId, content, ...attachments },
        }),
      );
      setText((t) => ({ ...t, [mode]: '' }));
      uploads.clear();
      onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const onInput = (value: string) => {
    setText((t) => ({ ...t, [mode]: value }));
    if (mode !== 'reply') return;
    // Tell the visitor an agent is typing, and stop saying so after a pause.
    if (!typing.current) sendLive({ type: 'typing', conversationId, isTyping: true });
    clearTimeout(typing.current);
    typing.current = setTimeout(() => {
      sendLive({ type: 'typing', conversationId, isTyping: false });
      typing.current = undefined;
    }, 2000);
  };

  const switchTab = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const next = mode === 'reply' ? 'note' : 'reply';
      setMode(next);
      document.getElementById(`tab-${next}`)?.focus();
    }
  };

  return (
    <section class={`composer composer-${mode}`} aria-label="Compose">
      <div role="tablist" aria-label="Message type" onKeyDown={switchTab}>
        <button
          type="button"
          role="tab"
          id="tab-reply"
          aria-selected={mode === 'reply'}
          aria-controls="composer-panel"
          tabIndex={mode === 'reply' ? 0 : -1}
          onClick={() => setMode('reply')}
        >
          Reply
        </button>
        <button
          type="button"
          role="tab"
          id="tab-note"
          aria-selected={mode === 'note'}
          aria-controls="composer-panel"
          tabIndex={mode === 'note' ? 0 : -1}
          onClick={() => setMode('note')}
        >
          Internal note
        </button>
      </div>
      <div id="composer-panel" role="tabpanel" aria-labelledby={`tab-${mode}`}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <label for="composer-text">
            {mode === 'reply' ? 'Reply to the customer' : 'Internal note (team only, never sent)'}
          </label>
          <textarea
            id="composer-text"
            rows={3}
            value={content}
            onInput={(e) => onInput(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void send();
              }
            }}
          />
          <AttachmentPicker uploads={uploads} id={`composer-file-${mode}`} />
          <div class="composer-actions">
            <small class="muted">
              {uploads.uploading
                ? 'Waiting for files to upload…'
                : `Ctrl+Enter to ${mode === 'reply' ? 'send' : 'save'}`}
            </small>
            <button type="submit" class={mode === 'reply' ? 'primary' : 'note-button'} disabled={blocked}>
              {mode === 'reply' ? 'Send reply' : 'Add internal note'}
            </button>
          </div>
          <ErrorPanel error={error} />
        </form>
      </div>
    </section>
  );
}
