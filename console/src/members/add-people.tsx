/**
 * "Add people" on the Members page: invite an address by email (member:invite), or find an existing
 * account by its exact email and propose the membership (member:admin: an owner-add, which the person
 * accepts from My invitations). Escape closes it.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type RoleDef, withArticle } from '../access.ts';
import { api, errorCode, type Organization, type Role } from '../api.ts';
import { checkEmail } from '../checks.ts';
import { CopyField, ErrorMessage, Field, FocusedNotice, Notice, TextArea, useSubmit } from '../ui.tsx';
import { RolePicker, viewerGrants } from './roles.tsx';

type Mode = 'invite' | 'existing';
type Profile = {
  id: string;
  email: string;
  name: string;
  membership: { status: 'active' | 'pending'; role: Role; source: string } | null;
};

export function AddPeople({
  org,
  roles,
  onClose,
  onChanged,
}: {
  org: Organization;
  /** The organization's roles: the pickers offer those the viewer may give. */
  roles: readonly RoleDef[];
  onClose(): void;
  /** Something was added: the lists are read again. */
  onChanged(): void;
}) {
  const canInvite = org.viewer.scopes.includes('member:invite');
  const canAdd = org.viewer.scopes.includes('member:admin');
  const [mode, setMode] = useState<Mode>(canInvite ? 'invite' : 'existing');
  const [email, setEmail] = useState('');
  const heading = useId();
  const ref = useRef<HTMLElement>(null);
  const close = useRef(onClose);
  close.current = onClose;

  // Opening puts the focus in the panel; Escape anywhere in it closes it.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.querySelector<HTMLElement>('input, textarea, select')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      close.current();
    };
    el.addEventListener('keydown', onKey);
    return () => el.removeEventListener('keydown', onKey);
  }, []);

  const switchTo = (m: Mode, carry?: string) => {
    setMode(m);
    if (carry !== undefined) setEmail(carry);
  };

  return (
    <section ref={ref} className="card add-people" aria-labelledby={heading}>
      <div className="section-header">
        <h2 id={heading} className="form-title">
          Add people to {org.name}
        </h2>
        <button type="button" className="button small" onClick={onClose}>
          Close
        </button>
      </div>
      {canInvite && canAdd ? (
        <fieldset className="choice">
          <legend className="visually-hidden">How to add them</legend>
          <button
            type="button"
            className="button"
            aria-pressed={mode === 'invite'}
            onClick={() => switchTo('invite')}
          >
            Invite by email
          </button>
          <button
            type="button"
            className="button"
            aria-pressed={mode === 'existing'}
            onClick={() => switchTo('existing')}
          >
            Add someone with an account
          </button>
        </fieldset>
      ) : null}
      {mode === 'invite' ? (
        <InviteByEmail
          key="invite"
          org={org}
          roles={roles}
          email={email}
          onEmail={setEmail}
          onChanged={onChanged}
        />
      ) : (
        <AddExisting
          key="existing"
          org={org}
          roles={roles}
          email={email}
          onEmail={setEmail}
          onChanged={onChanged}
          onInvite={canInvite ? (address) => switchTo('invite', address) : undefined}
        />
      )}
    </section>
  );
}

