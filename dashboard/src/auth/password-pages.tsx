// "Forgot password": ask for a link by email, then choose a new password with it. The first page answers the
// same whether or not the address has an account.
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { Link } from '../router';
import { ErrorPanel, Field } from '../ui';

export function ForgotPasswordPage() {
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget as HTMLFormElement).get('email') ?? '');
    setBusy(true);
    setError(null);
    try {
      setSent((await call(api.auth['forgot-password'].$post({ json: { email } }))).message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="auth">
      <form class="card auth-card" onSubmit={submit} noValidate aria-labelledby="forgot-title">
        <h1 id="forgot-title">Reset your password</h1>
        {sent ? (
          <p role="status">{sent}</p>
        ) : (
          <>
            <p>Enter the email address of your account. We will email you a link to choose a new password.</p>
            <Field label="Email" name="email" error={error}>
              {(p) => <input {...p} type="email" autoComplete="email" required />}
            </Field>
            <ErrorPanel error={error} />
            <button type="submit" class="primary" disabled={busy}>
              Email me a link
            </button>
          </>
        )}
        <p>
          <Link href="/login">Back to log in</Link>
        </p>
      </form>
    </main>
  );
}

export function ResetPasswordPage() {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const password = String(new FormData(e.currentTarget as HTMLFormElement).get('password') ?? '');
    setBusy(true);
    setError(null);
    try {
      setDone((await call(api.auth['reset-password'].$post({ json: { token, password } }))).message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="auth">
      <form class="card auth-card" onSubmit={submit} noValidate aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        {done ? (
          <p role="status">
            {done} <Link href="/login">Log in</Link>
          </p>
        ) : (
          <>
            <Field label="New password" name="password" error={error} hint="At least 8 characters">
              {(p) => <input {...p} type="password" autoComplete="new-password" required />}
            </Field>
            <ErrorPanel error={error} shownFields={['password']} />
            <button type="submit" class="primary" disabled={busy || !token}>
              Set new password
            </button>
            {!token && <p role="alert">This link has no token: open the link from the email again.</p>}
          </>
        )}
      </form>
    </main>
  );
}
