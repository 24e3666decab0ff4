import { useState } from 'preact/hooks';
import { api, storeToken, type Me } from './api.js';
import { ErrorLine } from './ui.js';

/** One field: an API token (the admin token file's content, or one from `portwarden tokens`). */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const token = new FormData(event.currentTarget as HTMLFormElement).get('token');
    if (typeof token !== 'string' || token.trim() === '') return setError('paste an API token');
    setBusy(true);
    try {
      const me = await api<Me>('/api/v1/whoami', { token: token.trim() });
      storeToken(token.trim());
      onSignedIn(me);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page sign-in">
      <h1>Portwarden</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          required
          autofocus
          aria-describedby="token-help"
        />
        <p id="token-help" class="muted">
          The quick start writes the admin token to <code>.portwarden/admin-token</code>; others come from{' '}
          <code>portwarden api-token create</code>.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorLine message={error} />
      </form>
    </main>
  );
}
