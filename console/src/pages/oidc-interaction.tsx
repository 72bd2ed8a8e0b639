import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { api, errorCode, explain, explainCode, type Interaction, type User } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { RoleBadge } from '../members/roles.tsx';
import { explainStep, interactionPath, leaveFor, orderedScopes, scopeWords } from '../oidc.tsx';
import { Link, navigate } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage, Loading, navigateWithNotice, Page, useAction } from '../ui.tsx';

/** Codes after which the request cannot go on: it is over, or it was never this browser's. */
const OVER = new Set(['INTERACTION_NOT_FOUND', 'VALIDATION_FAILED']);

/**
 * A sign-in request of an application ("Sign in with Roster", `/oidc/interaction/:uid`, where the
 * OpenID Connect provider sends the browser). It reads what the request asks, then:
 *
 * - signed out: the console's sign-in page (sign-up, an invitation, the second factor, a passkey: all
 *   of it), `?next=` this page, and back here;
 * - the login step: completed with the Roster session. When the application wants a sign-in made during
 *   the request (`prompt=login`, `max_age`: 409 FRESH_SIGN_IN_REQUIRED), the person is signed out and
 *   signs in again, told why, and the step is tried again on the way back;
 * - the consent step: the application, what it asks for in words, the organization to work in when it
 *   asks for `organizations` (one it may not have is shown disabled, with why), Allow or Deny.
 *
 * Each step answers the address to send the browser to: back into the provider, which goes on to the
 * next step or to the application. A request that is over (expired, answered, another browser's) is
 * explained in words.
 */
export function OidcInteractionPage({ params }: PageProps) {
  const uid = params.uid ?? '';
  const here = interactionPath(uid);
  const { user } = useSession();
  const request = useLoad(
    () => api.call('GET /v1/oidc/interactions/{uid}', { path: { uid } }),
    `${uid}\u0000${user?.id ?? ''}`,
  );
  /** What the page is doing while the browser leaves it (back into the provider, or to sign in again). */
  const [leaving, setLeaving] = useState<string | null>(null);
  /** What kept the browser from leaving (signing out for a fresh sign-in failed). */
  const [problem, setProblem] = useState<unknown>(null);
  const stuck = (err: unknown) => {
    setLeaving(null);
    setProblem(err);
  };
  const data = request.data;
  // Read for the person signed in now (the answer names them, and their organizations).
  const current = data && (data.user?.id ?? null) === (user?.id ?? null) ? data : undefined;
  const mustSignIn = !!current && !user && !leaving && !request.error;

  useEffect(() => {
    if (!mustSignIn) return;
    const q = new URLSearchParams({ next: here });
    if (current?.signIn.loginHint) q.set('email', current.signIn.loginHint);
    navigate(`/sign-in?${q}`, { replace: true });
  }, [mustSignIn, here, current?.signIn.loginHint]);

  let body: ReactNode;
  if (leaving) {
    body = <Loading label={leaving} />;
  } else if (problem) {
    body = (
      <>
        <ErrorMessage>{explain(problem)}</ErrorMessage>
        <button
          type="button"
          className="button"
          onClick={() => {
            setProblem(null);
            request.reload();
          }}
        >
          Try again
        </button>
      </>
    );
  } else if (request.error) {
    body = OVER.has(errorCode(request.error) ?? '') ? (
      <Over signedIn={!!user} />
    ) : (
      <>
        <ErrorMessage>{explain(request.error)}</ErrorMessage>
        <button type="button" className="button" onClick={request.reload}>
          Try again
        </button>
      </>
    );
  } else if (!current || !user) {
    body = <Loading label="Reading the sign-in request…" />;
  } else if (current.prompt === 'login') {
    return (
      <SignInStep
        request={current}
        user={user}
        here={here}
        onLeave={setLeaving}
        onStuck={stuck}
        reload={request.reload}
      />
    );
  } else {
    return (
      <ConsentStep
        request={current}
        user={user}
        here={here}
        onLeave={setLeaving}
        onStuck={stuck}
        reload={request.reload}
      />
    );
  }
  return (
    <Page title="Sign-in request">
      <div className="card medium stack">{body}</div>
    </Page>
  );
}

