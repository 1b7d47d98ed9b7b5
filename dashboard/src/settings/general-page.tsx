// Settings → General: the workspace itself. Its name (admins rename it), its ID (what support asks for, with a
// copy button), and its plan: the plan's limits, the comment-listening window and the billing cycle.
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { CopyButton } from '../copy-button';
import { PLAN_NAMES } from '../names';
import { Link } from '../router';
import { usePermissions, useSession } from '../session';
import { ErrorPanel, Field, formatDate, useLoad } from '../ui';

export function GeneralPage() {
  const { account, setAccount } = useSession();
  const { canManageSettings } = usePermissions();
  const organization = account.organization;
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const details = useLoad(() => call(api.organization.$get()), []);
  const plan = details.data;

  const rename = async (e: Event) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget as HTMLFormElement).get('name') ?? '');
    setError(null);
    setSaved(false);
    try {
      const updated = await call(api.organization.$patch({ json: { name } }));
      setAccount({ ...account, organization: { ...organization, name: updated.name } });
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="general-title">
      <h1 id="general-title">General</h1>
      {canManageSettings ? (
        <form class="card" onSubmit={rename} noValidate aria-labelledby="workspace-name-title">
          <h2 id="workspace-name-title">Workspace name</h2>
          <Field label="Name" name="name" error={error} hint="Your team sees it in the dashboard's header.">
            {(p) => <input {...p} defaultValue={organization.name} required maxLength={100} />}
          </Field>
          <ErrorPanel error={error} />
          <button type="submit" class="primary">
            Save name
          </button>
          {saved && <p role="status">Saved.</p>}
        </form>
      ) : (
        <section class="card" aria-labelledby="workspace-name-title">
          <h2 id="workspace-name-title">Workspace name</h2>
          <p>{organization.name}</p>
          <p class="muted">Admins and the owner can rename the workspace.</p>
        </section>
      )}
      <section class="card" aria-labelledby="workspace-id-title">
        <h2 id="workspace-id-title">Workspace ID</h2>
        <p>
          <code>{organization.id}</code> <CopyButton text={organization.id} label="Copy workspace ID" />
        </p>
        <p class="muted">Support asks for this ID when you contact them about this workspace.</p>
      </section>
      <section class="card" aria-labelledby="workspace-plan-title">
        <h2 id="workspace-plan-title">Plan</h2>
        <ErrorPanel error={details.error} />
        <dl class="summary">
          <dt>Plan</dt>
          <dd>{PLAN_NAMES[organization.plan]}</dd>
          {plan && (
            <>
              <dt>Monthly active contacts</dt>
              <dd>{plan.limits.contacts.toLocaleString('en')}</dd>
              <dt>Seats</dt>
              <dd>{plan.limits.seats.toLocaleString('en')}</dd>
              <dt>Tokens per cycle</dt>
              <dd>{plan.limits.tokens.toLocaleString('en')}</dd>
              <dt>Comment-listening window</dt>
              <dd>Comments on posts up to {plan.commentListeningWindowDays} days old</dd>
              <dt>Current cycle</dt>
              <dd>
                {formatDate(plan.cycle.start)} – {formatDate(plan.cycle.end)}
              </dd>
            </>
          )}
          <dt>Created</dt>
          <dd>{formatDate(organization.createdAt)}</dd>
        </dl>
        <Link href="/settings/billing">Plans, usage and billing</Link>
      </section>
    </section>
  );
}
