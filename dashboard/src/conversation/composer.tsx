// The reply box and the internal-note field, as two tabs that cannot be confused: different colours,
// different labels, different buttons. A reply goes to the customer; a note never does. Each keeps its own
// text and its own attached files. Typing "/" offers the workspace's saved replies (placeholders filled in),
// "@" in a note offers teammates, and Enter sends (Shift+Enter for a new line; switchable).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call } from '../api';
import { sendLive } from '../live';
import { ErrorPanel } from '../ui';
import { AttachmentPicker, useUploads } from './attachments';
import { ProductCards } from './product-card';
import { fillPlaceholders, type PlaceholderValues } from './saved-replies';

type Mode = 'reply' | 'note';

const ENTER_KEY = 'hs:enter-sends';
const EMOJI: [string, string][] = [
  ['😀', 'grinning face'],
  ['🙂', 'slightly smiling face'],
  ['😉', 'winking face'],
  ['😊', 'smiling face'],
  ['😅', 'grinning face with sweat'],
  ['😂', 'face with tears of joy'],
  ['🙏', 'folded hands'],
  ['👍', 'thumbs up'],
  ['👋', 'waving hand'],
  ['👏', 'clapping hands'],
  ['🎉', 'party popper'],
  ['❤️', 'red heart'],
  ['✅', 'check mark'],
  ['⭐', 'star'],
  ['🚚', 'delivery truck'],
  ['📦', 'package'],
  ['💡', 'light bulb'],
  ['🤔', 'thinking face'],
  ['😔', 'pensive face'],
  ['⏳', 'hourglass'],
];

/** Enter sends on devices with a keyboard; on touch screens Enter makes a new line unless the agent says otherwise. */
function enterSendsDefault(): boolean {
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(ENTER_KEY);
  if (saved) return saved === 'on';
  return !(typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches);
}

interface Suggestion {
  key: string;
  label: string;
  detail?: string;
  insert: string;
  /** A teammate's suggestion: choosing it mentions them. */
  mention?: Teammate;
}

interface Teammate {
  userId: string;
  name: string;
}

/** The teammates chosen from the picker whose "@Name" is still in the note: they are the ones notified. */
function mentionedIn(content: string, chosen: readonly Teammate[]): string[] {
  const ids = chosen.filter((m) => content.includes(`@${m.name}`)).map((m) => m.userId);
  return [...new Set(ids)];
}