function InviteByEmail({
  org,
  roles,
  email,
  onEmail,
  onChanged,
}: {
  org: Organization;
  roles: readonly RoleDef[];
  email: string;
  onEmail(e: string): void;
  onChanged(): void;
}) {
  const [role, setRole] = useState<Role>('member');
  const grants = viewerGrants(org, roles);
  const [message, setMessage] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [sent, setSent] = useState<{ email: string; url: string } | null>(null);
  const send = useSubmit(async () => {
    const res = await api.call('POST /v1/organizations/{org}/invitations', {
      path: { org: org.id },
      body: { email: email.trim(), role, ...(message.trim() ? { message: message.trim() } : {}) },
    });
    setSent({ email: res.invitation.email, url: res.acceptUrl });
    onEmail('');
    setMessage('');
    onChanged();
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setSent(null);
    const wrong = checkEmail(email);
    setProblem(wrong);
    if (wrong) {
      send.clear();
      return;
    }
    void send.submit();
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Invite by email">
      <p className="muted">
        They get an email with a link; it works once they sign in or create an account with this address. To
        invite many addresses at once, use the <em>Invitations</em> page.
      </p>
      {sent ? (
        <FocusedNotice>
          Invitation sent to {sent.email}. It is listed under <em>Waiting to join</em> until it is answered.
          You can also share its link yourself:
          <CopyField label={`Invitation link for ${sent.email}`} value={sent.url} hideLabel />
        </FocusedNotice>
      ) : null}
      <ErrorMessage>{send.message}</ErrorMessage>
      <Field
        label="Email address"
        type="email"
        name="email"
        autoComplete="off"
        value={email}
        onChange={(e) => onEmail(e.target.value)}
        error={problem ?? send.fields.email}
      />
      <RolePicker roles={grants.roles} value={role} onChange={setRole} limitNote={grants.limitNote} />
      <TextArea
        label="Message (optional)"
        name="message"
        rows={2}
        maxLength={1000}
        value={message}
        onChange={(e) => setMessage(e.target.value)}
        hint="Shown in the invitation email."
        error={send.fields.message}
      />
      <button type="submit" className="button primary" disabled={send.busy}>
        {send.busy ? 'Sending…' : 'Send invitation'}
      </button>
    </form>
  );
}

function AddExisting({
  org,
  roles,
  email,
  onEmail,
  onChanged,
  onInvite,
}: {
  org: Organization;
  roles: readonly RoleDef[];
  email: string;
  onEmail(e: string): void;
  onChanged(): void;
  /** Switches to inviting this address by email (when the viewer may invite). */
  onInvite: ((email: string) => void) | undefined;
}) {
  const [role, setRole] = useState<Role>('member');
  const grants = viewerGrants(org, roles);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [found, setFound] = useState<Profile | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  const search = useSubmit(
    async () => {
      setFound(null);
      setMissing(null);
      setAdded(null);
      const wrong = checkEmail(email);
      setProblem(wrong);
      if (wrong) return;
      setFound(
        await api.call('GET /v1/organizations/{org}/members/search', {
          path: { org: org.id },
          query: { email: email.trim() },
        }),
      );
    },
    (err) => {
      if (errorCode(err) === 'USER_NOT_FOUND') setMissing(email.trim());
    },
  );

  const propose = useSubmit(async () => {
    if (!found) return;
    await api.call('POST /v1/organizations/{org}/members', {
      path: { org: org.id },
      body: { userId: found.id, role },
    });
    setAdded(`${found.name} (${found.email})`);
    setFound(null);
    onEmail('');
    onChanged();
  });

  const already = found?.membership;
  return (
    <div className="stack">
      <form onSubmit={search.submit} noValidate aria-label="Find an account">
        <p className="muted">
          Type the exact email address of their Roster account. They are asked first: the membership starts
          once they accept it from <em>My invitations</em>.
        </p>
        {added ? (
          <FocusedNotice>
            {added} was asked to join {org.name} as {withArticle(role, roles)}. Until they answer, they are
            listed under <em>Waiting to join</em>.
          </FocusedNotice>
        ) : null}
        {missing ? (
          <div className="alert alert-info" role="status">
            No Roster account has the address {missing}.{' '}
            {onInvite ? (
              <button type="button" className="link-button" onClick={() => onInvite(missing)}>
                Invite {missing} by email instead
              </button>
            ) : (
              'Ask an owner or an admin to invite it by email.'
            )}
          </div>
        ) : (
          <ErrorMessage>{search.message}</ErrorMessage>
        )}
        <div className="search-row">
          <Field
            label="Email address of their account"
            type="email"
            name="email"
            autoComplete="off"
            value={email}
            onChange={(e) => {
              onEmail(e.target.value);
              setFound(null);
              setMissing(null);
            }}
            error={problem ?? search.fields.email}
          />
          <button type="submit" className="button" disabled={search.busy}>
            {search.busy ? 'Looking…' : 'Find account'}
          </button>
        </div>
      </form>
      {found ? (
        <form className="found" onSubmit={propose.submit} noValidate aria-label={`Add ${found.name}`}>
          <p>
            <strong>{found.name}</strong> <span className="muted">{found.email}</span>
          </p>
          {already ? (
            <Notice>
              {found.name}{' '}
              {already.status === 'active'
                ? `is already ${withArticle(already.role, roles)} of ${org.name}.`
                : already.source === 'join_request'
                  ? 'asked to join; answer the request on the Join requests page.'
                  : 'was already asked to join and has not answered yet.'}
            </Notice>
          ) : (
            <>
              <ErrorMessage>{propose.message}</ErrorMessage>
              <RolePicker roles={grants.roles} value={role} onChange={setRole} limitNote={grants.limitNote} />
              <button type="submit" className="button primary" disabled={propose.busy}>
                {propose.busy ? 'Adding…' : `Ask ${found.name} to join`}
              </button>
            </>
          )}
        </form>
      ) : null}
    </div>
  );
}
