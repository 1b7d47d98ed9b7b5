// The trigger editor: name and status, conditions as groups (conditions in a group must all hold: AND; any
// group may hold: OR), the scope picker (all videos, specific videos from the synced list with LIVE chips, or
// videos tagged), the optional public reply and the DM's message.
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { Link, navigate } from '../router';
import { Counter, ErrorPanel, Field, useLoad } from '../ui';
import { CONDITION_LABELS, type ConditionType } from './labels';
import './automations.css';

type Trigger = ApiData<(typeof api.automations.triggers)[':id']['$get']>;
type Post = ApiData<typeof api.automations.posts.$get>['posts'][number];
type Condition = Trigger['match']['groups'][number][number];
type Scope = Trigger['scope'];

interface Draft {
  type: ConditionType;
  keywords: string;
  postIds: string[];
}

const toDraft = (c: Condition): Draft => ({
  type: c.type,
  keywords: c.type === 'KEYWORD' ? c.keywords.join(', ') : '',
  postIds: c.type === 'VIDEO' ? c.postIds : [],
});

function toCondition(d: Draft): Condition {
  if (d.type === 'KEYWORD') {
    return {
      type: 'KEYWORD',
      keywords: d.keywords
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    };
  }
  if (d.type === 'VIDEO') return { type: 'VIDEO', postIds: d.postIds };
  if (d.type === 'SKU') return { type: 'SKU', productIds: [] };
  return { type: d.type };
}

export function VideoLabel({ post }: { post: Post }) {
  return (
    <>
      {post.caption || post.postId}
      {post.isLive && <span class="live-chip">LIVE</span>}
    </>
  );
}

function VideoPicker({
  posts,
  selected,
  onChange,
  label,
}: {
  posts: Post[];
  selected: string[];
  onChange: (ids: string[]) => void;
  label: string;
}) {
  if (!posts.length) return <p class="muted">No videos synced yet: connect TikTok in Settings → Integrations.</p>;
  return (
    <fieldset class="video-picker">
      <legend>{label}</legend>
      {posts.map((post) => (
        <label key={post.postId} class="check">
          <input
            type="checkbox"
            checked={selected.includes(post.postId)}
            onChange={(e) =>
              onChange(
                e.currentTarget.checked ? [...selected, post.postId] : selected.filter((id) => id !== post.postId),
              )
            }
          />{' '}
          <VideoLabel post={post} />
          {post.tags.length > 0 && <small class="muted"> · {post.tags.join(', ')}</small>}
        </label>
      ))}
    </fieldset>
  );
}

