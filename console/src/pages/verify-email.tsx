import { useEffect, useRef, useState } from 'react';
import { api, explain } from '../api.ts';
import { Link, safeNext } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { announceAccountChange, useSession } from '../session.tsx';
import { ErrorMessage, Loading, Notice, Page } from '../ui.tsx';
import { type Place, ResendVerification, takePlace } from '../verification.tsx';

/**
 * The landing page of the verification email (`/verify-email?token=…`). The token leaves the address
 * bar (and so the history) as soon as it is read; the page is served with `Referrer-Policy: no-referrer`.
 * "Continue" returns to where the person was: the link's own `?next=` when it carries one, else the
 * page remembered while the address was unverified (verification.tsx), else home.
 */
export function VerifyEmailPage({ search }: PageProps) {
  const { user, refresh } = useSession();
  const [token] = useState(() => search.get('token'));
  const [linkNext] = useState(() => (search.get('next') ? safeNext(search.get('next')) : null));
  const [state, setState] = useState<{ status: 'working' | 'done' | 'failed'; error?: unknown }>({
    status: token ? 'working' : 'failed',
  });
  const [place, setPlace] = useState<Place | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current || !token) return;
    started.current = true;
    window.history.replaceState(null, '', '/verify-email');
    api.call('POST /v1/auth/verify-email', { body: { token } }).then(
      async (verified) => {
        setPlace(linkNext ? { path: linkNext } : takePlace(verified.user.id));
        announceAccountChange();
        await refresh();
        setState({ status: 'done' });
      },
      (error: unknown) => setState({ status: 'failed', error }),
    );
  }, [token, linkNext, refresh]);

  const back = place && 'path' in place ? place.path : '/';
  return (
    <Page title="Verify your email">
      <div className="card narrow">
        {state.status === 'working' ? <Loading label="Verifying your email address…" /> : null}
        {state.status === 'done' ? (
          <>
            <Notice>Your email address is verified.</Notice>
            {place && 'invitation' in place ? (
              <p>
                To accept your invitation, go back to its page (in the tab you left it in), or open the link
                in the invitation email again.
              </p>
            ) : null}
            <p>
              {user ? (
                <Link className="button primary" to={back}>
                  Continue
                </Link>
              ) : (
                <Link
                  className="button primary"
                  to={back === '/' ? '/sign-in' : `/sign-in?${new URLSearchParams({ next: back })}`}
                >
                  Sign in
                </Link>
              )}
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