interface StepProps {
  request: Interaction;
  user: User;
  /** This page's path, to come back to. */
  here: string;
  /** The browser is leaving the page; `label` says where to. */
  onLeave(label: string): void;
  /** The browser did not leave after all: the page says why. */
  onStuck(err: unknown): void;
  reload(): void;
}

/** The request is over, in words, with the way back into the console. */
function Over({ signedIn }: { signedIn: boolean }) {
  return (
    <div className="request-over">
      <ErrorMessage>
        {explainCode('INTERACTION_NOT_FOUND', 'This sign-in request is no longer open.')}
      </ErrorMessage>
      <p>
        {signedIn ? (
          <Link to="/">Go to your organizations</Link>
        ) : (
          <Link to="/sign-in">Sign in to Roster</Link>
        )}
      </p>
    </div>
  );
}

/** The login step, completed with the Roster session as soon as the page has it. */
function SignInStep({ request, user, here, onLeave, onStuck, reload }: StepProps) {
  const { signOut, refresh } = useSession();
  const name = request.client.name;
  const started = useRef(false);
  const step = useAction(async () => {
    try {
      const { redirectTo } = await api.call('POST /v1/oidc/interactions/{uid}/login', {
        path: { uid: request.uid },
      });
      onLeave(`Continuing to ${name}…`);
      leaveFor(redirectTo);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'FRESH_SIGN_IN_REQUIRED') {
        // The sign-in page takes only the signed out: sign out, sign in again, and back here.
        onLeave('Signing you out…');
        try {
          await signOut();
        } catch (failed) {
          onStuck(failed);
          return;
        }
        navigateWithNotice(
          `/sign-in?${new URLSearchParams({ next: here, email: user.email })}`,
          `${name} asks you to sign in again before it continues.`,
          { replace: true },
        );
        return;
      }
      if (code === 'UNAUTHENTICATED') return refresh(); // signed out meanwhile: this page sends to sign-in
      if (code === 'INTERACTION_STEP_INVALID') return reload();
      throw err;
    }
  });
  const run = step.run;
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void run();
  }, [run]);

  let body: ReactNode;
  if (step.error && OVER.has(errorCode(step.error) ?? '')) {
    body = <Over signedIn />;
  } else if (step.error) {
    body = (
      <>
        <ErrorMessage>{explainStep(step.error, errorCode(step.error))}</ErrorMessage>
        <div className="row">
          <button type="button" className="button primary" onClick={() => run()} disabled={step.busy}>
            Try again
          </button>
          <CancelButton request={request} onLeave={onLeave} />
        </div>
      </>
    );
  } else {
    body = <Loading label={`Signing you in to ${name}…`} />;
  }
  return (
    <Page title={`Sign in to ${name}`}>
      <div className="card medium stack">{body}</div>
    </Page>
  );
}

/** Declines the request: the application is told `access_denied`, and the browser goes back to it. */
function CancelButton({
  request,
  onLeave,
  label = 'Cancel',
}: {
  request: Interaction;
  onLeave(label: string): void;
  label?: string;
}) {
  const deny = useAction(async () => {
    const { redirectTo } = await api.call('POST /v1/oidc/interactions/{uid}/abort', {
      path: { uid: request.uid },
    });
    onLeave(`Returning to ${request.client.name}…`);
    leaveFor(redirectTo);
  });
  return (
    <>
      <button type="button" className="button" onClick={() => deny.run()} disabled={deny.busy}>
        {label}
      </button>
      {deny.error ? <p className="inline-error">{explainStep(deny.error, errorCode(deny.error))}</p> : null}
    </>
  );
}

