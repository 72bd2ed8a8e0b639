import { type ReactNode, useEffect, useRef, useState } from 'react';
import { withArticle } from '../access.ts';
import { api, errorCode, explain, formatDate, type InvitationCheck } from '../api.ts';
import { RoleBadge } from '../members/roles.tsx';
import { Link, navigate, safeNext } from '../router.tsx';
import { orgHome, type PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { type Challenge, passwordSignIn, SecondStep } from '../sign-in-flow.tsx';
import {
  EmailField,
  ErrorMessage,
  Loading,
  NameField,
  Notice,
  Page,
  PasswordField,
  useSubmit,
} from '../ui.tsx';

type Offer = InvitationCheck & { valid: true; email: string; organization: { name: string; slug: string } };

/** Why a link cannot be used, and what the person can do about it. */
const REASONS: Record<NonNullable<InvitationCheck['reason']>, { title: string; todo: string }> = {
  expired: {
    title: 'This invitation has expired.',
    todo: 'Ask the person who invited you to send a new invitation.',
  },
  revoked: {
    title: 'This invitation was withdrawn.',
    todo: 'It can no longer be used. If you still need access, ask an admin of the organization to invite you again.',
  },
  accepted: {
    title: 'This invitation has already been accepted.',
    todo: 'Sign in with the invited email address: the organization is in your list.',
  },
  not_found: {
    title: 'This invitation link is not valid.',
    todo: 'It may be mistyped, or a newer email replaced it. Open the link from the most recent invitation email, or ask for a new one.',
  },
};

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The landing page of the invitation email (`/invitations/accept?token=…`). The token leaves the
 * address bar as soon as it is read and stays in memory: signing in, signing up or switching account
 * happens on this page, so it never travels in another URL. Accepting sends it in a request body.
 *
 * `?next=` (kept in memory like the token) is where to go once the invitation is accepted, instead of
 * the organization: an application's sign-in request that sent the person here from its sign-up page.
 */
export function AcceptInvitationPage({ search }: PageProps) {
  const { user } = useSession();
  const [token] = useState(() => search.get('token'));
  const [next] = useState(() => (search.get('next') ? safeNext(search.get('next')) : null));
  const [check, setCheck] = useState<{ offer?: InvitationCheck; error?: unknown; loading: boolean }>({
    loading: token !== null,
  });
  const started = useRef(false);

  useEffect(() => {
    if (started.current || !token) return;
    started.current = true;
    window.history.replaceState(null, '', '/invitations/accept');
    api.call('GET /v1/invitations/{token}', { path: { token } }).then(
      (offer) => setCheck({ offer, loading: false }),
      (error: unknown) => setCheck({ error, loading: false }),
    );
  }, [token]);

  let body: ReactNode;
  if (!token) {
    body = (
      <ErrorMessage>
        This link has no invitation token. Open the link from the invitation email again, or copy the whole
        address from it.
      </ErrorMessage>
    );
  } else if (check.loading) {
    body = <Loading label="Reading the invitation…" />;
  } else if (!check.offer) {
    body = <ErrorMessage>{explain(check.error)}</ErrorMessage>;
  } else if (!check.offer.valid) {
    const reason = REASONS[check.offer.reason ?? 'not_found'];
    body = (
      <>
        <ErrorMessage>
          <strong>{reason.title}</strong> {reason.todo}
        </ErrorMessage>
        <p>
          {user ? (
            <Link to="/">Go to your organizations</Link>
          ) : (
            <>
              <Link to={next ? `/sign-in?${new URLSearchParams({ next })}` : '/sign-in'}>Sign in</Link> or{' '}
              <Link to={next ? `/sign-up?${new URLSearchParams({ next })}` : '/sign-up'}>
                create an account
              </Link>
              .
            </>
          )}
        </p>
      </>
    );
  } else {
    const offer = check.offer as Offer;
    body = (
      <>
        <OfferCard offer={offer} />
        {!user ? (
          <SignInOrUp offer={offer} token={token} next={next} />
        ) : sameEmail(user.email, offer.email) ? (
          <Answer offer={offer} token={token} next={next} />
        ) : (
          <WrongAccount offer={offer} signedInAs={user.email} next={next} />
        )}
      </>
    );
  }

  return (
    <Page title="Invitation">
      <div className="card medium stack">{body}</div>
    </Page>
  );
}

function OfferCard({ offer }: { offer: Offer }) {
  return (
    <div className="offer">
      <p>
        {offer.inviter ? <strong>{offer.inviter.name}</strong> : 'An admin'} invited you to join{' '}
        <strong>{offer.organization.name}</strong> as {withArticle(offer.role ?? 'member')}.
      </p>
      {offer.message ? (
        <blockquote className="quote" aria-label="Message from the inviter">
          {offer.message}
        </blockquote>
      ) : null}
      <dl>
        <dt>Organization</dt>
        <dd>{offer.organization.name}</dd>
        <dt>Role</dt>
        <dd>
          <RoleBadge role={offer.role ?? 'member'} />
        </dd>
        <dt>Invited email</dt>
        <dd>{offer.email}</dd>
        <dt>Expires</dt>
        <dd>{formatDate(offer.expiresAt ?? null)}</dd>
      </dl>
    </div>
  );
}

/** Signed in with the invited address: accept, or decline (which withdraws the invitation). */
function Answer({ offer, token, next }: { offer: Offer; token: string; next: string | null }) {
  const { user, refresh } = useSession();
  const [state, setState] = useState<'idle' | 'accepting' | 'confirm-decline' | 'declining' | 'declined'>(
    'idle',
  );
  const [error, setError] = useState<string | null>(null);
  // Verified meanwhile (the emailed link, opened in another tab): "confirm your address first" is stale.
  const verified = user?.emailVerified === true;
  useEffect(() => {
    if (verified) setError(null);
  }, [verified]);

  async function accept() {
    setState('accepting');
    setError(null);
    try {
      const done = await api.call('POST /v1/invitations/accept', { body: { token } });
      await refresh();
      navigate(next ?? orgHome(done.organization.slug), { replace: true });
    } catch (err) {
      setError(explain(err));
      setState('idle');
    }
  }

  async function decline() {
    setState('declining');
    setError(null);
    try {
      // The inbox names the invitation by id; there is one pending invitation per email and organization.
      const mine = await api.call('GET /v1/me/invitations');
      const it = mine.data.find(
        (i) => i.kind === 'invitation' && i.organization.slug === offer.organization.slug,
      );
      if (!it) {
        setError(
          'This invitation cannot be declined from here until your email address is confirmed. You can also simply ignore it: it expires on its own.',
        );
        setState('idle');
        return;
      }
      await api.call('POST /v1/me/invitations/{id}/decline', { path: { id: it.id } });
      setState('declined');
    } catch (err) {
      setError(explain(err));
      setState('idle');
    }
  }

  if (state === 'declined') {
    return (
      <>
        <Notice>You declined the invitation to {offer.organization.name}. Its link no longer works.</Notice>
        <p>
          <Link to="/">Go to your organizations</Link>
        </p>
      </>
    );
  }
  const busy = state === 'accepting' || state === 'declining';
  return (
    <>
      <ErrorMessage>{error}</ErrorMessage>
      {state === 'confirm-decline' || state === 'declining' ? (
        <fieldset className="confirm">
          <legend className="visually-hidden">Confirm declining</legend>
          <p>Decline the invitation to {offer.organization.name}? Its link will stop working.</p>
          <div className="row">
            <button type="button" className="button danger" onClick={decline} disabled={busy}>
              {state === 'declining' ? 'Declining…' : 'Yes, decline'}
            </button>
            <button type="button" className="button" onClick={() => setState('idle')} disabled={busy}>
              Cancel
            </button>
          </div>
        </fieldset>
      ) : (
        <div className="row">
          <button type="button" className="button primary" onClick={accept} disabled={busy}>
            {state === 'accepting' ? 'Joining…' : `Accept and join ${offer.organization.name}`}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setError(null);
              setState('confirm-decline');
            }}
            disabled={busy}
          >
            Decline
          </button>
        </div>
      )}
    </>
  );
}

