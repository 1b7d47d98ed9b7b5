// Saved replies (/settings/saved-replies): the workspace's macros, inserted in the composer by typing "/" and the
// shortcut. Admins add, edit and delete them; everyone else sees the list they can use.
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { usePermissions } from '../session';
import { ErrorPanel, Field, useLoad } from '../ui';

type SavedReply = ApiData<(typeof api)['saved-replies']['$get']>[number];

const PLACEHOLDER_HELP =
  '{{contact.firstName}}, {{contact.name}}, {{contact.email}}, {{agent.name}}, {{agent.firstName}}';

export function SavedRepliesPage() {
  const { canManageSettings } = usePermissions();
  const replies = useLoad(() => call(api['saved-replies'].$get()), []);
  const [editing, setEditing] = useState<SavedReply | null>(null);
  return (
    <section aria-labelledby="saved-replies-title" class="settings-page">
      <h1 id="saved-replies-title">Saved replies</h1>
      <p class="muted">
        Type <kbd>/</kbd> and the shortcut in the reply box to insert one. Placeholders are filled in from the
        conversation: {PLACEHOLDER_HELP}.
      </p>
      <ErrorPanel error={replies.error} />
      {canManageSettings && (
        <SavedReplyForm
          key={editing?.id ?? 'new'}
          reply={editing}
          onDone={() => {
            setEditing(null);
            void replies.reload();
          }}
        />
      )}
      {replies.data && replies.data.length === 0 && <p class="muted">No saved replies yet.</p>}
      <ul class="saved-replies">
        {replies.data?.map((r) => (
          <li key={r.id}>
            <p>
              <strong>/{r.shortcut}</strong>
            </p>
            <p class="text">{r.content}</p>
            {canManageSettings && (
              <p class="row-actions">
                <button type="button" onClick={() => setEditing(r)}>
                  Edit <span class="sr-only">/{r.shortcut}</span>
                </button>
                <ConfirmButton
                  message={`Delete the saved reply /${r.shortcut}?`}
                  confirmLabel={`Delete /${r.shortcut}`}
                  onConfirm={async () => {
                    await call(api['saved-replies'][':id'].$delete({ param: { id: r.id } }));
                    void replies.reload();
                  }}
                >
                  Delete <span class="sr-only">/{r.shortcut}</span>
                </ConfirmButton>
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function SavedReplyForm({ reply, onDone }: { reply: SavedReply | null; onDone: () => void }) {
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? '');
  const [content, setContent] = useState(reply?.content ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const json = { shortcut, content };
      if (reply) await call(api['saved-replies'][':id'].$patch({ param: { id: reply.id }, json }));
      else await call(api['saved-replies'].$post({ json }));
      setShortcut('');
      setContent('');
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit}>
      <h2>{reply ? `Edit /${reply.shortcut}` : 'New saved reply'}</h2>
      <Field label="Shortcut" name="shortcut" error={error} hint="One word, e.g. thanks">
        {(props) => (
          <input {...props} value={shortcut} maxLength={40} onInput={(e) => setShortcut(e.currentTarget.value)} />
        )}
      </Field>
      <Field label="Reply text" name="content" error={error}>
        {(props) => (
          <textarea
            {...props}
            rows={4}
            value={content}
            maxLength={5000}
            onInput={(e) => setContent(e.currentTarget.value)}
          />
        )}
      </Field>
      <ErrorPanel error={error} shownFields={['shortcut', 'content']} />
      <button type="submit" class="primary" disabled={busy}>
        {reply ? 'Save changes' : 'Add saved reply'}
      </button>
      {reply && (
        <button type="button" class="link" onClick={onDone}>
          Cancel
        </button>
      )}
    </form>
  );
}
