/**
 * "Sign in with Roster": what the console's pages share about a sign-in request an application made
 * (an OpenID Connect interaction, answered by pages/oidc-interaction.tsx at `/oidc/interaction/:uid`).
 *
 * The provider sends the browser to that page; a person who is not signed in goes through the
 * console's own sign-in or sign-up (`?next=` the interaction page) and comes back. Those pages name the
 * application that asked (`RequestNotice`) and offer to cancel, which tells the application the person
 * declined. The interaction is found by the provider's cookie, which only this browser holds.
 */
import { type FormEvent, useId, useState } from 'react';
import { api, explain } from './api.ts';
import { useLoad } from './hooks.ts';
import { navigate } from './router.tsx';
import { Field, useAction } from './ui.tsx';

const INTERACTION_PATH = /^\/oidc\/interaction\/([A-Za-z0-9_-]{1,64})$/;

/** The console's page of interaction `uid`. */
export const interactionPath = (uid: string) => `/oidc/interaction/${encodeURIComponent(uid)}`;

/** The uid of the interaction a `?next=` path returns to, or null when it is another page. */
export function interactionOfNext(next: string | null): string | null {
  return next ? (INTERACTION_PATH.exec(next.split('?')[0] ?? '')?.[1] ?? null) : null;
}

/**
 * Leaves the console for the provider (`redirectTo` of an interaction step): a full navigation, which
 * the provider answers with the next step's page or a redirect to the application. Only an address of
 * this origin is followed.
 */
export function leaveFor(redirectTo: string) {
  const target = new URL(redirectTo, window.location.href);
  if (target.origin !== window.location.origin) throw new Error('not a Roster address');
  window.location.assign(target.href);
}

/** Declines the request: the application is told `access_denied`, and the browser goes back to it. */
export async function cancelRequest(uid: string) {
  const { redirectTo } = await api.call('POST /v1/oidc/interactions/{uid}/abort', { path: { uid } });
  leaveFor(redirectTo);
}

/** What each scope lets the application do, in words; `user` fills in what it will see. */
export function scopeWords(
  scope: string,
  user: { name: string; email: string; emailVerified?: boolean } | null,
): string {
  switch (scope) {
    case 'openid':
      return 'Know who you are: your Roster account’s ID.';
    case 'profile':
      return user ? `See your name (${user.name}).` : 'See your name.';
    case 'email': {
      if (!user) return 'See your email address.';
      const unverified = user.emailVerified === false ? ', not verified yet' : '';
      return `See your email address (${user.email}${unverified}).`;
    }
    case 'organizations':
      return 'See the organizations you are a member of and your role in each, and work in the organization you choose with your role’s permissions.';
    case 'offline_access':
      return 'Stay signed in while you are not using it, until you sign out of it.';
    default:
      return `“${scope}”.`;
  }
}

/** The scopes in the order they are explained: who you are first, then what comes with it. */
const ORDER = ['openid', 'profile', 'email', 'organizations', 'offline_access'];
export function orderedScopes(scopes: string[]): string[] {
  const rank = (s: string) => (ORDER.includes(s) ? ORDER.indexOf(s) : ORDER.length);
  return [...new Set(scopes)].sort((a, b) => rank(a) - rank(b));
}

/**
 * On the sign-in and sign-up pages when they lead back to a sign-in request: which application asks,
 * and "Cancel" (the application is told the person declined). Nothing when `next` is another page or
 * the request cannot be read (its own page explains that, once the person gets there).
 */
export function RequestNotice({ next }: { next: string }) {
  const uid = interactionOfNext(next);
  const request = useLoad(
    async () => (uid ? await api.call('GET /v1/oidc/interactions/{uid}', { path: { uid } }) : null),
    uid ?? '',
  );
  const cancel = useAction(async () => {
    if (uid) await cancelRequest(uid);
  });
  const name = request.data?.client.name;
  if (!uid || !name) return null;
  return (
    <section className="alert alert-info request-notice" aria-label="Sign-in request">
      <p>
        <strong>{name}</strong> asks you to sign in with your Roster account. You will go back to it
        afterwards.
      </p>
      {cancel.message ? <p className="inline-error">{cancel.message}</p> : null}
      <button type="button" className="link-button" onClick={() => cancel.run()} disabled={cancel.busy}>
        Cancel and go back to {name}
      </button>
    </section>
  );
}

/** The token of an invitation link (`…/invitations/accept?token=…`), or the token itself as pasted. */
export function invitationTokenOf(text: string): string | null {
  const value = text.trim();
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.searchParams.get('token');
  } catch {
    return /^[A-Za-z0-9_.~-]+$/.test(value) ? value : null;
  }
}

/**
 * On the sign-up page of a sign-in request: a person invited to an organization pastes the link from
 * the invitation email, signs up on the invitation's page (the account starts verified and joins) and
 * comes back to the request.
 */
export function InvitationForRequest({ next }: { next: string }) {
  const heading = useId();
  const [link, setLink] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const token = invitationTokenOf(link);
    if (!token) {
      setError('Paste the whole link from the invitation email (it ends with ?token=…).');
      return;
    }
    navigate(`/invitations/accept?${new URLSearchParams({ token, next })}`);
  };
  if (!interactionOfNext(next)) return null;
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby={heading}>
      <h2 id={heading} className="form-title">
        Invited to an organization?
      </h2>
      <p className="muted">
        Use the link from your invitation email: your account joins the organization as it is created.
      </p>
      <Field
        label="Invitation link"
        name="invitation"
        autoComplete="off"
        spellCheck={false}
        value={link}
        onChange={(e) => {
          setLink(e.target.value);
          setError(undefined);
        }}
        error={error}
      />
      <button type="submit" className="button">
        Continue with the invitation
      </button>
    </form>
  );
}

/** An interaction step's error in words, for this page: a request started by someone else said so. */
export function explainStep(err: unknown, code: string | null): string {
  if (code === 'FORBIDDEN')
    return 'This sign-in request was started by another account. Go back to the application and sign in from there again.';
  return explain(err);
}
