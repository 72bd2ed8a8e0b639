/** The reminder to confirm one's email address, and the button that sends a new link. */
import { useState } from 'react';
import { api, explain } from './api.ts';
import { useLocation } from './router.tsx';
import { useSession } from './session.tsx';

export function VerificationBanner() {
  const { user } = useSession();
  const location = useLocation();
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
