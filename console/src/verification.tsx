/**
 * The reminder to confirm one's email address, the button that sends a new link, and the way back:
 * while the address is unverified, the page the person is on is remembered (in this browser's
 * localStorage, shared with the tab the emailed link opens in), so that the verification page's
 * "Continue" returns there — to a join page, say. Only a path is kept, never a token: a page whose
 * token lives in memory (an invitation's landing page) is remembered as such, and its own tab picks
 * the verification up (session.tsx hears of it from the other tab).
 */
import { useEffect, useState } from 'react';
import { api, explain } from './api.ts';
import { useLocation } from './router.tsx';
import { useSession } from './session.tsx';

const PLACE_KEY = 'roster.place-before-verification';
/** As long as a verification link lives (VERIFICATION_TTL_HOURS in src/features/auth). */
const PLACE_TTL_MS = 48 * 3600 * 1000;

/** Pages that are no place to come back to: guest pages, and landing pages of emailed links. */
const NOT_PLACES = new Set([
  '/sign-in',
  '/sign-up',
  '/verify-email',
  '/reset-password',
  '/confirm-email-change',
]);
const INVITATION_LANDING = '/invitations/accept';
/** An application's sign-in request: answered once, so no place to come back to later. */
const SIGN_IN_REQUEST = '/oidc/interaction/';

/** Where to go back to after verifying: a path, or the invitation whose page holds its token. */
export type Place = { path: string } | { invitation: true };

interface Stored {
  userId: string;
  at: number;
  place: Place;
}

function remember(userId: string, place: Place) {
  try {
    localStorage.setItem(PLACE_KEY, JSON.stringify({ userId, at: Date.now(), place } satisfies Stored));
  } catch {
    // Storage refused (private mode, quota): "Continue" goes home, as it would anyway.
  }
}

/** The place remembered for `userId` (and forgets it); null when there is none, or it is stale. */
export function takePlace(userId: string | undefined): Place | null {
  try {
    const raw = localStorage.getItem(PLACE_KEY);
    if (!raw) return null;
    localStorage.removeItem(PLACE_KEY);
    const stored = JSON.parse(raw) as Partial<Stored>;
    if (!userId || stored.userId !== userId || Date.now() - (stored.at ?? 0) > PLACE_TTL_MS) return null;
    const place = stored.place as Partial<{ path: unknown; invitation: unknown }> | undefined;
    if (place?.invitation === true) return { invitation: true };
    return typeof place?.path === 'string' && place.path.startsWith('/') && !place.path.startsWith('//')
      ? { path: place.path }
      : null;
  } catch {
    return null;
  }
}

export function VerificationBanner() {
  const { user } = useSession();
  const location = useLocation();
  const unverified = user && !user.emailVerified ? user.id : null;
  const here = `${location.pathname}${location.search.size ? `?${location.search}` : ''}`;
  useEffect(() => {
    if (!unverified) return;
    const path = here.split('?')[0] as string;
    if (path === INVITATION_LANDING) remember(unverified, { invitation: true });
    else if (!NOT_PLACES.has(path) && !path.startsWith(SIGN_IN_REQUEST) && !/[?&]token=/.test(here))
      remember(unverified, { path: here });
  }, [unverified, here]);
  if (!user || user.emailVerified || location.pathname === '/verify-email') return null;
  return (
    <div className="banner" role="status">
      Confirm your email address: we sent a link to <strong>{user.email}</strong>. <ResendVerification />
    </div>
  );
}

export function ResendVerification() {
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  async function send() {
    setState('sending');
    setError(null);
    try {
      await api.call('POST /v1/auth/verify-email/resend');
      setState('sent');
    } catch (err) {
      setError(explain(err));
      setState('idle');
    }
  }
  if (state === 'sent') return <span>A new link is on its way.</span>;
  return (
    <>
      <button type="button" className="link-button" onClick={send} disabled={state === 'sending'}>
        Send a new link
      </button>
      {error ? <span className="inline-error"> {error}</span> : null}
    </>
  );
}
