// Log in, sign up (creates the organisation and its owner) and accept an invitation.
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { Link, navigate } from '../router';
import type { Account } from '../session';
import { ErrorPanel, Field } from '../ui';

type Mode = 'login' | 'signup' | 'invite';

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

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '');
    setBusy(true);
    setError(null);
    try {
      const account =
        mode === 'login'
          ? await call(api.auth.login.$post({ json: { email: value('email'), password: value('password') } }))
          : mode === 'signup'
            ? await call(
                api.auth.signup.$post({
                  json: {
                    email: value('email'),
                    password: value('password'),
                    name: value('name'),
                    organizationName: value('organizationName'),
                  },
                }),
              )
            : await call(
                api.team.invitations[':token'].accept.$post({
                  param: { token: token! },
                  json: { name: value('name') || undefined, password: value('password') || undefined },
                }),
              );
      // The app shell takes it from here (to ?next= or the inbox).
      onAccount(account as Account);
      if (mode === 'invite') navigate('/conversations', true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth">
      <form class="card auth-card" onSubmit={submit} noValidate aria-labelledby="auth-title">
        <h1 id="auth-title">{TITLES[mode]}</h1>
        {mode !== 'login' && (
          <Field label="Your name" name="name" error={error}>
            {(p) => <input {...p} autoComplete="name" required={mode === 'signup'} />}
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
              required={mode !== 'invite'}
            />
          )}
        </Field>
        <ErrorPanel error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {mode === 'login' ? 'Log in' : mode === 'signup' ? 'Create account' : 'Accept invitation'}
        </button>
        {mode === 'login' ? (
          <p>
            New to HelpStack? <Link href="/signup">Create an account</Link>
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
