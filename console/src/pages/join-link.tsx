import { type ReactNode, useEffect, useState } from 'react';
import { BUILT_IN_DEFS, roleAbilities, roleDef, withArticle } from '../access.ts';
import { api, errorCode, explain, formatDateTime, type JoinLinkPreview, type JoinLinkRole } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { RoleBadge } from '../members/roles.tsx';
import { Link } from '../router.tsx';
import { orgHome, type PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import {
  ErrorMessage,
  FocusedNotice,
  LoadError,
  Loading,
  Notice,
  navigateWithNotice,
  Page,
  useSubmit,
} from '../ui.tsx';
import { ResendVerification } from '../verification.tsx';
import { orList } from './join-links.tsx';

/** This page's own address, where signing in or up comes back to (the token stays in the tab). */
const HERE = '/join-link';
/** Where the tab keeps the token between leaving this page to sign in and coming back. */
const TOKEN_KEY = 'roster.join-link';

/** What a working link offers. */
interface Offer {
  organization: { name: string; slug: string };
  role: JoinLinkRole;
  requireApproval: boolean;
  expiresAt: string | null;
  allowedDomains: string[];
}

function offerOf(p: JoinLinkPreview): Offer | null {
  if (!p.valid || !p.organization || !p.role) return null;
  return {
    organization: p.organization,
    role: p.role,
    requireApproval: p.requireApproval ?? false,
    expiresAt: p.expiresAt ?? null,
    allowedDomains: p.allowedDomains ?? [],
  };
}

/** Why a link lets no one in, and what the person can do about it (`org`: its name, when known). */
const REASONS: Record<
  NonNullable<JoinLinkPreview['reason']>,
  { title: string; todo(org: string): string }
> = {
  not_found: {
    title: 'This join link is not valid.',
    todo: () =>
      'It may be cut short or mistyped, or an admin gave the link a new URL since (only the newest one works). Ask whoever shared it for the current link.',
  },
  revoked: {
    title: 'This join link was revoked.',
    todo: (org) =>
      `An admin of ${org} turned it off: it no longer lets anyone join. Ask one of them for a new link or an invitation.`,
  },
  expired: {
    title: 'This join link has expired.',
    todo: (org) => `Ask an admin of ${org} for a new link or an invitation.`,
  },
  used_up: {
    title: 'This join link has been used as many times as it allows.',
    todo: (org) => `Ask an admin of ${org} for a new link or an invitation.`,
  },
  sso_required: {
    title: 'This organization admits members through its single sign-on only.',
    todo: () => "Sign in with your company's sign-on instead of this link.",
  },
};

/** Refusals that mean the link itself changed since the page read it: read it again to say why. */
const LINK_CHANGED = [
  'JOIN_LINK_NOT_FOUND',
  'JOIN_LINK_REVOKED',
  'JOIN_LINK_EXPIRED',
  'JOIN_LINK_USED_UP',
  'SSO_REQUIRED',
];

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** The token in the address's fragment (`#rj_…`), if any. */
function tokenInAddress(): string | null {
  try {
    return decodeURIComponent(window.location.hash.replace(/^#/, '')).trim() || null;
  } catch {
    return null;
  }
}

/**
 * The link's token: from the address's fragment, which then leaves the address bar and is kept in
 * this tab's sessionStorage (so that signing in or up, which happens on other pages, comes back to
 * it), or from that storage. A link pasted into the address bar while the page is open is followed
 * (and read again, if it is the same). `visit` counts the links that arrived.
 */
function useToken(): { token: string | null; visit: number } {
  const [state, setState] = useState(() => ({
    token: tokenInAddress() ?? storage()?.getItem(TOKEN_KEY) ?? null,
    visit: 0,
  }));
  useEffect(() => {
    /** Keeps the token the address holds, if any, and takes it out of the address bar. */
    const take = (): string | null => {
      const found = tokenInAddress();
      if (!found) return null;
      try {
        storage()?.setItem(TOKEN_KEY, found);
      } catch {
        // Storage refused (private mode, quota): the token lives in this page only.
      }
      window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
      return found;
    };
    take();
    const arrived = () => {
      const found = take();
      if (found) setState((s) => ({ token: found, visit: s.visit + 1 }));
    };
    window.addEventListener('hashchange', arrived);
    return () => window.removeEventListener('hashchange', arrived);
  }, []);
  return state;
}

/**
 * The landing page of a shareable join link (`/join-link#rj_…`; the token after `#` never reaches a
 * server). It says what the link gives — the organization, the role, whether an admin approves, the
 * expiry, the email domains it is for — or why it lets no one in. Signed out, Sign in and Create an
 * account come back here; signed in with a confirmed address, Join (or Ask to join) uses it. The token
 * travels in request bodies only.
 */
export function JoinLinkPage(_props: PageProps) {
  const { user } = useSession();
  const { token, visit } = useToken();
  const preview = useLoad(
    () => (token ? api.call('POST /v1/join-links/preview', { body: { token } }) : Promise.resolve(null)),
    `${token ?? ''}|${visit}`,
  );

  let body: ReactNode;
  if (!token) {
    body = (
      <>
        <ErrorMessage>
          <strong>This page has no join link.</strong> Open the link you were given again, copied whole (with
          the part after #). If you just confirmed your email address, go back to the tab where the link is
          open: you can join from there.
        </ErrorMessage>
        <p>{user ? <Link to="/">Go to your organizations</Link> : <Link to="/sign-in">Sign in</Link>}</p>
      </>
    );
  } else if (preview.loading && !preview.data) {
    body = <Loading label="Reading the join link…" />;
  } else if (!preview.data) {
    body = <LoadError error={preview.error} retry={preview.reload} />;
  } else {
    const offer = offerOf(preview.data);
    if (!offer) {
      const reason = REASONS[preview.data.reason ?? 'not_found'];
      body = (
        <>
          <ErrorMessage>
            <strong>{reason.title}</strong>{' '}
            {reason.todo(preview.data.organization?.name ?? 'the organization')}
          </ErrorMessage>
          {user ? (
            <p>
              <Link to="/">Go to your organizations</Link>
            </p>
          ) : null}
        </>
      );
    } else {
      body = (
        <>
          <OfferCard offer={offer} />
          {user ? (
            <JoinSignedIn offer={offer} token={token} onLinkChanged={preview.reload} />
          ) : (
            <SignInToJoin offer={offer} />
          )}
        </>
      );
    }
  }
  return (
    <Page title="Join an organization">
      <div className="card medium stack">{body}</div>
    </Page>
  );
}

function OfferCard({ offer }: { offer: Offer }) {
  const org = <strong>{offer.organization.name}</strong>;
  return (
    <div className="offer">
      <p>
        {offer.requireApproval ? (
          <>
            This link lets you ask to join {org} as {withArticle(offer.role)}. An admin approves each person.
          </>
        ) : (
          <>
            This link lets you join {org} as {withArticle(offer.role)}.
          </>
        )}
      </p>
      <dl>
        <dt>Organization</dt>
        <dd>{offer.organization.name}</dd>
        <dt>Role</dt>
        <dd>
          <RoleBadge role={offer.role} /> <span className="muted">{roleInWords(offer.role)}</span>
        </dd>
        <dt>Joining</dt>
        <dd>{offer.requireApproval ? 'An admin approves you first.' : 'At once.'}</dd>
        <dt>Expires</dt>
        <dd>{offer.expiresAt ? formatDateTime(offer.expiresAt) : 'Never'}</dd>
        <dt>Who can use it</dt>
        <dd>
          {offer.allowedDomains.length > 0
            ? `People with a confirmed email address at ${orList(offer.allowedDomains)}.`
            : 'Anyone with an account and a confirmed email address.'}
        </dd>
      </dl>
    </div>
  );
}

/** Signed out: sign in or create an account, then come back here (the token waits in the tab). */
function SignInToJoin({ offer }: { offer: Offer }) {
  const next = new URLSearchParams({ next: HERE });
  return (
    <>
      <p>
        Sign in, or create an account, to {offer.requireApproval ? 'ask to join' : 'join'}{' '}
        {offer.organization.name}. You will come back to this page.
        {offer.allowedDomains.length > 0 ? ` Use an email address at ${orList(offer.allowedDomains)}.` : ''}
      </p>
      <div className="row">
        <Link className="button primary" to={`/sign-in?${next}`}>
          Sign in
        </Link>
        <Link className="button" to={`/sign-up?${next}`}>
          Create an account
        </Link>
      </div>
    </>
  );
}

/** A refusal in words for the person joining (the general words of some codes speak to admins). */
function refusal(err: unknown, name: string): string {
  switch (errorCode(err)) {
    case 'MEMBER_LIMIT_REACHED':
      return `${name} has no seat left for a new member. Ask one of its admins to make room, then try again.`;
    case 'ALREADY_MEMBER':
      return `You are already a member of ${name}, or your request to join it is waiting.`;
    default:
      return explain(err);
  }
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/**
 * Signed in: Join (or Ask to join), unless the page can already tell why it would be refused — a
 * member already, an address not confirmed yet or at another domain — which it says instead.
 */
function JoinSignedIn({
  offer,
  token,
  onLinkChanged,
}: {
  offer: Offer;
  token: string;
  onLinkChanged(): void;
}) {
  const { user, organizations, refresh, signOut } = useSession();
  const [state, setState] = useState<'idle' | 'joining' | 'asked'>('idle');
  const [error, setError] = useState<unknown>(null);
  const switching = useSubmit(signOut);
  const name = offer.organization.name;
  // Confirmed meanwhile (the emailed link, opened in another tab): "confirm your address first" is stale.
  const verified = user?.emailVerified === true;
  useEffect(() => {
    if (verified) setError((e: unknown) => (errorCode(e) === 'EMAIL_NOT_VERIFIED' ? null : e));
  }, [verified]);

  async function join() {
    setState('joining');
    setError(null);
    try {
      const done = await api.call('POST /v1/join-links/use', { body: { token } });
      await refresh();
      if (done.membership.status === 'active') {
        // Used: this tab has no more need of it (a request waiting keeps it, to say so on a reload).
        storage()?.removeItem(TOKEN_KEY);
        navigateWithNotice(
          orgHome(done.organization.slug),
          `You joined ${done.organization.name} as ${withArticle(done.membership.role)}.`,
          { replace: true },
        );
      } else setState('asked');
    } catch (err) {
      setError(err);
      setState('idle');
      const code = errorCode(err) ?? '';
      if (LINK_CHANGED.includes(code)) onLinkChanged();
      // The session said otherwise (confirmed, or not a member): read it again.
      if (code === 'EMAIL_NOT_VERIFIED' || code === 'ALREADY_MEMBER') void refresh();
    }
  }

  if (!user) return null;
  if (state === 'asked') {
    return (
      <>
        <FocusedNotice>
          Your request to join {name} was sent to its admins. You will become a member once one of them
          approves it.
        </FocusedNotice>
        <p>
          It is listed under <Link to="/">Your organizations</Link> until then.
        </p>
      </>
    );
  }
  const mine = organizations.find((m) => m.organization.slug === offer.organization.slug);
  if (mine?.status === 'active') {
    return (
      <Notice>
        You are already a member of {name}. <Link to={orgHome(offer.organization.slug)}>Go to {name}</Link>
      </Notice>
    );
  }
  // A request of theirs waiting is made a membership by a link that joins at once; nothing else is.
  if (mine && (mine.source !== 'join_request' || offer.requireApproval)) {
    return (
      <Notice>
        {mine.source === 'join_request' ? (
          <>Your request to join {name} is waiting for its admins.</>
        ) : (
          <>
            {name} added you: answer in <Link to="/me/invitations">My invitations</Link>.
          </>
        )}
      </Notice>
    );
  }
  if (!verified || errorCode(error) === 'EMAIL_NOT_VERIFIED') {
    // The banner remembers this page; the tab holding the token hears of the confirmation.
    return (
      <div className="alert alert-info" role="status">
        <p className="alert-title">Confirm your email address first.</p>
        <p>
          A join link admits confirmed addresses only. We sent a link to <strong>{user.email}</strong>: open
          it, then come back to this tab to join.
        </p>
        <p>
          No email? <ResendVerification />
        </p>
      </div>
    );
  }
  const otherDomain = offer.allowedDomains.length > 0 && !offer.allowedDomains.includes(domainOf(user.email));
  if (otherDomain || errorCode(error) === 'JOIN_LINK_DOMAIN_NOT_ALLOWED') {
    return (
      <>
        <div className="alert alert-info" role="status">
          This link is only for email addresses at {orList(offer.allowedDomains)}, and you are signed in as{' '}
          <strong className="signed-in-as">{user.email}</strong>. Sign in with an address there, or ask an
          admin of {name} to invite you.
        </div>
        <ErrorMessage>{switching.message}</ErrorMessage>
        <div className="row">
          <button
            type="button"
            className="button wrap-text"
            onClick={() => switching.submit()}
            disabled={switching.busy}
          >
            Sign out and use another account
          </button>
        </div>
      </>
    );
  }
  return (
    <>
      <ErrorMessage>{error ? refusal(error, name) : null}</ErrorMessage>
      <p className="muted signed-in-as">You will join as {user.email}.</p>
      <div className="row">
        <button
          type="button"
          className="button primary wrap-text"
          onClick={join}
          disabled={state === 'joining'}
        >
          {state === 'joining' ? 'Joining…' : offer.requireApproval ? `Ask to join ${name}` : `Join ${name}`}
        </button>
      </div>
    </>
  );
}

/**
 * What a link's role can do: a built-in role's abilities; one of the organization's own roles is only
 * named (the link's preview does not say what it holds, and the visitor is no member to read it).
 */
function roleInWords(role: string): string {
  const def = roleDef(role, BUILT_IN_DEFS);
  return def ? `can ${roleAbilities(def).join('; ')}.` : "one of the organization's own roles.";
}
