import { type FormEvent, useState } from 'react';
import { api, explain, fieldErrors } from '../api.ts';
import { Link, navigate, safeNext } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage, Field, Page } from '../ui.tsx';

const MIN_PASSWORD = 8;

/** `?next=` is where to go afterwards; `?email=` prefills the address. */
export function SignUpPage({ search }: PageProps) {
  const { refresh } = useSession();
  const [name, setName] = useState('');
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
      await api.call('POST /v1/auth/sign-up', { body: { name, email, password } });
      await refresh();
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const fields = fieldErrors(error);
  return (
    <Page title="Create your account">
      <form className="card narrow" onSubmit={submit} noValidate>
        <ErrorMessage>{error ? explain(error) : null}</ErrorMessage>
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fields.name}
        />
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
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD}
          hint={`At least ${MIN_PASSWORD} characters.`}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fields.password}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
        <p className="form-footer">
          Already have an account? <Link to={`/sign-in?${new URLSearchParams(search)}`}>Sign in</Link>
        </p>
      </form>
    </Page>
  );
}