export function TriggerEditor({ trigger, onSaved }: { trigger: Trigger | null; onSaved?: (t: Trigger) => void }) {
  const posts = useLoad(() => call(api.automations.posts.$get()).then((d) => d.posts), []);
  const [name, setName] = useState(trigger?.name ?? '');
  const [status, setStatus] = useState<'DRAFT' | 'ACTIVE'>(trigger?.status ?? 'DRAFT');
  const [groups, setGroups] = useState<Draft[][]>(
    trigger?.match.groups.map((g) => g.map(toDraft)) ?? [[{ type: 'KEYWORD', keywords: '', postIds: [] }]],
  );
  const [scope, setScope] = useState<Scope>(trigger?.scope ?? { kind: 'ALL' });
  const [tags, setTags] = useState(trigger?.scope.kind === 'TAGGED' ? trigger.scope.tags.join(', ') : '');
  const [publicReply, setPublicReply] = useState(trigger?.publicReply ?? '');
  const [message, setMessage] = useState(trigger?.action.kind === 'MESSAGE' ? trigger.action.text : '');
  const [actionKind, setActionKind] = useState<'MESSAGE' | 'FLOW'>(
    trigger?.action.kind === 'FLOW' ? 'FLOW' : 'MESSAGE',
  );
  const [flowId, setFlowId] = useState(trigger?.action.kind === 'FLOW' ? trigger.action.flowId : '');
  const flows = useLoad(() => call(api.automations.flows.$get()), []);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const update = (g: number, c: number, change: Partial<Draft>) =>
    setGroups(
      groups.map((group, gi) => (gi !== g ? group : group.map((d, ci) => (ci === c ? { ...d, ...change } : d)))),
    );
  const removeCondition = (g: number, c: number) =>
    setGroups(
      groups.map((group, gi) => (gi === g ? group.filter((_, ci) => ci !== c) : group)).filter((x) => x.length),
    );

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaving(true);
    const json = {
      name,
      status,
      match: { groups: groups.map((g) => g.map(toCondition)) },
      scope:
        scope.kind === 'TAGGED'
          ? {
              kind: 'TAGGED' as const,
              tags: tags
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean),
            }
          : scope,
      publicReply: publicReply.trim() || null,
      action: actionKind === 'FLOW' ? { kind: 'FLOW' as const, flowId } : { kind: 'MESSAGE' as const, text: message },
    };
    try {
      const saved = trigger
        ? await call(api.automations.triggers[':id'].$patch({ param: { id: trigger.id }, json }))
        : await call(api.automations.triggers.$post({ json }));
      if (onSaved) onSaved(saved);
      else navigate(`/automations/${saved.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  const postList = posts.data ?? [];
  return (
    <form class="card" onSubmit={submit} aria-label={trigger ? 'Edit trigger' : 'New trigger'} noValidate>
      <ErrorPanel error={error} shownFields={['name', 'publicReply', 'action.text', 'action.flowId']} />
      <Field label="Name" name="name" error={error}>
        {(p) => <input {...p} value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <fieldset>
        <legend>Status</legend>
        <label class="check">
          <input type="radio" name="status" checked={status === 'DRAFT'} onChange={() => setStatus('DRAFT')} /> Draft
          (never fires)
        </label>
        <label class="check">
          <input type="radio" name="status" checked={status === 'ACTIVE'} onChange={() => setStatus('ACTIVE')} /> Active
        </label>
      </fieldset>
      <fieldset>
        <legend>Conditions</legend>
        <p class="muted">All conditions in a group must hold (AND); the trigger fires when any group holds (OR).</p>
        {groups.map((group, g) => (
          <div key={g}>
            {g > 0 && <p class="or-label">OR</p>}
            <fieldset class="condition-group">
              <legend>Group {g + 1}</legend>
              {group.map((d, c) => (
                <div key={c} class="condition">
                  {c > 0 && <p class="or-label">AND</p>}
                  <label>
                    Type{' '}
                    <select
                      aria-label={`Condition ${c + 1} type`}
                      value={d.type}
                      onChange={(e) => update(g, c, { type: e.currentTarget.value as ConditionType })}
                    >
                      {Object.entries(CONDITION_LABELS).map(([value, label]) => (
                        <option key={value} value={value}>
                          {label}
                        </option>
                      ))}
                    </select>
                  </label>
                  {d.type === 'KEYWORD' && (
                    <label>
                      Keywords (comma-separated){' '}
                      <input
                        value={d.keywords}
                        maxLength={2000}
                        placeholder="PRICE, ราคา, LINK"
                        onInput={(e) => update(g, c, { keywords: e.currentTarget.value })}
                      />
                    </label>
                  )}
                  {d.type === 'VIDEO' && (
                    <VideoPicker
                      label="Videos"
                      posts={postList}
                      selected={d.postIds}
                      onChange={(postIds) => update(g, c, { postIds })}
                    />
                  )}
                  {d.type === 'SKU' && (
                    <p class="muted">Any product name or seller SKU of the synced TikTok Shop catalog.</p>
                  )}
                  <button type="button" class="link" onClick={() => removeCondition(g, c)}>
                    Remove condition
                  </button>
                </div>
              ))}
              <button
                type="button"
                onClick={() =>
                  setGroups(
                    groups.map((x, gi) => (gi === g ? [...x, { type: 'QUESTION', keywords: '', postIds: [] }] : x)),
                  )
                }
              >
                Add AND condition
              </button>
            </fieldset>
          </div>
        ))}
        <button type="button" onClick={() => setGroups([...groups, [{ type: 'KEYWORD', keywords: '', postIds: [] }]])}>
          Add OR group
        </button>
      </fieldset>
      <fieldset>
        <legend>Listens to</legend>
        {(['ALL', 'VIDEOS', 'TAGGED'] as const).map((kind) => (
          <label key={kind} class="check">
            <input
              type="radio"
              name="scope"
              checked={scope.kind === kind}
              onChange={() =>
                setScope(kind === 'VIDEOS' ? { kind, postIds: [] } : kind === 'TAGGED' ? { kind, tags: [] } : { kind })
              }
            />{' '}
            {kind === 'ALL' ? 'All videos' : kind === 'VIDEOS' ? 'Specific videos' : 'Videos tagged'}
          </label>
        ))}
        {scope.kind === 'VIDEOS' && (
          <VideoPicker
            label="Videos this trigger listens to"
            posts={postList}
            selected={scope.postIds}
            onChange={(postIds) => setScope({ kind: 'VIDEOS', postIds })}
          />
        )}
        {scope.kind === 'TAGGED' && (
          <label>
            Tags (comma-separated){' '}
            <input
              value={tags}
              maxLength={1000}
              placeholder="launch-week"
              onInput={(e) => setTags(e.currentTarget.value)}
            />
          </label>
        )}
      </fieldset>
      <Field
        label="Public reply under the comment (optional, one sentence)"
        name="publicReply"
        error={error}
        hint={<Counter id="reply-count" value={publicReply} max={150} />}
      >
        {(p) => (
          <input {...p} value={publicReply} maxLength={150} onInput={(e) => setPublicReply(e.currentTarget.value)} />
        )}
      </Field>
      <fieldset>
        <legend>The DM</legend>
        <label class="check">
          <input
            type="radio"
            name="action"
            checked={actionKind === 'MESSAGE'}
            onChange={() => setActionKind('MESSAGE')}
          />{' '}
          Send a message
        </label>
        <label class="check">
          <input type="radio" name="action" checked={actionKind === 'FLOW'} onChange={() => setActionKind('FLOW')} />{' '}
          Run a flow
        </label>
      </fieldset>
      {actionKind === 'MESSAGE' ? (
        <Field
          label="DM message"
          name="action.text"
          error={error}
          hint={<Counter id="message-count" value={message} max={1000} />}
        >
          {(p) => (
            <textarea
              {...p}
              rows={4}
              value={message}
              maxLength={1000}
              onInput={(e) => setMessage(e.currentTarget.value)}
            />
          )}
        </Field>
      ) : (
        <>
          <ErrorPanel error={flows.error} />
          <Field
            label="Flow"
            name="action.flowId"
            error={error}
            hint={
              <>
                The flow’s first blocks go out as the DM. <Link href="/automations/flows/new">New flow</Link>
              </>
            }
          >
            {(p) => (
              <select {...p} value={flowId} onChange={(e) => setFlowId(e.currentTarget.value)}>
                <option value="">{flows.data ? 'Choose a flow…' : 'Loading flows…'}</option>
                {(flows.data ?? []).map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name} (version {f.version})
                  </option>
                ))}
              </select>
            )}
          </Field>
        </>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save trigger'}
        </button>
      </div>
    </form>
  );
}

export function NewTriggerPage() {
  return (
    <section aria-labelledby="new-trigger-title">
      <h1 id="new-trigger-title">New trigger</h1>
      <TriggerEditor trigger={null} />
    </section>
  );
}