export function Composer({
  conversationId,
  onSent,
  placeholders = {},
  teammates = [],
}: {
  conversationId: string;
  onSent: () => void;
  /** Values for saved replies' placeholders (the contact's and the agent's names). */
  placeholders?: PlaceholderValues;
  /** Members an internal note can @mention. */
  teammates?: Teammate[];
}) {
  const [mode, setMode] = useState<Mode>('reply');
  const [text, setText] = useState({ reply: '', note: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [enterSends, setEnterSends] = useState(enterSendsDefault);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const [savedReplies, setSavedReplies] = useState<{ shortcut: string; content: string }[] | null>(null);
  // Teammates picked with "@" in the note being written (notes only: a reply never mentions anyone).
  const [chosen, setChosen] = useState<Teammate[]>([]);
  const box = useRef<HTMLTextAreaElement>(null);
  const typing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const files = { reply: useUploads(conversationId), note: useUploads(conversationId) };
  const content = text[mode];
  const uploads = files[mode];
  const blocked = busy || uploads.uploading || !content.trim();

  // The word being typed at the end of the text: "/ship" offers saved replies, "@mi" (in a note) teammates.
  const trigger = content.match(/(?:^|\s)([/@])([\p{L}\p{N}_-]*)$/u);
  const wantsSaved = trigger?.[1] === '/';
  // Saved replies are fetched the first time the agent asks for them.
  useEffect(() => {
    if (wantsSaved && savedReplies === null)
      call(api['saved-replies'].$get()).then(setSavedReplies, () => setSavedReplies([]));
  }, [wantsSaved]);
  const word = trigger ? `${trigger[1]}${trigger[2]}` : null;
  let suggestions: Suggestion[] = [];
  if (trigger && word !== dismissed) {
    const q = trigger[2]!.toLowerCase();
    if (trigger[1] === '/') {
      suggestions = (savedReplies ?? [])
        .filter((r) => r.shortcut.startsWith(q))
        .slice(0, 8)
        .map((r) => ({
          key: r.shortcut,
          label: `/${r.shortcut}`,
          detail: r.content,
          insert: fillPlaceholders(r.content, placeholders),
        }));
    } else if (mode === 'note') {
      // "@mi" and "@kov" both find Mira Kovač: any word of the name.
      suggestions = teammates
        .filter((m) =>
          m.name
            .toLowerCase()
            .split(/\s+/)
            .some((w) => w.startsWith(q)),
        )
        .slice(0, 8)
        .map((m) => ({ key: m.userId, label: `@${m.name}`, insert: `@${m.name} `, mention: m }));
    }
  }
  const choosing = suggestions.length > 0;
  const current = Math.min(active, suggestions.length - 1);

  const setContent = (value: string) => setText((t) => ({ ...t, [mode]: value }));

  const choose = (s: Suggestion) => {
    setContent(content.slice(0, content.length - word!.length) + s.insert);
    const mention = s.mention;
    if (mention) setChosen((c) => (c.some((m) => m.userId === mention.userId) ? c : [...c, mention]));
    setActive(0);
    box.current?.focus();
  };

  const insertAtCursor = (value: string) => {
    const el = box.current;
    const at = el?.selectionStart ?? content.length;
    const end = el?.selectionEnd ?? at;
    setContent(content.slice(0, at) + value + content.slice(end));
    setEmojiOpen(false);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + value.length, at + value.length);
    });
  };

  // Keyboard shortcuts of the workspace: r replies, n writes a note.
  useEffect(() => {
    const onShortcut = (e: Event) => {
      const key = (e as CustomEvent<string>).detail;
      if (key !== 'r' && key !== 'n') return;
      setMode(key === 'r' ? 'reply' : 'note');
      requestAnimationFrame(() => box.current?.focus());
    };
    addEventListener('hs:shortcut', onShortcut);
    return () => removeEventListener('hs:shortcut', onShortcut);
  }, []);

  const send = async () => {
    if (blocked) return;
    setBusy(true);
    setError(null);
    const attachments = uploads.mediaIds.length ? { attachments: uploads.mediaIds } : {};
    const mentions = mode === 'note' ? mentionedIn(content, chosen) : [];
    try {
      await call(
        api.conversations[':id'].messages.$post({
          param: { id: conversationId },
          json:
            mode === 'note'
              ? { conversationId, content, ...attachments, isNote: true, ...(mentions.length ? { mentions } : {}) }
              : { conversationId, content, ...attachments },
        }),
      );
      setText((t) => ({ ...t, [mode]: '' }));
      if (mode === 'note') setChosen([]);
      uploads.clear();
      onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const onInput = (value: string) => {
    setContent(value);
    setActive(0);
    if (mode !== 'reply') return;
    // Tell the visitor an agent is typing, and stop saying so after a pause.
    if (!typing.current) sendLive({ type: 'typing', conversationId, isTyping: true });
    clearTimeout(typing.current);
    typing.current = setTimeout(() => {
      sendLive({ type: 'typing', conversationId, isTyping: false });
      typing.current = undefined;
    }, 2000);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (choosing) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((current + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        choose(suggestions[current]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setDismissed(word);
        return;
      }
    }
    if (e.key !== 'Enter' || e.isComposing) return;
    if (e.ctrlKey || e.metaKey || (enterSends && !e.shiftKey)) {
      e.preventDefault();
      void send();
    }
  };

  const switchTab = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const next = mode === 'reply' ? 'note' : 'reply';
      setMode(next);
      document.getElementById(`tab-${next}`)?.focus();
    }
  };

  const toggleEnter = () => {
    localStorage.setItem(ENTER_KEY, enterSends ? 'off' : 'on');
    setEnterSends(!enterSends);
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
            ref={box}
            rows={3}
            value={content}
            maxLength={10_000}
            aria-describedby="composer-hint"
            onInput={(e) => onInput(e.currentTarget.value)}
            onKeyDown={onKeyDown}
          />
          {mode === 'reply' && <ProductCards text={content} label="Product card preview" />}
          {choosing && (
            <ul class="suggestions" aria-label={trigger?.[1] === '/' ? 'Saved replies' : 'Teammates'}>
              {suggestions.map((s, i) => (
                <li key={s.key}>
                  <button
                    type="button"
                    class={i === current ? 'suggestion active' : 'suggestion'}
                    aria-current={i === current ? 'true' : undefined}
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => choose(s)}
                  >
                    <strong>{s.label}</strong>
                    {s.detail && <span class="muted"> {s.detail}</span>}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <p class="sr-only" aria-live="polite">
            {choosing
              ? `${suggestions.length} suggestions. ${suggestions[current]?.label ?? ''}. Up and Down to choose, Enter to insert, Escape to close.`
              : ''}
          </p>
          <div class="composer-tools">
            <AttachmentPicker uploads={uploads} id={`composer-file-${mode}`} />
            <div class="emoji">
              <button
                type="button"
                class="link"
                aria-expanded={emojiOpen}
                aria-controls="emoji-grid"
                onClick={() => setEmojiOpen(!emojiOpen)}
              >
                <span aria-hidden="true">🙂</span> Emoji
              </button>
              {emojiOpen && (
                <div id="emoji-grid" class="emoji-grid">
                  {EMOJI.map(([emoji, name]) => (
                    <button
                      key={emoji}
                      type="button"
                      aria-label={name}
                      title={name}
                      onClick={() => insertAtCursor(emoji)}
                    >
                      {emoji}
                    </button>
                  ))}
                </div>
              )}
            </div>
          </div>
          <div class="composer-actions">
            <small class="muted" id="composer-hint">
              {uploads.uploading
                ? 'Waiting for files to upload…'
                : enterSends
                  ? `Enter to ${mode === 'reply' ? 'send' : 'save'}, Shift+Enter for a new line, / for saved replies${mode === 'note' ? ', @ to mention a teammate' : ''}`
                  : `Ctrl+Enter to ${mode === 'reply' ? 'send' : 'save'}, / for saved replies${mode === 'note' ? ', @ to mention a teammate' : ''}`}
            </small>
            <label class="check small">
              <input type="checkbox" checked={enterSends} onChange={toggleEnter} />
              Enter sends
            </label>
            <button type="submit" class={mode === 'reply' ? 'primary' : 'note-button'} disabled={blocked}>
              {mode === 'reply' ? 'Send reply' : 'Add internal note'}
            </button>
          </div>
          <ErrorPanel error={error} shownFields={[]} />
        </form>
      </div>
    </section>
  );
}
