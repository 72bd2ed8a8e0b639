import { type FormEvent, type ReactNode, useState } from 'react';
import { api, errorCode, explain, fieldErrors, type JoinPageInfo } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage, Field, Notice, Page } from '../ui.tsx';
import { ResendVerification } from '../verification.tsx';

/**
 * The public "request to join" page (`/join/:slug`). It names the organization as Roster's public
 * join-page read gives it (`GET /v1/organizations/{org}/public`: the name only of an organization that
 * takes requests), and says first when it takes none, or when no organization has this address.
 * Signed in, the request names the account and waits in the admins' queue. Signed out, it takes an
 * email address and answers the same way whatever the state of that address (new, a member, already
 * invited), as the API does. The form stays either way: the API has the last word, and an admin may
 * turn requests on while the page is open.
 */
export function JoinPage({ params }: PageProps) {
  const { user } = useSession();
  const slug = params.slug ?? '';
  const info = useLoad(() => api.call('GET /v1/organizations/{org}/public', { path: { org: slug } }), slug);
  // Asked, or refused for a reason the page may have said otherwise: read the organization again.
  const changed = info.reload;
  return (
    <Page title="Request to join">
      <div className="card medium stack">
        <Intro slug={slug} info={info.data} error={info.error} loading={info.loading} />
        {user ? <AskSignedIn slug={slug} onAsked={changed} /> : <AskByEmail slug={slug} onAsked={changed} />}
      </div>
    </Page>
  );
}

/** What the page says of the organization before any form: its name, or why asking would not work. */
function Intro({
  slug,
  info,
  error,
  loading,
}: {
  slug: string;
  info: JoinPageInfo | undefined;
  error: unknown;
  loading: boolean;
}): ReactNode {
  if (!info && errorCode(error) === 'ORGANIZATION_NOT_FOUND') {
    return (
      <p className="join-intro">
        <strong>No organization has this address</strong> (<code>{slug}</code>). Check the link you were
        given.
      </p>
    );
  }
  if (!info) {
    // Still loading, or the read failed (the request itself will say what is wrong): the address only.
    return (
      <p className="join-intro" aria-busy={loading || undefined}>
        Ask to join the organization at this address (<code>{slug}</code>). Its admins decide; you will hear
        from them.
      </p>
    );
  }
  if (!info.acceptsJoinRequests || info.name === null) {
    return (
      <p className="join-intro">
        <strong>This organization does not take requests to join</strong> (<code>{info.slug}</code>). To join
        it, ask one of its admins to invite you.
      </p>
    );
  }
  return (
    <p className="join-intro">
      Ask to join <strong>{info.name}</strong>. Its admins decide; you will hear from them.
    </p>
  );
}

/** A refusal that may contradict what the page said of the organization (its settings changed). */
const saysOtherwise = (err: unknown) =>
  ['JOIN_REQUESTS_DISABLED', 'SSO_REQUIRED', 'ORGANIZATION_NOT_FOUND'].includes(errorCode(err) ?? '');

/** The words for a refusal here, where "not found" can only mean the address of the page. */
function refusal(err: unknown): string {
  return errorCode(err) === 'ORGANIZATION_NOT_FOUND'
    ? 'No organization has this address. Check the link you were given.'
    : explain(err);
}

function AskSignedIn({ slug, onAsked }: { slug: string; onAsked(): void }) {
  const { user, refresh } = useSession();
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<unknown>(null);

  async function ask() {
    setState('sending');
    setError(null);
    try {
      await api.call('POST /v1/organizations/{org}/join-requests', { path: { org: slug } });
      await refresh();
      setState('sent');
      onAsked();
    } catch (err) {
      setError(err);
      setState('idle');
      if (saysOtherwise(err)) onAsked();
    }
  }

  if (user && !user.emailVerified) {
    // The API would refuse (EMAIL_NOT_VERIFIED): say so first. The banner remembers this page, so
    // the verification email's "Continue" comes back here; this tab hears of it and offers to ask.
    return (
      <div className="alert alert-info" role="status">
        <p className="alert-title">Confirm your email address first.</p>
        <p>
          An organization takes requests to join only from confirmed addresses. We sent a link to{' '}
          <strong>{user.email}</strong>: open it, and you will come back to this page to ask.
        </p>
        <p>
          No email? <ResendVerification />
        </p>
      </div>
    );
  }
  if (state === 'sent') {
    return (
      <>
        <Notice>Your request was sent. The organization's admins will answer it.</Notice>
        <p>
          It is listed under <Link to="/">Your organizations</Link> until then.
        </p>
      </>
    );
  }
  return (
    <>
      <ErrorMessage>{error ? refusal(error) : null}</ErrorMessage>
      <p className="muted">You will ask as {user?.email}.</p>
      <div className="row">
        <button type="button" className="button primary" onClick={ask} disabled={state === 'sending'}>
          {state === 'sending' ? 'Sending…' : 'Ask to join'}
        </button>
      </div>
    </>
  );
}

function AskByEmail({ slug, onAsked }: { slug: string; onAsked(): void }) {
  const [email, setEmail] = useState('');
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<unknown>(null);
  const here = `/join/${encodeURIComponent(slug)}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setState('sending');
    setError(null);
    try {
      await api.call('POST /v1/organizations/{org}/join-requests', {
        path: { org: slug },
        body: { email } as never,
      });
      setState('sent');
      onAsked();
    } catch (err) {
      setError(err);
      setState('idle');
      if (saysOtherwise(err)) onAsked();
    }
  }

  if (state === 'sent') {
    return (
      <Notice>
        Thank you. If this organization accepts requests, its admins will be told, and you will get an email
        at {email} if they invite you.
      </Notice>
    );
  }
  const fields = fieldErrors(error);
  return (
    <form onSubmit={submit} noValidate aria-label="Request to join by email">
      <ErrorMessage>{error ? refusal(error) : null}</ErrorMessage>
      <Field
        label="Your email"
        type="email"
        name="email"
        autoComplete="email"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={fields.email}
      />
      <div className="row">
        <button type="submit" className="button primary" disabled={state === 'sending'}>
          {state === 'sending' ? 'Sending…' : 'Send request'}
        </button>
      </div>
      <p className="form-footer">
        Have an account? <Link to={`/sign-in?next=${encodeURIComponent(here)}`}>Sign in</Link> to ask with it.
      </p>
    </form>
  );
}
