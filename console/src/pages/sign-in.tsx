import { type FormEvent, useState } from 'react';
import { api, explain, fieldErrors } from '../api.ts';
import { Link, navigate, safeNext } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage, Field, Page } from '../ui.tsx';

/** `?next=` is where to go afterwards; `?email=` prefills the address. */
export function SignInPage({ search }: PageProps) {
  const { refresh } = useSession();
  const [email, setEmail] = useState(search.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(search.get('next'));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.call('POST /v1/auth/sign-in', { body: { email, password } });
      await refresh();
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const fields = fieldErrors(error);
  const query = new URLSearchParams(search);
  return (
    <Page title="Sign in">
      <form className="card narrow" onSubmit={submit} noValidate>
        <ErrorMessage>{error ? explain(error) : null}</ErrorMessage>
        <Field
          label="Email"
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fields.email}
        />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fields.password}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="form-footer">
          New to Roster? <Link to={`/sign-up?${query}`}>Create an account</Link>
        </p>
      </form>
    </Page>
  );
}
