import { type FormEvent, useState } from 'react';
import { api, errorCode, explain, fieldErrors } from '../api.ts';
import { Link } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage, Field, Notice, Page } from '../ui.tsx';

/**
 * The public "request to join" page (`/join/:slug`). Signed in, the request names the account and
 * waits in the admins' queue. Signed out, it takes an email address and answers the same way whatever
 * the state of that address (new, a member, already invited), as the API does.
 */
export function JoinPage({ params }: PageProps) {
  const { user } = useSession();
  const slug = params.slug ?? '';
  return (
    <Page title="Request to join">
      <div className="card medium stack">
        <p>
          Ask to join the organization <strong>{slug}</strong>. Its admins decide; you will hear from them.
        </p>
        {user ? <AskSignedIn slug={slug} /> : <AskByEmail slug={slug} />}
      </div>
    </Page>
  );
}

/** The words for a refusal here, where "not found" can only mean the address of the page. */
function refusal(err: unknown): string {
  return errorCode(err) === 'ORGANIZATION_NOT_FOUND'
    ? 'No organization has this address. Check the link you were given.'
    : explain(err);
}

function AskSignedIn({ slug }: { slug: string }) {
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
    } catch (err) {
      setError(err);
      setState('idle');
    }
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

function AskByEmail({ slug }: { slug: string }) {
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
    } catch (err) {
      setError(err);
      setState('idle');
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
