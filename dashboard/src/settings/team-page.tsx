// Settings → Team: members (role, status, last login) and invitations. Everyone reads; admins manage.
// The plan's seats show as "N of M seats used"; when all are taken, adding and inviting are disabled and say why.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { PLAN_NAMES } from '../names';
import { Link } from '../router';
import { usePermissions, useSession } from '../session';
import { ErrorPanel, Field, formatDate, useLoad } from '../ui';

type Member = ApiData<typeof api.team.members.$get>[number];
type Seats = ApiData<typeof api.team.seats.$get>;
const ROLES = ['OWNER', 'ADMIN', 'AGENT', 'VIEWER'] as const;
type Role = (typeof ROLES)[number];

export function TeamPage() {
  const { canManageSettings } = usePermissions();
  const { account } = useSession();
  const members = useLoad(() => call(api.team.members.$get()), []);
  const invitations = useLoad(() => call(api.team.invitations.$get()), []);
  const seats = useLoad(() => call(api.team.seats.$get()), []);
  const [actionError, setActionError] = useState<unknown>(null);
  // Roles this member may hand out: only an owner grants OWNER.
  const grantable = ROLES.filter((r) => r !== 'OWNER' || account.role === 'OWNER');

  const act = async (action: Promise<unknown>) => {
    setActionError(null);
    try {
      await action;
      await Promise.all([members.reload(), invitations.reload(), seats.reload()]);
    } catch (err) {
      setActionError(err);
    }
  };

  const pending = invitations.data?.filter((i) => i.status === 'PENDING') ?? [];
  const activeOwners = members.data?.filter((m) => m.role === 'OWNER' && m.status === 'ACTIVE').length ?? 0;
  // The server refuses with 402 SEAT_LIMIT anyway; this says so before anyone fills in a form.
  const seatsFull = seats.data !== undefined && seats.data.available <= 0;

  return (
    <section aria-labelledby="team-title">
      <h1 id="team-title">Team</h1>
      <SeatSummary seats={seats.data} failed={seats.error !== undefined} />
      {seatsFull && canManageSettings && (
        <p id="seats-full" class="notice" role="note">
          All seats are taken: adding or inviting someone needs a free seat. Remove a member or revoke an invitation to
          free one, or {account.role === 'OWNER' ? 'upgrade the plan on ' : 'ask an owner to upgrade the plan on '}
          <Link href="/settings/billing">Billing</Link>.
        </p>
      )}
      <ErrorPanel error={members.error ?? actionError} />
      <table class="table">
        <caption class="sr-only">Team members</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            <th scope="col">Last login</th>
            {canManageSettings && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {members.data?.map((m) => (
            <MemberRow
              key={m.id}
              member={m}
              actionsColumn={canManageSettings}
              editable={canManageSettings && (m.role !== 'OWNER' || account.role === 'OWNER')}
              // The only owner cannot suspend or remove themselves: the organisation would have no owner.
              soleOwnerSelf={m.userId === account.user.id && m.role === 'OWNER' && activeOwners === 1}
              grantable={grantable}
              act={act}
            />
          ))}
        </tbody>
      </table>
      {canManageSettings && (
        <AddMember
          grantable={grantable}
          seatsFull={seatsFull}
          onDone={() => Promise.all([members.reload(), seats.reload()])}
        />
      )}

      <h2>Invitations</h2>
      {canManageSettings && (
        <InviteForm
          grantable={grantable}
          seatsFull={seatsFull}
          onDone={() => Promise.all([invitations.reload(), seats.reload()])}
        />
      )}
      {pending.length === 0 ? (
        <p class="muted">No pending invitations.</p>
      ) : (
        <ul class="plain-list" aria-label="Pending invitations">
          {pending.map((i) => (
            <li key={i.id}>
              {i.email} <span class="role">{i.role}</span> <span class="muted">expires {formatDate(i.expiresAt)}</span>{' '}
              {canManageSettings && (
                <button
                  type="button"
                  class="link danger"
                  onClick={() => act(call(api.team.invitations[':id'].$delete({ param: { id: i.id } })))}
                >
                  Revoke invitation for {i.email}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function MemberRow({
  member: m,
  actionsColumn,
  editable,
  soleOwnerSelf,
  grantable,
  act,
}: {
  member: Member;
  actionsColumn: boolean;
  editable: boolean;
  soleOwnerSelf: boolean;
  grantable: readonly Role[];
  act: (p: Promise<unknown>) => Promise<void>;
}) {
  const update = (json: { role?: Role; status?: 'ACTIVE' | 'SUSPENDED' }) =>
    act(call(api.team.members[':id'].$patch({ param: { id: m.id }, json })));
  return (
    <tr>
      <td>
        <span class="avatar" aria-hidden="true">
          {initials(m.name)}
        </span>
        <strong>{m.name}</strong> <span class="muted">{m.email}</span>{' '}
        {m.status !== 'ACTIVE' && <span class="badge-inactive">Inactive</span>}
      </td>
      <td>
        {editable ? (
          <select
            aria-label={`Role of ${m.name}`}
            value={m.role}
            onChange={(e) => update({ role: e.currentTarget.value as Role })}
          >
            {(grantable.includes(m.role) ? grantable : [m.role, ...grantable]).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        ) : (
          <span class={`role role-${m.role.toLowerCase()}`}>{m.role}</span>
        )}
      </td>
      <td>{m.lastLoginAt ? formatDate(m.lastLoginAt) : 'Never'}</td>
      {editable && !soleOwnerSelf ? (
        <td class="actions">
          {m.status === 'ACTIVE' ? (
            <ConfirmButton
              class=""
              message={`Suspend ${m.name}? They are logged out at once and cannot log in to this organisation until reactivated.`}
              confirmLabel={`Suspend ${m.name}`}
              onConfirm={() => update({ status: 'SUSPENDED' })}
            >
              Suspend <span class="sr-only">{m.name}</span>
            </ConfirmButton>
          ) : (
            <button type="button" onClick={() => update({ status: 'ACTIVE' })}>
              Reactivate <span class="sr-only">{m.name}</span>
            </button>
          )}
          <ConfirmButton
            message={`Remove ${m.name}? They lose access to this organisation at once and are logged out; their conversations stay, unassigned from them.`}
            confirmLabel={`Remove ${m.name}`}
            onConfirm={() => act(call(api.team.members[':id'].$delete({ param: { id: m.id } })))}
          >
            Remove <span class="sr-only">{m.name}</span>
          </ConfirmButton>
        </td>
      ) : (
        actionsColumn && <td />
      )}
    </tr>
  );
}

/** "3 of 5 seats used" on the plan, pending invitations included (they hold a seat until accepted or revoked). */
function SeatSummary({ seats, failed }: { seats: Seats | undefined; failed: boolean }) {
  if (failed) return <p class="muted">The seat count could not be loaded.</p>;
  if (!seats) return null;
  return (
    <p data-testid="seats">
      <strong>
        {seats.used} of {seats.limit} seats used
      </strong>{' '}
      on the {PLAN_NAMES[seats.plan]} plan
      {seats.pending > 0 && ` (${seats.pending} held by pending ${seats.pending === 1 ? 'invitation' : 'invitations'})`}
      {seats.used > seats.limit && ': more members than the plan includes; they keep access, and no one new can join'}.
    </p>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase() ?? '')
    .join('');
}

function AddMember({
  grantable,
  seatsFull,
  onDone,
}: {
  grantable: readonly Role[];
  seatsFull: boolean;
  onDone: () => unknown;
}) {
  const [role, setRole] = useState<Role>('AGENT');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ email: string; password?: string } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    setError(null);
    try {
      const result = await call(
        api.team.members.$post({
          json: {
            email: String(form.get('email')),
            name: String(form.get('name')),
            role,
            password: String(form.get('password') ?? ''),
          },
        }),
      );
      setCreated({ email: result.member.email, password: result.temporaryPassword });
      formEl.reset();
      onDone();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-member-title" noValidate>
      <h2 id="add-member-title">Add a member</h2>
      <div class="row">
        <Field label="Email" name="email" error={error}>
          {(p) => <input {...p} type="email" required />}
        </Field>
        <Field label="Name" name="name" error={error}>
          {(p) => <input {...p} required />}
        </Field>
        <RoleField role={role} setRole={setRole} grantable={grantable} error={error} />
        <Field label="Password (optional)" name="password" error={error} hint="Leave blank to generate one">
          {(p) => <input {...p} type="password" autoComplete="new-password" />}
        </Field>
      </div>
      <ErrorPanel error={error} />
      <SeatSubmit seatsFull={seatsFull}>Add member</SeatSubmit>
      {created && (
        <div class="success" role="status">
          {created.password ? (
            <>
              <p>
                {created.email} can sign in now. Temporary password, shown only once — copy it and pass it on securely:
              </p>
              <p>
                <code data-testid="temporary-password">{created.password}</code>{' '}
                <button type="button" onClick={() => navigator.clipboard?.writeText(created.password!)}>
                  Copy password
                </button>{' '}
                <button type="button" onClick={() => setCreated(null)}>
                  I have copied it
                </button>
              </p>
            </>
          ) : (
            <p>{created.email} can sign in now with the password you set.</p>
          )}
        </div>
      )}
    </form>
  );
}

function InviteForm({
  grantable,
  seatsFull,
  onDone,
}: {
  grantable: readonly Role[];
  seatsFull: boolean;
  onDone: () => unknown;
}) {
  const [role, setRole] = useState<Role>('AGENT');
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<{ email: string; link: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    setError(null);
    try {
      const email = String(form.get('email'));
      const result = await call(api.team.invitations.$post({ json: { email, role } }));
      setSent({ email, link: result.inviteUrl });
      setCopied(false);
      formEl.reset();
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card row" onSubmit={submit} aria-label="Invite by email" noValidate>
      <Field label="Invite email" name="email" error={error}>
        {(p) => <input {...p} type="email" required />}
      </Field>
      <RoleField role={role} setRole={setRole} grantable={grantable} error={error} />
      <SeatSubmit seatsFull={seatsFull}>Send invitation</SeatSubmit>
      <ErrorPanel error={error} />
      {sent && (
        <div class="success" role="status">
          <p>Invitation sent to {sent.email}. You can also pass on the link yourself (it works once, for 7 days):</p>
          <p>
            <input readOnly aria-label="Invitation link" value={sent.link} onFocus={(e) => e.currentTarget.select()} />{' '}
            <button
              type="button"
              onClick={() =>
                navigator.clipboard?.writeText(sent.link).then(
                  () => setCopied(true),
                  () => setCopied(false),
                )
              }
            >
              {copied ? 'Copied' : 'Copy link'}
            </button>
          </p>
        </div>
      )}
    </form>
  );
}

/** The role a new member or invitation gets, among those this member may hand out. */
function RoleField({
  role,
  setRole,
  grantable,
  error,
}: {
  role: Role;
  setRole: (role: Role) => void;
  grantable: readonly Role[];
  error: unknown;
}) {
  return (
    <Field label="Role" name="role" error={error}>
      {(p) => (
        <select {...p} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          {grantable.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A form's submit button that needs a free seat; the notice it points to says why it is disabled. */
function SeatSubmit({ seatsFull, children }: { seatsFull: boolean; children: ComponentChildren }) {
  return (
    <button type="submit" class="primary" disabled={seatsFull} aria-describedby={seatsFull ? 'seats-full' : undefined}>
      {children}
    </button>
  );
}
