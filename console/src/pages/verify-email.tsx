import { useEffect, useRef, useState } from 'react';
import { api, explain } from '../api.ts';
import { Link } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage, Loading, Notice, Page } from '../ui.tsx';
import { ResendVerification } from '../verification.tsx';

/**
 * The landing page of the verification email (`/verify-email?token=…`). The token leaves the address
 * bar (and so the history) as soon as it is read; the page is served with `Referrer-Policy: no-referrer`.
 */
export function VerifyEmailPage({ search }: PageProps) {
  const { user, refresh } = useSession();
  const [token] = useState(() => search.get('token'));
  const [state, setState] = useState<{ status: 'working' | 'done' | 'failed'; error?: unknown }>({
    status: token ? 'working' : 'failed',
  });
  const started = useRef(false);

  useEffect(() => {
    if (started.current || !token) return;
    started.current = true;
    window.history.replaceState(null, '', '/verify-email');
    api.call('POST /v1/auth/verify-email', { body: { token } }).then(
      async () => {
        await refresh();
        setState({ status: 'done' });
      },
      (error: unknown) => setState({ status: 'failed', error }),
    );
  }, [token, refresh]);

  return (
    <Page title="Verify your email">
      <div className="card narrow">
        {state.status === 'working' ? <Loading label="Verifying your email address…" /> : null}
        {state.status === 'done' ? (
          <>
            <Notice>Your email address is verified.</Notice>
            <p>
              <Link className="button primary" to={user ? '/' : '/sign-in'}>
                {user ? 'Continue' : 'Sign in'}
              </Link>
            </p>
          </>
        ) : null}
        {state.status === 'failed' ? (
          <>
            <ErrorMessage>
              {state.error
                ? explain(state.error)
                : 'This link has no verification token. Open the link from the email again.'}
            </ErrorMessage>
            {user && !user.emailVerified ? (
              <p>
                <ResendVerification />
              </p>
            ) : null}
            {!user ? (
              <p>
                <Link to="/sign-in">Sign in</Link> to ask for a new link.
              </p>
            ) : null}
          </>
        ) : null}
      </div>
    </Page>
  );
}
