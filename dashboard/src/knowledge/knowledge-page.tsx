// Knowledge base: groups of articles that ground AI replies on the channels they are attached to, the
// articles of the selected group, and a retrieval test. Admins manage; every member reads.
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { usePermissions } from '../session';
import { Counter, ErrorPanel, Field, useLoad } from '../ui';
import { ArticlesPanel } from './articles-panel';
import { RetrievalTest } from './retrieval-test';
import type { Group } from './types';

const NAME_MAX = 100;
const DESCRIPTION_MAX = 500;

export function KnowledgePage() {
  const { canManageSettings } = usePermissions();
  const groups = useLoad(() => call(api.knowledge.groups.$get()), []);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [editing, setEditing] = useState<Group | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const list = groups.data ?? [];
  // The first group until one is chosen, and again once the chosen one is deleted.
  const selected = list.find((g) => g.id === selectedId) ?? list[0] ?? null;

  const remove = async (group: Group) => {
    setError(null);
    try {
      await call(api.knowledge.groups[':id'].$delete({ param: { id: group.id } }));
      setStatus(`Deleted the group "${group.name}".`);
      await groups.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="kb-title">
      <div class="page-head">
        <h1 id="kb-title">Knowledge base</h1>
        {canManageSettings && !editing && (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            New group
          </button>
        )}
      </div>
      <p class="muted">
        Attach groups to a channel (Settings → Channels → AI &amp; Knowledge) and AI replies on that channel are
        grounded on their articles.
      </p>
      <ErrorPanel error={groups.error ?? error} />
      <p role="status" class="sr-only">
        {status}
      </p>
      {editing && (
        <GroupForm
          group={editing === 'new' ? null : editing}
          onDone={async (saved, created) => {
            setEditing(null);
            setStatus(created ? `Created the group "${saved.name}".` : `Saved the group "${saved.name}".`);
            setSelectedId(saved.id);
            await groups.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <div class="kb-layout">
        <nav class="kb-groups" aria-labelledby="kb-groups-title">
          <h2 id="kb-groups-title">Groups</h2>
          {groups.loading && !groups.data && <p class="muted">Loading…</p>}
          {groups.data && list.length === 0 && (
            <p class="muted">
              {canManageSettings ? 'No groups yet — create one to start.' : 'No groups yet. An admin can create one.'}
            </p>
          )}
          <ul class="plain-list">
            {list.map((group) => (
              <li key={group.id} class={group.id === selected?.id ? 'kb-group selected' : 'kb-group'}>
                <button
                  type="button"
                  class="kb-group-select"
                  aria-current={group.id === selected?.id ? 'true' : undefined}
                  onClick={() => setSelectedId(group.id)}
                >
                  <strong>{group.name}</strong>{' '}
                  <span class="muted">
                    ({group.articleCount} {group.articleCount === 1 ? 'article' : 'articles'})
                  </span>
                </button>
                {group.description && <p class="muted kb-description">{group.description}</p>}
                {canManageSettings && (
                  <div class="actions">
                    <button
                      type="button"
                      class="link"
                      onClick={() => setEditing(group)}
                      aria-label={`Edit group: ${group.name}`}
                    >
                      Edit
                    </button>
                    <ConfirmButton
                      class="link danger"
                      aria-label={`Delete group: ${group.name}`}
                      message={
                        `Delete the group "${group.name}" and its ${articleCount(group)}? They are removed from ` +
                        'search, and channels it is attached to stop using it.'
                      }
                      confirmLabel={`Delete ${group.name}`}
                      onConfirm={() => remove(group)}
                    >
                      Delete
                    </ConfirmButton>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </nav>
        <div class="kb-articles">
          {selected && <ArticlesPanel key={selected.id} group={selected} onChanged={() => groups.reload()} />}
        </div>
      </div>
      <RetrievalTest />
    </section>
  );
}

const articleCount = (group: Group) => (group.articleCount === 1 ? '1 article' : `${group.articleCount} articles`);

function GroupForm({
  group,
  onDone,
  onCancel,
}: {
  group: Group | null;
  onDone: (group: Group, created: boolean) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(group?.name ?? '');
  const [description, setDescription] = useState(group?.description ?? '');
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaving(true);
    const json = { name, description: description.trim() ? description : null };
    try {
      const saved = group
        ? await call(api.knowledge.groups[':id'].$patch({ param: { id: group.id }, json }))
        : await call(api.knowledge.groups.$post({ json }));
      onDone(saved, !group);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-label={group ? `Edit group ${group.name}` : 'New group'} noValidate>
      <h2>{group ? 'Edit group' : 'New group'}</h2>
      <Field
        label="Group name"
        name="name"
        error={error}
        hint={<Counter id="kb-name-count" value={name} max={NAME_MAX} />}
      >
        {(p) => <input {...p} value={name} onInput={(e) => setName(e.currentTarget.value)} required />}
      </Field>
      <Field
        label="Description (optional)"
        name="description"
        error={error}
        hint={<Counter id="kb-description-count" value={description} max={DESCRIPTION_MAX} />}
      >
        {(p) => <textarea {...p} rows={2} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />}
      </Field>
      <ErrorPanel error={error} />
      <button
        type="submit"
        class="primary"
        disabled={saving || name.length > NAME_MAX || description.length > DESCRIPTION_MAX}
      >
        {group ? 'Save group' : 'Create group'}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
