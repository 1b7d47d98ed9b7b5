// "Test retrieval": runs a question through knowledge search, optionally as a channel would (only the
// groups attached to it), and shows the ranked passages an AI reply would be grounded on.
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { ErrorPanel, Field, useLoad } from '../ui';

type Passage = ApiData<typeof api.knowledge.search.$post>[number];

export function RetrievalTest() {
  const channels = useLoad(() => call(api.channels.$get()), []);
  const [query, setQuery] = useState('');
  const [channelId, setChannelId] = useState('');
  const [passages, setPassages] = useState<Passage[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [searching, setSearching] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSearching(true);
    try {
      setPassages(
        await call(api.knowledge.search.$post({ json: { query, ...(channelId ? { channelId } : {}), limit: 10 } })),
      );
    } catch (err) {
      setPassages(null);
      setError(err);
    } finally {
      setSearching(false);
    }
  };

  return (
    <section class="card kb-retrieval" aria-labelledby="kb-retrieval-title">
      <h2 id="kb-retrieval-title">Test retrieval</h2>
      <p class="muted">Ask what a customer would ask and see which passages an AI reply would use.</p>
      <form onSubmit={submit} aria-label="Test retrieval" noValidate>
        <div class="row">
          <Field label="Question" name="query" error={error}>
            {(p) => <input {...p} type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />}
          </Field>
          {channels.data && channels.data.length > 0 && (
            <Field label="As channel" name="channelId" error={error}>
              {(p) => (
                <select {...p} value={channelId} onChange={(e) => setChannelId(e.currentTarget.value)}>
                  <option value="">All groups</option>
                  {channels.data!.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} (its attached groups)
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <div class="field">
            <button type="submit" class="primary" disabled={searching}>
              Search
            </button>
          </div>
        </div>
      </form>
      <ErrorPanel error={error} />
      <div role="status">
        {searching && <p class="muted">Searching…</p>}
        {!searching && passages?.length === 0 && <p class="muted">No passages found.</p>}
        {!searching && passages && passages.length > 0 && (
          <p class="sr-only">{passages.length === 1 ? '1 passage found' : `${passages.length} passages found`}</p>
        )}
      </div>
      {passages && passages.length > 0 && (
        <ol class="kb-passages" aria-label="Passages, best first">
          {passages.map((passage, i) => (
            <li key={`${passage.articleId}-${i}`} class="kb-passage">
              <div class="kb-article-head">
                <h3>
                  {passage.title}
                  {passage.heading && <span class="muted"> — {passage.heading}</span>}
                </h3>
                <span class="muted">Score {passage.score.toFixed(3)}</span>
              </div>
              <p class="kb-passage-text">{passage.text}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