/** Signed in as someone else: say so, and offer to sign out and come back as the invited address. */
function WrongAccount({
  offer,
  signedInAs,
  next,
}: {
  offer: Offer;
  signedInAs: string;
  next: string | null;
}) {
  const { signOut } = useSession();
  const switching = useSubmit(signOut);
  return (
    <>
      <div className="alert alert-info" role="status">
        You are signed in as <strong>{signedInAs}</strong>, but this invitation was sent to{' '}
        <strong>{offer.email}</strong>. Only that address can accept it.
      </div>
      <ErrorMessage>{switching.message}</ErrorMessage>
      <div className="row">
        <button
          type="button"
          className="button primary wrap-text"
          onClick={() => switching.submit()}
          disabled={switching.busy}
        >
          Sign out and continue as {offer.email}
        </button>
        <Link className="button wrap-text" to={next ?? '/'}>
          Stay signed in as {signedInAs}
        </Link>
      </div>
    </>
  );
}

/**
 * Not signed in: create the account with the invited address (locked: the invitation proves it, so the
 * account starts verified and joins at once), or sign in to an existing one and then accept.
 */
function SignInOrUp({ offer, token, next }: { offer: Offer; token: string; next: string | null }) {
  const { refresh } = useSession();
  const [mode, setMode] = useState<'sign-up' | 'sign-in'>('sign-up');
  const [name, setName] = useState('');
  const [email, setEmail] = useState(offer.email);
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [startedOver, setStartedOver] = useState<string | null>(null);
  const form = useSubmit(
    async () => {
      setStartedOver(null);
      if (mode === 'sign-up') {
        await api.call('POST /v1/auth/sign-up', {
          body: { name, email: offer.email, password, invitationToken: token },
        });
        await refresh();
        navigate(next ?? orgHome(offer.organization.slug), { replace: true });
      } else {
        const asked = await passwordSignIn(email, password);
        // Signed in, this page shows Accept / Decline (or that the account is another one).
        if (asked) setChallenge(asked);
        else await refresh();
      }
    },
    (err) => {
      if (mode === 'sign-up' && errorCode(err) === 'EMAIL_TAKEN') setMode('sign-in');
    },
  );

  const choose = (m: 'sign-up' | 'sign-in') => {
    setMode(m);
    form.clear();
  };
  if (challenge) {
    return (
      <SecondStep
        challenge={challenge}
        onSignedIn={refresh}
        onStartOver={(why) => {
          setChallenge(null);
          setPassword('');
          setStartedOver(why);
        }}
      />
    );
  }
  return (
    <form
      onSubmit={form.submit}
      noValidate
      aria-label={mode === 'sign-up' ? 'Create your account' : 'Sign in'}
    >
      <fieldset className="choice">
        <legend className="visually-hidden">Do you have a Roster account?</legend>
        <button
          type="button"
          className="button"
          aria-pressed={mode === 'sign-up'}
          onClick={() => choose('sign-up')}
        >
          I am new here
        </button>
        <button
          type="button"
          className="button"
          aria-pressed={mode === 'sign-in'}
          onClick={() => choose('sign-in')}
        >
          I already have an account
        </button>
      </fieldset>
      {startedOver ? <Notice>{startedOver}</Notice> : null}
      <ErrorMessage>{form.message}</ErrorMessage>
      {mode === 'sign-up' ? (
        <>
          <EmailField
            value={offer.email}
            required={false}
            readOnly
            aria-readonly="true"
            hint="The invitation was sent to this address; your account will use it."
          />
          <NameField value={name} onChange={(e) => setName(e.target.value)} error={form.fields.name} />
          <PasswordField
            choosing
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={form.fields.password}
          />
          <button type="submit" className="button primary" disabled={form.busy}>
            {form.busy ? 'Creating your account…' : `Create account and join ${offer.organization.name}`}
          </button>
        </>
      ) : (
        <>
          <EmailField
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={form.fields.email}
            hint={sameEmail(email, offer.email) ? undefined : `The invitation is for ${offer.email}.`}
          />
          <PasswordField
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={form.fields.password}
          />
          <button type="submit" className="button primary" disabled={form.busy}>
            {form.busy ? 'Signing in…' : 'Sign in'}
          </button>
        </>
      )}
    </form>
  );
}
