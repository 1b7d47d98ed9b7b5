// The member's own profile (/settings/profile): their name, and a password change that needs the current
// password and logs out every other session.
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { useSession } from '../session';
import { ErrorPanel, Field } from '../ui';

export function ProfilePage() {
  const { account, setAccount } = useSession();
  const [nameError, setNameError] = useState<unknown>(null);
  const [nameSaved, setNameSaved] = useState(false);
  const [passwordError, setPasswordError] = useState<unknown>(null);
  const [passwordDone, setPasswordDone] = useState<string | null>(null);

  const saveName = async (e: Event) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget as HTMLFormElement).get('name') ?? '');
    setNameError(null);
    setNameSaved(false);
    try {
      const { user } = await call(api.auth.profile.$patch({ json: { name } }));
      setAccount({ ...account, user });
      setNameSaved(true);
    } catch (err) {
      setNameError(err);
    }
  };

  const changePassword = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setPasswordError(null);
    setPasswordDone(null);
    try {
      const result = await call(
        api.auth.password.$post({
          json: {
            currentPassword: String(data.get('currentPassword') ?? ''),
            newPassword: String(data.get('newPassword') ?? ''),
          },
        }),
      );
      form.reset();
      setPasswordDone(
        result.otherSessionsEnded
          ? `Password changed. ${result.otherSessionsEnded} other session${result.otherSessionsEnded === 1 ? ' was' : 's were'} logged out.`
          : 'Password changed.',
      );
    } catch (err) {
      setPasswordError(err);
    }
  };

  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">Your profile</h1>
      <form class="card" onSubmit={saveName} noValidate aria-labelledby="profile-name-title">
        <h2 id="profile-name-title">Name</h2>
        <p class="muted">Signed in as {account.user.email}</p>
        <Field label="Name" name="name" error={nameError}>
          {(p) => <input {...p} defaultValue={account.user.name} autoComplete="name" required maxLength={100} />}
        </Field>
        <ErrorPanel error={nameError} />
        <button type="submit" class="primary">
          Save name
        </button>
        {nameSaved && <p role="status">Saved.</p>}
      </form>
      <form class="card" onSubmit={changePassword} noValidate aria-labelledby="profile-password-title">
        <h2 id="profile-password-title">Password</h2>
        <Field label="Current password" name="currentPassword" error={passwordError}>
          {(p) => <input {...p} type="password" autoComplete="current-password" required />}
        </Field>
        <Field label="New password" name="newPassword" error={passwordError} hint="At least 8 characters">
          {(p) => <input {...p} type="password" autoComplete="new-password" required />}
        </Field>
        <ErrorPanel error={passwordError} />
        <button type="submit" class="primary">
          Change password
        </button>
        {passwordDone && <p role="status">{passwordDone}</p>}
      </form>
    </section>
  );
}
