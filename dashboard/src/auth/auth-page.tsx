// Log in, sign up (creates the organisation and its owner, then logs in) and accept an invitation (an existing
// account accepts from its own session; a new person creates their account here).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, call } from '../api';
import { Link, navigate } from '../router';
import type { Account } from '../session';
import { ErrorPanel, Field } from '../ui';

type Mode = 'login' | 'signup' | 'invite';

interface InvitationInfo {
  email: string;
  role: string;
  status: 'PENDING' | 'ACTIVE' | 'REVOKED' | 'EXPIRED';
  organizationName: string;
  invitedBy: string | null;
}

const CLOSED_INVITATION: Record<'ACTIVE' | 'REVOKED' | 'EXPIRED', string> = {
  ACTIVE: 'This invitation has already been accepted. Log in to continue.',
  REVOKED: 'This invitation was withdrawn or replaced by a newer one. Ask the person who invited you for a new link.',
  EXPIRED: 'This invitation has expired. Ask the person who invited you for a new link.',
};

const TITLES: Record<Mode, string> = {
  login: 'Log in to HelpStack',
  signup: 'Create your HelpStack account',
  invite: 'Accept your invitation',
};

export function AuthPage({
  mode,
  token,
  onAccount,
}: {
  mode: Mode;
  token?: string;
  onAccount: (account: Account) => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // On an invitation, a member already logged in accepts as themselves (an existing account must).
  const [signedInAs, setSignedInAs] = useState<string | null>(null);
  useEffect(() => {
    if (mode !== 'invite') return;
    api.auth.me
      .$get()
      .then((res) => (res.ok ? res.json() : null))
      .then((body) => setSignedInAs(body?.success ? body.data.user.email : null))
      .catch(() => setSignedInAs(null));
  }, [mode]);

  // What the invitation is for (organisation, role, address), and whether it can still be accepted.
  const [invitation, setInvitation] = useState<InvitationInfo | null | 'missing'>(null);
  useEffect(() => {
    if (mode !== 'invite' || !token) return;
    call(api.team.invitations[':token'].$get({ param: { token } })).then(setInvitation, (err) =>
      // Only a 404 means the link is unknown; other failures leave the form as it is.
      setInvitation(err instanceof ApiError && err.status === 404 ? 'missing' : null),
    );
  }, [mode, token]);

  const logIn = (email: string, password: string) => call(api.auth.login.$post({ json: { email, password } }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '');
    setBusy(true);
    setError(null);
    try {
      let account: Account;
      if (mode === 'login') {
        account = await logIn(value('email'), value('password'));
      } else if (mode === 'signup') {
        // Sign-up answers the same whether or not the email is taken and logs no one in: log in next.
        await call(
          api.auth.signup.$post({
            json: {
              email: value('email'),
              password: value('password'),
              name: value('name'),
              organizationName: value('organizationName'),
            },
          }),
        );
        account = await logIn(value('email'), value('password')).catch((err) => {
          throw err instanceof ApiError && err.status === 401
            ? new ApiError(
                401,
                'We could not log you in. If this email already has an account, we have emailed it: log in instead.',
              )
            : err;
        });
      } else {
        account = await call(
          api.team.invitations[':token'].accept.$post({
            param: { token: token! },
            json: signedInAs ? {} : { name: value('name') || undefined, password: value('password') || undefined },
          }),
        );
      }
      // The app shell takes it from here (to ?next= or the inbox).
      onAccount(account);
      if (mode === 'invite') navigate('/conversations', true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const inviteLogin = `/login?next=${encodeURIComponent(`/invite/${token ?? ''}`)}`;

  const closed = invitation === 'missing' ? 'REVOKED' : invitation?.status !== 'PENDING' ? invitation?.status : null;
  if (mode === 'invite' && closed) {
    return (
      <main id="main" class="auth">
        <section class="card auth-card" aria-labelledby="auth-title">
          <h1 id="auth-title">{TITLES.invite}</h1>
          <p role="alert">{CLOSED_INVITATION[closed]}</p>
          <p>
            <Link href="/login">Go to log in</Link>
          </p>
        </section>
      </main>
    );
  }
  const about =
    mode === 'invite' && invitation && invitation !== 'missing' ? (
      <p class="invite-about">
        {invitation.invitedBy ? `${invitation.invitedBy} invited ` : 'You are invited: '}
        <strong>{invitation.email}</strong> to join <strong>{invitation.organizationName}</strong> as{' '}
        <strong>{invitation.role}</strong>.
      </p>
    ) : null;

  if (mode === 'invite' && signedInAs) {
    return (
      <main id="main" class="auth">
        <form class="card auth-card" onSubmit={submit} noValidate aria-labelledby="auth-title">
          <h1 id="auth-title">{TITLES.invite}</h1>
          {about}
          <p>
            You are logged in as <strong>{signedInAs}</strong>. The invitation is accepted only by the email it was sent
            to.
          </p>
          <ErrorPanel error={error} />
          <button type="submit" class="primary" disabled={busy}>
            Accept invitation
          </button>
        </form>
      </main>
    );
  }

  return (
    <main id="main" class="auth">
      <form class="card auth-card" onSubmit={submit} noValidate aria-labelledby="auth-title">
        <h1 id="auth-title">{TITLES[mode]}</h1>
        {about}
        {mode !== 'login' && (
          <Field label="Your name" name="name" error={error}>
            {(p) => <input {...p} autoComplete="name" required />}
          </Field>
        )}
        {mode === 'signup' && (
          <Field label="Organization name" name="organizationName" error={error}>
            {(p) => <input {...p} autoComplete="organization" required />}
          </Field>
        )}
        {mode !== 'invite' && (
          <Field label="Email" name="email" error={error}>
            {(p) => <input {...p} type="email" autoComplete="email" required />}
          </Field>
        )}
        <Field
          label="Password"
          name="password"
          error={error}
          hint={mode === 'login' ? undefined : 'At least 8 characters'}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              required
            />
          )}
        </Field>
        <ErrorPanel error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {mode === 'login' ? 'Log in' : mode === 'signup' ? 'Create account' : 'Accept invitation'}
        </button>
        {mode === 'login' ? (
          <p>
            New to HelpStack? <Link href="/signup">Create an account</Link> ·{' '}
            <Link href="/forgot-password">Forgot your password?</Link>
          </p>
        ) : mode === 'invite' ? (
          <p>
            Already have a HelpStack account? <Link href={inviteLogin}>Log in</Link>, then accept.
          </p>
        ) : (
          <p>
            Already have an account? <Link href="/login">Log in</Link>
          </p>
        )}
      </form>
    </main>
  );
}