/** The consent step: what the application asks for, the organization to work in, Allow or Deny. */
function ConsentStep({ request, user, here, onLeave, reload }: StepProps) {
  const { refresh } = useSession();
  const name = request.client.name;
  const heading = useId();
  const asksOrganizations = request.scopes.includes('organizations');
  const requested = request.organizationRequested;
  const offered = requested ? request.organizations.filter((o) => o.id === requested) : request.organizations;
  const firstAvailable = offered.find((o) => o.available)?.id ?? null;
  const [picked, setPicked] = useState<string | null>(null);
  // The pick, while it is still one that may be picked (the list is read again after a refusal).
  const choice = offered.some((o) => o.id === picked && o.available) ? picked : firstAvailable;

  const allow = useAction(
    async () => {
      const { redirectTo } = await api.call('POST /v1/oidc/interactions/{uid}/consent', {
        path: { uid: request.uid },
        body: asksOrganizations && choice ? { organizationId: choice } : {},
      });
      onLeave(`Returning to ${name}…`);
      leaveFor(redirectTo);
    },
    (err) => {
      const code = errorCode(err);
      if (code === 'ORGANIZATION_NOT_AVAILABLE') reload();
      if (code === 'UNAUTHENTICATED') void refresh();
    },
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void allow.run();
  };

  if (allow.error && OVER.has(errorCode(allow.error) ?? '')) {
    return (
      <Page title={`Sign in to ${name}`}>
        <div className="card medium stack">
          <Over signedIn />
        </div>
      </Page>
    );
  }
  return (
    <Page title={`Sign in to ${name}`}>
      <form className="card medium stack consent" onSubmit={submit} noValidate aria-labelledby={heading}>
        <p id={heading}>
          <strong>{name}</strong> asks to use your Roster account.
        </p>
        <p className="muted signed-in-as">
          Signed in as <strong>{user.name}</strong> ({user.email}).
        </p>
        <section aria-label={`What ${name} asks for`}>
          <h2 className="form-title">{name} will be able to</h2>
          <ul className="asks">
            {orderedScopes(request.scopes).map((s) => (
              <li key={s}>{scopeWords(s, user)}</li>
            ))}
          </ul>
        </section>
        {asksOrganizations ? (
          <OrganizationPicker
            name={name}
            here={here}
            requested={requested}
            offered={offered}
            choice={choice}
            onPick={setPicked}
          />
        ) : null}
        <ErrorMessage>{allow.error ? explainStep(allow.error, errorCode(allow.error)) : null}</ErrorMessage>
        <div className="row">
          <button type="submit" className="button primary" disabled={allow.busy}>
            Allow
          </button>
          <CancelButton request={request} onLeave={onLeave} label="Deny" />
        </div>
        <p className="muted">
          Allow takes you back to {name}, which will not ask again unless it asks for more. Deny tells it you
          declined.
        </p>
      </form>
    </Page>
  );
}

function OrganizationPicker({
  name,
  here,
  requested,
  offered,
  choice,
  onPick,
}: {
  name: string;
  here: string;
  requested: string | null;
  offered: Interaction['organizations'];
  choice: string | null;
  onPick(id: string): void;
}) {
  const id = useId();
  const security = `/account/security?${new URLSearchParams({ next: here })}`;
  let intro: string;
  if (offered.length === 0) {
    intro = requested
      ? `${name} asks for an organization you are not an active member of: it will not get access to it.`
      : `You are not a member of any organization yet: ${name} will see none.`;
  } else {
    intro = `${name} will work in this organization, with your role there. You can switch organizations from ${name} later.`;
  }
  return (
    <fieldset className="org-picker" aria-describedby={`${id}-intro`}>
      <legend className="legend">Organization</legend>
      <p className="hint org-picker-intro" id={`${id}-intro`}>
        {intro}
      </p>
      {offered.map((o) => {
        const optionId = `${id}-${o.id}`;
        return (
          <div className="field checkbox" key={o.id}>
            <input
              type="radio"
              id={optionId}
              name="organization"
              value={o.id}
              checked={choice === o.id}
              disabled={!o.available}
              aria-describedby={o.available ? undefined : `${optionId}-why`}
              onChange={() => onPick(o.id)}
            />
            <label htmlFor={optionId}>
              {o.name} <RoleBadge role={o.role} />
            </label>
            {o.available ? null : (
              <p className="hint org-why" id={`${optionId}-why`}>
                {o.name} requires two-factor authentication, which your account does not have yet.{' '}
                <Link to={security}>Set up two-factor authentication</Link>, then come back here.
              </p>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
