import { useState } from 'react';
import { api } from '../api.ts';
import { Link, navigate, safeNext } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { EmailField, ErrorMessage, Page, PasswordField, useSubmit } from '../ui.tsx';

/** `?next=` is where to go afterwards; `?email=` prefills the address. */
export function SignInPage({ search }: PageProps) {
  const { refresh } = useSession();
  const [email, setEmail] = useState(search.get('email') ?? '');
  const [password, setPassword] = useState('');
  const next = safeNext(search.get('next'));
  const form = useSubmit(async () => {
    await api.call('POST /v1/auth/sign-in', { body: { email, password } });
    await refresh();
    navigate(next, { replace: true });
  });

  return (
    <Page title="Sign in">
      <form className="card narrow" onSubmit={form.submit} noValidate>
        <ErrorMessage>{form.message}</ErrorMessage>
        <EmailField value={email} onChange={(e) => setEmail(e.target.value)} error={form.fields.email} />
        <PasswordField
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={form.fields.password}
        />
        <button type="submit" className="button primary" disabled={form.busy}>
          {form.busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="form-footer">
          New to Roster? <Link to={`/sign-up?${new URLSearchParams(search)}`}>Create an account</Link>
        </p>
      </form>
    </Page>
  );
}
