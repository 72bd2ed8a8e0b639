import { useEffect, useRef, useState } from 'react';
import { api, errorCode, explain, type User } from '../api.ts';
import { Link } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { announceAccountChange, useSession } from '../session.tsx';
import { ErrorMessage, Loading, Notice, Page } from '../ui.tsx';

/**
 * The landing page of the email-change link, sent to the new address (`/confirm-email-change?token=…`):
 * it makes the new address the account's. The token leaves the address bar as soon as it is read; no
 * session is needed (the link may be opened on another device).
 */
export function ConfirmEmailChangePage({ search }: PageProps) {
  const { user, refresh } = useSession();
  const [token] = useState(() => search.get('token'));
  const [state, setState] = useState<{ status: 'working' | 'done' | 'failed'; user?: User; error?: unknown }>(
    { status: token ? 'working' : 'failed' },
  );
  const started = useRef(false);

  useEffect(() => {
    if (started.current || !token) return;
    started.current = true;
    window.history.replaceState(null, '', '/confirm-email-change');
    api.call('POST /v1/auth/email-change/confirm', { body: { token } }).then(
      async (done) => {
        announceAccountChange();
        await refresh();
        setState({ status: 'done', user: done.user });
      },
      (error: unknown) => setState({ status: 'failed', error }),
    );
  }, [token, refresh]);

  const signedInAsIt = state.user && user?.id === state.user.id;
  return (
    <Page title="Confirm your new email address">
      <div className="card narrow">
        {state.status === 'working' ? <Loading label="Changing your email address…" /> : null}
        {state.status === 'done' && state.user ? (
          <>
            <Notice>
              Your email address is now <strong>{state.user.email}</strong>. You sign in with it from now on;
              the old address was told of the change.
            </Notice>
            <p>
              {signedInAsIt ? (
                <Link className="button primary" to="/account">
                  Continue to your account
                </Link>
              ) : (
                <Link
                  className="button primary"
                  to={`/sign-in?${new URLSearchParams({ email: state.user.email, next: '/account' })}`}
                >
                  Sign in with your new address
                </Link>
              )}
            </p>
          </>
        ) : null}
        {state.status === 'failed' ? (
          <>
            <ErrorMessage>
              {!state.error
                ? 'This link has no token. Open the link from the email again, or copy the whole address from it.'
                : errorCode(state.error) === 'EMAIL_TAKEN'
                  ? 'Another account started using this address since you asked for the change, so your address stays as it was. Ask for the change again with another address.'
                  : explain(state.error)}
            </ErrorMessage>
            <p>{user ? <Link to="/account">Go to your account</Link> : <Link to="/sign-in">Sign in</Link>}</p>
          </>
        ) : null}
      </div>
    </Page>
  );
}
