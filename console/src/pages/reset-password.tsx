import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { api, errorCode, explain } from '../api.ts';
import { Link, safeNext } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { type Challenge, passwordSignIn, SecondStep } from '../sign-in-flow.tsx';
import { ErrorMessage, Field, Notice, navigateWithNotice, Page, PasswordField, useSubmit } from '../ui.tsx';

/** Refusals that mean the link itself is dead: the form goes, and the way to a new link stays. */
const DEAD_LINK = new Set([
  'RESET_LINK_INVALID',
  'RESET_LINK_USED',
  'RESET_LINK_EXPIRED',
  'RESET_LINK_SUPERSEDED',
]);

const CHANGED = 'Your password was changed, and every other session of your account was signed out.';

/**
 * The landing page of the password-reset email (`/reset-password?token=…`). The token leaves the
 * address bar as soon as it is read and stays in memory. Once the new password is set, the page signs
 * in with it (the second step too, when the account has a second factor) and goes home (or `?next=`).
 */
export function ResetPasswordPage({ search }: PageProps) {
  const { refresh } = useSession();
  const [token] = useState(() => search.get('token'));
  const [next] = useState(() => safeNext(search.get('next')));
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [challenge, setChallenge] = useState<{ email: string; challenge: Challenge } | null>(null);
  /** Set, but signing in afterwards failed: the person signs in on the sign-in page. */
  const [setButNotIn, setSetButNotIn] = useState<{ email: string; why: string } | null>(null);

  useEffect(() => {
    if (token) window.history.replaceState(null, '', '/reset-password');
  }, [token]);

  const signedIn = async () => {
    await refresh();
    navigateWithNotice(next, CHANGED, { replace: true });
  };
  const form = useSubmit(async () => {
    if (!token) return;
    const { user } = await api.call('POST /v1/auth/password-reset/confirm', { body: { token, password } });
    try {
      const asked = await passwordSignIn(user.email, password);
      if (asked) setChallenge({ email: user.email, challenge: asked });
      else await signedIn();
    } catch (err) {
      setSetButNotIn({ email: user.email, why: explain(err) });
    }
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (password !== again) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void form.submit();
  }

  if (challenge) {
    return (
      <Page title="Sign in">
        <Notice>Your password was changed. One more step to sign in.</Notice>
        <SecondStep
          challenge={challenge.challenge}
          onSignedIn={signedIn}
          onStartOver={(why) =>
            navigateWithNotice(
              `/sign-in?${new URLSearchParams({ email: challenge.email, next })}`,
              why ? `${CHANGED} ${why}` : `${CHANGED} Sign in with your new password.`,
              { replace: true },
            )
          }
        />
      </Page>
    );
  }

  let body: ReactNode;
  if (!token) {
    body = (
      <>
        <ErrorMessage>
          This link has no reset token. Open the link from the email again, or copy the whole address from it.
        </ErrorMessage>
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </>
    );
  } else if (setButNotIn) {
    body = (
      <>
        <Notice>{CHANGED}</Notice>
        <ErrorMessage>Signing in with it did not work: {setButNotIn.why}</ErrorMessage>
        <p>
          <Link to={`/sign-in?${new URLSearchParams({ email: setButNotIn.email })}`}>
            Sign in with your new password
          </Link>
        </p>
      </>
    );
  } else if (DEAD_LINK.has(errorCode(form.error) ?? '')) {
    body = (
      <>
        <ErrorMessage>{form.message}</ErrorMessage>
        <p className="row">
          <Link className="button primary" to="/forgot-password">
            Ask for a new link
          </Link>
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </>
    );
  } else {
    body = (
      <form onSubmit={submit} noValidate aria-label="Choose a new password">
        <p>Choose the new password of your account. Every session of the account will be signed out.</p>
        <ErrorMessage>{form.message}</ErrorMessage>
        <PasswordField
          choosing
          label="New password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={form.fields.password}
        />
        <Field
          label="Confirm new password"
          type="password"
          name="confirmPassword"
          autoComplete="new-password"
          required
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          error={mismatch ? 'The two passwords are not the same.' : undefined}
        />
        <button type="submit" className="button primary" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Set new password and sign in'}
        </button>
      </form>
    );
  }
  return (
    <Page title="Choose a new password">
      <div className="card narrow">{body}</div>
    </Page>
  );
}
