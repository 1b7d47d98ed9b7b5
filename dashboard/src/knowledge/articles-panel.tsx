// The articles of one knowledge group: source and status badges, live status while processing, and (for
// admins) adding by hand, from a URL or from a file, editing, deleting and re-processing.
import { useEffect, useState } from 'preact/hooks';
import { type ApiData, ApiError, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { usePermissions } from '../session';
import { ErrorPanel, Field, formatDate, useLoad } from '../ui';
import type { Group } from './types';

type Article = ApiData<typeof api.knowledge.articles.$get>[number];

// What worker/knowledge/extract.ts reads and worker/knowledge/articles.ts accepts (MAX_UPLOAD_BYTES).
const ACCEPTED_FILES = '.pdf,.md,.markdown,.txt,.text,.html,.htm';
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const TITLE_MAX = 200;
const POLL_MS = 2000;

const SOURCE_LABEL: Record<Article['source'], string> = { MANUAL: 'Manual', URL: 'URL', FILE: 'File' };
const STATUS_LABEL: Record<Article['status'], string> = { PROCESSING: 'Processing', READY: 'Ready', ERROR: 'Error' };

export function ArticlesPanel({
  group,
  onChanged,
}: {
  group: Group;
  /** Article counts of the groups changed. */
  onChanged: () => void;
}) {
  const { canManageSettings } = usePermissions();
  const articles = useLoad(() => call(api.knowledge.articles.$get({ query: { groupId: group.id } })), [group.id]);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const list = articles.data ?? [];
  const processing = list.filter((a) => a.status === 'PROCESSING').length;

  // Scraping and extraction run on the queue: poll until nothing is processing any more.
  useEffect(() => {
    if (!processing) return;
    const timer = setTimeout(() => void articles.reload(), POLL_MS);
    return () => clearTimeout(timer);
  }, [articles.data, processing]);

  const act = async (action: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await action();
      setStatus(done);
      await articles.reload();
    } catch (err) {
      setError(err);
    }
  };

  const remove = (article: Article) => {
    void act(async () => {
      await call(api.knowledge.articles[':id'].$delete({ param: { id: article.id } }));
      onChanged();
    }, `Deleted "${article.title}".`);
  };

  const reprocess = (article: Article) =>
    act(
      () => call(api.knowledge.articles[':id'].reprocess.$post({ param: { id: article.id } })),
      `Re-processing "${article.title}".`,
    );

  return (
    <section aria-labelledby="kb-articles-title">
      <div class="page-head">
        <h2 id="kb-articles-title">Articles in {group.name}</h2>
        {canManageSettings && !adding && (
          <button type="button" class="primary" onClick={() => setAdding(true)}>
            Add article
          </button>
        )}
      </div>
      <ErrorPanel error={articles.error ?? error} />
      <p role="status" class={processing ? 'muted' : 'sr-only'}>
        {processing ? `${processing} ${processing === 1 ? 'article is' : 'articles are'} processing…` : status}
      </p>
      {adding && (
        <AddArticle
          group={group}
          onDone={async (article) => {
            setAdding(false);
            setStatus(`Added "${article.title}".`);
            onChanged();
            await articles.reload();
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      {articles.data && list.length === 0 && (
        <p class="muted">
          No articles in this group yet{canManageSettings ? ' — add one by hand, from a URL or from a file.' : '.'}
        </p>
      )}
      <ul class="kb-article-list">
        {list.map((article) =>
          editing === article.id ? (
            <li key={article.id} class="kb-article">
              <EditArticle
                article={article}
                onDone={async () => {
                  setEditing(null);
                  setStatus(`Saved "${article.title}".`);
                  await articles.reload();
                }}
                onCancel={() => setEditing(null)}
              />
            </li>
          ) : (
            <li key={article.id} class="kb-article">
              <div class="kb-article-head">
                <h3>{article.title}</h3>
                <span class={`kb-badge kb-status-${article.status.toLowerCase()}`}>{STATUS_LABEL[article.status]}</span>
              </div>
              <p class="kb-source">
                <span class="kb-badge kb-source-badge">{SOURCE_LABEL[article.source]}</span>{' '}
                {article.source === 'URL' && article.sourceUrl && (
                  <a href={article.sourceUrl} target="_blank" rel="noopener noreferrer" class="kb-break">
                    {article.sourceUrl}
                  </a>
                )}
                {article.source === 'FILE' && <span class="kb-break">{article.fileName}</span>}
              </p>
              {article.status === 'ERROR' && (
                <p class="field-error">Could not be processed: {article.error ?? 'unknown reason'}</p>
              )}
              <small class="muted">Updated {formatDate(article.updatedAt)}</small>
              {canManageSettings && (
                <div class="actions">
                  <button type="button" onClick={() => setEditing(article.id)} aria-label={`Edit: ${article.title}`}>
                    Edit
                  </button>
                  <button
                    type="button"
                    onClick={() => reprocess(article)}
                    disabled={article.status === 'PROCESSING'}
                    aria-label={`${article.status === 'ERROR' ? 'Re-add' : 'Re-process'}: ${article.title}`}
                  >
                    {article.status === 'ERROR' ? 'Re-add' : 'Re-process'}
                  </button>
                  <ConfirmButton
                    aria-label={`Delete: ${article.title}`}
                    message={`Delete the article "${article.title}"? It is removed from search at once.`}
                    confirmLabel="Delete article"
                    onConfirm={() => remove(article)}
                  >
                    Delete
                  </ConfirmButton>
                </div>
              )}
            </li>
          ),
        )}
      </ul>
    </section>
  );
}

type Method = 'write' | 'url' | 'file';

function AddArticle({
  group,
  onDone,
  onCancel,
}: {
  group: Group;
  onDone: (article: { title: string }) => void;
  onCancel: () => void;
}) {
  const [method, setMethod] = useState<Method>('write');
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const [url, setUrl] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (method === 'file' && file && file.size > MAX_UPLOAD_BYTES) {
      setError(new ApiError(413, 'Files can be at most 10 MB'));
      return;
    }
    setSaving(true);
    const groupId = group.id;
    // The endpoint takes three bodies (manual, URL, multipart file) and validates them itself.
    const request =
      method === 'write'
        ? api.knowledge.articles.$post({ json: { groupId, title, content } })
        : method === 'url'
          ? api.knowledge.articles.$post({ json: { groupId, url, ...(title.trim() ? { title } : {}) } })
          : api.knowledge.articles.$post({ form: { groupId, title: title.trim() || undefined, file: file ?? '' } });
    try {
      onDone(await call(request));
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-label="Add article" noValidate>
      <h3>Add an article to {group.name}</h3>
      <fieldset class="radios">
        <legend>How</legend>
        {(
          [
            ['write', 'Write'],
            ['url', 'From URL'],
            ['file', 'Upload file'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} class="check">
            <input
              type="radio"
              name="method"
              value={value}
              checked={method === value}
              onChange={() => {
                setMethod(value);
                setError(null);
              }}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <Field
        label={method === 'write' ? 'Title' : 'Title (optional)'}
        name="title"
        error={error}
        hint={method === 'write' ? undefined : 'Taken from the page or document when left empty.'}
      >
        {(p) => <input {...p} value={title} maxLength={TITLE_MAX} onInput={(e) => setTitle(e.currentTarget.value)} />}
      </Field>
      {method === 'write' && (
        <Field label="Content" name="content" error={error}>
          {(p) => <textarea {...p} rows={8} value={content} onInput={(e) => setContent(e.currentTarget.value)} />}
        </Field>
      )}
      {method === 'url' && (
        <Field
          label="Page URL"
          name="url"
          error={error}
          hint="An http or https address; the page is fetched and indexed."
        >
          {(p) => (
            <input
              {...p}
              type="url"
              inputMode="url"
              placeholder="https://example.com/help/returns"
              value={url}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
          )}
        </Field>
      )}
      {method === 'file' && (
        <Field label="File" name="file" error={error} hint="PDF, Markdown, plain text or HTML; at most 10 MB.">
          {(p) => (
            <input
              {...p}
              type="file"
              accept={ACCEPTED_FILES}
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
            />
          )}
        </Field>
      )}
      <ErrorPanel error={error} />
      <button type="submit" class="primary" disabled={saving}>
        {saving ? 'Adding…' : 'Add article'}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

function EditArticle({ article, onDone, onCancel }: { article: Article; onDone: () => void; onCancel: () => void }) {
  const manual = article.source === 'MANUAL';
  // The list leaves content out; a hand-written article's text is loaded to edit it.
  const full = useLoad(
    () => (manual ? call(api.knowledge.articles[':id'].$get({ param: { id: article.id } })) : Promise.resolve(null)),
    [article.id],
  );
  const [title, setTitle] = useState(article.title);
  const [content, setContent] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const text = content ?? full.data?.content ?? '';

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const json = manual && content !== null ? { title, content } : { title };
    try {
      await call(api.knowledge.articles[':id'].$patch({ param: { id: article.id }, json }));
      onDone();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form onSubmit={submit} aria-label={`Edit article ${article.title}`} noValidate>
      <Field label="Title" name="title" error={error}>
        {(p) => <input {...p} value={title} maxLength={TITLE_MAX} onInput={(e) => setTitle(e.currentTarget.value)} />}
      </Field>
      {manual && (
        <Field label="Content" name="content" error={error}>
          {(p) => (
            <textarea
              {...p}
              rows={8}
              value={text}
              disabled={full.loading}
              onInput={(e) => setContent(e.currentTarget.value)}
            />
          )}
        </Field>
      )}
      <ErrorPanel error={full.error ?? error} />
      <button type="submit" class="primary" disabled={manual && full.loading}>
        Save article
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
