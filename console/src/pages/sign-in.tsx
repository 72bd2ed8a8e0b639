import { useState } from 'react';
import { RequestNotice } from '../oidc.tsx';
import { Link, navigate, safeNext } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { type Challenge, PasskeySignIn, passwordSignIn, SecondStep } from '../sign-in-flow.tsx';
import { EmailField, ErrorMessage, Notice, Page, PasswordField, useSubmit } from '../ui.tsx';

/**
 * `?next=` is where to go afterwards; `?email=` prefills the address. An account with a second factor
 * gets the second step on this page; a passkey signs in alone. When `next` is an application's sign-in
 * request (`/oidc/interaction/:uid`), the page names the application and offers to cancel.
 */
export function SignInPage({ search }: PageProps) {
  const { refresh } = useSession();
  const [email, setEmail] = useState(search.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  /** Why the person is back at the password step (the second step expired, ran out of tries…). */
  const [startedOver, setStartedOver] = useState<string | null>(null);
  const next = safeNext(search.get('next'));
  const done = async () => {
    await refresh();
    navigate(next, { replace: true });
  };
  const form = useSubmit(async () => {
    setStartedOver(null);
    const asked = await passwordSignIn(email, password);
    if (asked) setChallenge(asked);
    else await done();
  });

  if (challenge) {
    return (
      <Page title="Sign in">
        <RequestNotice next={next} />
        <SecondStep
          challenge={challenge}
          onSignedIn={done}
          onStartOver={(why) => {
            setChallenge(null);
            setPassword('');
            setStartedOver(why);
          }}
        />
      </Page>
    );
  }
  const forgot = new URLSearchParams();
  if (email.trim()) forgot.set('email', email.trim());
  return (
    <Page title="Sign in">
      <div className="stack narrow">
        <RequestNotice next={next} />
        <form className="card" onSubmit={form.submit} noValidate aria-label="Sign in">
          {startedOver ? <Notice>{startedOver}</Notice> : null}
          <ErrorMessage>{form.message}</ErrorMessage>
          <EmailField value={email} onChange={(e) => setEmail(e.target.value)} error={form.fields.email} />
          <PasswordField
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={form.fields.password}
          />
          <p className="field-aside">
            <Link to={`/forgot-password${forgot.size ? `?${forgot}` : ''}`}>Forgot password?</Link>
          </p>
          <button type="submit" className="button primary" disabled={form.busy}>
            {form.busy ? 'Signing in…' : 'Sign in'}
          </button>
          <p className="form-footer">
            New to Roster? <Link to={`/sign-up?${new URLSearchParams(search)}`}>Create an account</Link>
          </p>
        </form>
        <PasskeySignIn onSignedIn={done} />
      </div>
    </Page>
  );
}
