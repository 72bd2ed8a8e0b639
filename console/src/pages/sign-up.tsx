import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { checkEmail, checkName, type Problems, problems } from '../checks.ts';
import { InvitationForRequest, RequestNotice } from '../oidc.tsx';
import { Link, navigate, safeNext } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import {
  EmailField,
  ErrorMessage,
  NameField,
  Page,
  PasswordField,
  ProblemSummary,
  useSubmit,
} from '../ui.tsx';

const LABELS = { name: 'Name', email: 'Email', password: 'Password' };

/**
 * `?next=` is where to go afterwards; `?email=` prefills the address. When `next` is an application's
 * sign-in request, the page names the application and also takes the link of an invitation email.
 */
export function SignUpPage({ search }: PageProps) {
  const { refresh } = useSession();
  const [name, setName] = useState('');
  const [email, setEmail] = useState(search.get('email') ?? '');
  const [password, setPassword] = useState('');
  const next = safeNext(search.get('next'));
  const form = useSubmit(async () => {
    await api.call('POST /v1/auth/sign-up', { body: { name, email, password } });
    await refresh();
    navigate(next, { replace: true });
  });

  const [found, setFound] = useState<Problems>({});
  /** Every problem at once, in words, before asking the API. */
  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    const now = problems({
      name: checkName(name, 'your name'),
      email: checkEmail(email),
      password: password.length < 8 ? 'Choose a password of at least 8 characters.' : undefined,
    });
    setFound(now);
    if (Object.keys(now).length === 0) void form.submit();
  }
  const fields = { ...form.fields, ...found };

  return (
    <Page title="Create your account">
      <div className="stack narrow">
        <RequestNotice next={next} />
        <form className="card" onSubmit={submit} noValidate>
          <ProblemSummary problems={found} labels={LABELS} />
          <ErrorMessage>{form.message}</ErrorMessage>
          <NameField value={name} onChange={(e) => setName(e.target.value)} error={fields.name} />
          <EmailField value={email} onChange={(e) => setEmail(e.target.value)} error={fields.email} />
          <PasswordField
            choosing
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fields.password}
          />
          <button type="submit" className="button primary" disabled={form.busy}>
            {form.busy ? 'Creating your account…' : 'Create account'}
          </button>
          <p className="form-footer">
            Already have an account? <Link to={`/sign-in?${new URLSearchParams(search)}`}>Sign in</Link>
          </p>
        </form>
        <InvitationForRequest next={next} />
      </div>
    </Page>
  );
}
