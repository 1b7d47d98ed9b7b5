// "Forgot password": ask for a link by email, then choose a new password with it. The first page answers the
// same whether or not the address has an account.
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { Link } from '../router';
import { ErrorPanel, Field } from '../ui';

/**
 * A form of one field sent to the server, whose answer is a message to show: `busy` while it is on its way, the
 * error (if any) for the form's error display.
 */
function useOneFieldForm(name: string, send: (value: string) => Promise<{ message: string }>) {
  const [error, setError] = useState<unknown>(null);
  const [answer, setAnswer] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const value = String(new FormData(e.currentTarget as HTMLFormElement).get(name) ?? '');
    setBusy(true);
    setError(null);
    try {
      setAnswer((await send(value)).message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { error, answer, busy, submit };
}

export function ForgotPasswordPage() {
  const { error, answer, busy, submit } = useOneFieldForm('email', (email) =>
    call(api.auth['forgot-password'].$post({ json: { email } })),
  );
  return (
    <main id="main" class="auth">
      <form class="card auth-card" onSubmit={submit} noValidate aria-labelledby="forgot-title">
        <h1 id="forgot-title">Reset your password</h1>
        {answer ? (
          <p role="status">{answer}</p>
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
  const { error, answer, busy, submit } = useOneFieldForm('password', (password) =>
    call(api.auth['reset-password'].$post({ json: { token, password } })),
  );
  return (
    <main id="main" class="auth">
      <form class="card auth-card" onSubmit={submit} noValidate aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        {answer ? (
          <p role="status">
            {answer} <Link href="/login">Log in</Link>
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
