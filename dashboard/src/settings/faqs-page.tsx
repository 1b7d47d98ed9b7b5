// Settings → FAQs: the quick answers the widget offers as chips. Org-wide or per website-chat channel;
// order set by drag and drop, or by Move up / Move down for keyboard users. Admins edit, others read.
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { moveButtonId, useReorder } from '../reorder';
import { usePermissions } from '../session';
import { Counter, ErrorPanel, Field, useLoad } from '../ui';

type Faq = ApiData<typeof api.faqs.$get>[number];

const QUESTION_MAX = 280;
const ANSWER_MAX = 2000;

export function FaqsPage() {
  const { canManageSettings } = usePermissions();
  const faqs = useLoad(() => call(api.faqs.$get({ query: {} })), []);
  const channels = useLoad(() => call(api.channels.$get()), []);
  const [editing, setEditing] = useState<Faq | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [announcement, setAnnouncement] = useState('');
  const chatChannels = channels.data?.filter((c) => c.type === 'WEBSITE_CHAT') ?? [];
  const channelName = (id: string | null) =>
    id ? (channels.data?.find((c) => c.id === id)?.name ?? 'Channel') : 'All channels';

  const reorder = async (ids: string[], moved: string) => {
    setError(null);
    const previous = faqs.data ?? [];
    faqs.setData(ids.map((id) => previous.find((f) => f.id === id)!));
    try {
      faqs.setData(await call(api.faqs.reorder.$post({ json: { ids } })));
      setAnnouncement(`Moved to position ${ids.indexOf(moved) + 1} of ${ids.length}`);
    } catch (err) {
      faqs.setData(previous);
      setError(err);
    }
  };

  const { dragged, moveAndFocus, dragProps } = useReorder(
    (faqs.data ?? []).map((f) => f.id),
    canManageSettings,
    reorder,
  );

  const remove = async (faq: Faq) => {
    setError(null);
    try {
      await call(api.faqs[':id'].$delete({ param: { id: faq.id } }));
      await faqs.reload();
    } catch (err) {
      setError(err);
    }
  };

  const list = faqs.data ?? [];
  return (
    <section aria-labelledby="faqs-title">
      <div class="page-head">
        <h1 id="faqs-title">FAQs</h1>
        {canManageSettings && !editing && (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            Add FAQ
          </button>
        )}
      </div>
      <p class="muted">The widget shows up to five, in this order: org-wide ones and the channel's own.</p>
      <ErrorPanel error={faqs.error ?? error} />
      {editing && (
        <FaqForm
          faq={editing === 'new' ? null : editing}
          channels={chatChannels}
          onDone={async () => {
            setEditing(null);
            await faqs.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <p class="sr-only" aria-live="polite">
        {announcement}
      </p>
      {faqs.data && list.length === 0 && <p class="muted">No FAQs yet.</p>}
      <ol class="faq-list" aria-label="FAQs in display order">
        {list.map((faq, i) => (
          <li key={faq.id} class={dragged === faq.id ? 'faq dragging' : 'faq'} {...dragProps(faq.id)}>
            <div class="faq-text">
              <strong>{faq.question}</strong>
              <p>{faq.answer}</p>
              <small class="muted">
                {channelName(faq.channelId)} · {faq.clickCount} clicks
              </small>
            </div>
            {canManageSettings && (
              <div class="actions">
                <button
                  type="button"
                  id={moveButtonId(faq.id, -1)}
                  disabled={i === 0}
                  aria-label={`Move up: ${faq.question}`}
                  onClick={() => moveAndFocus(faq.id, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  id={moveButtonId(faq.id, 1)}
                  disabled={i === list.length - 1}
                  aria-label={`Move down: ${faq.question}`}
                  onClick={() => moveAndFocus(faq.id, 1)}
                >
                  ↓
                </button>
                <button type="button" onClick={() => setEditing(faq)} aria-label={`Edit: ${faq.question}`}>
                  Edit
                </button>
                <ConfirmButton
                  aria-label={`Delete: ${faq.question}`}
                  message={`Delete the FAQ "${faq.question}"?`}
                  confirmLabel="Delete FAQ"
                  onConfirm={() => remove(faq)}
                >
                  Delete
                </ConfirmButton>
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function FaqForm({
  faq,
  channels,
  onDone,
  onCancel,
}: {
  faq: Faq | null;
  channels: { id: string; name: string }[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [question, setQuestion] = useState(faq?.question ?? '');
  const [answer, setAnswer] = useState(faq?.answer ?? '');
  const [channelId, setChannelId] = useState(faq?.channelId ?? '');
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const json = { question, answer, channelId: channelId || null };
    try {
      if (faq) await call(api.faqs[':id'].$patch({ param: { id: faq.id }, json }));
      else await call(api.faqs.$post({ json }));
      onDone();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-label={faq ? 'Edit FAQ' : 'New FAQ'} noValidate>
      <Field
        label="Question"
        name="question"
        error={error}
        hint={<Counter id="q-count" value={question} max={QUESTION_MAX} />}
      >
        {(p) => <input {...p} value={question} onInput={(e) => setQuestion(e.currentTarget.value)} required />}
      </Field>
      <Field label="Answer" name="answer" error={error} hint={<Counter id="a-count" value={answer} max={ANSWER_MAX} />}>
        {(p) => <textarea {...p} rows={4} value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} required />}
      </Field>
      <Field label="Shown on" name="channelId" error={error}>
        {(p) => (
          <select {...p} value={channelId} onChange={(e) => setChannelId(e.currentTarget.value)}>
            <option value="">All channels (org-wide)</option>
            {channels.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} only
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorPanel error={error} />
      <button type="submit" class="primary" disabled={question.length > QUESTION_MAX || answer.length > ANSWER_MAX}>
        {faq ? 'Save FAQ' : 'Create FAQ'}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
