import { type FormEvent, useId, useState } from 'react';
import { AccountNav } from '../account/account-nav.tsx';
import { ApiError, api, errorCode, formatDateTime } from '../api.ts';
import { Link } from '../router.tsx';
import { orgHome } from '../routes.tsx';
import { useSession, useUser } from '../session.tsx';
import {
  EmailField,
  ErrorMessage,
  Field,
  NameField,
  Notice,
  navigateWithNotice,
  Page,
  PasswordField,
  useSubmit,
} from '../ui.tsx';

/**
 * The person's own account (`/account`): their name, their email address (changed through a link to
 * the new one), their password, and deleting the account. Second factors and sessions are on
 * `/account/security`.
 */
export function AccountPage() {
  return (
    <>
      <AccountNav />
      <Page title="Profile">
        <ProfileForm />
        <EmailForm />
        <PasswordForm />
        <DeleteAccount />
      </Page>
    </>
  );
}

function ProfileForm() {
  const user = useUser();
  const { refresh } = useSession();
  const [name, setName] = useState(user.name);
  const [saved, setSaved] = useState(false);
  const heading = useId();
  const form = useSubmit(async () => {
    setSaved(false);
    await api.call('PATCH /v1/me', { body: { name } });
    await refresh();
    setSaved(true);
  });
  return (
    <section className="card section medium" aria-labelledby={heading}>
      <h2 id={heading} className="form-title">
        Your name
      </h2>
      <form onSubmit={form.submit} noValidate>
        <ErrorMessage>{form.message}</ErrorMessage>
        {saved ? <Notice>Your name was saved.</Notice> : null}
        <NameField
          value={name}
          onChange={(e) => {
            setSaved(false);
            setName(e.target.value);
          }}
          error={form.fields.name}
          hint="Shown to the other members of your organizations and in their audit logs."
        />
        <button type="submit" className="button primary" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Save name'}
        </button>
      </form>
    </section>
  );
}

function EmailForm() {
  const user = useUser();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState<{ email: string; expiresAt: string } | null>(null);
  const heading = useId();
  const form = useSubmit(async () => {
    setPending(null);
    const sent = await api.call('POST /v1/me/email', { body: { email: email.trim(), password } });
    setPending(sent);
    setEmail('');
    setPassword('');
  });
  const message =
    errorCode(form.error) === 'EMAIL_TAKEN'
      ? 'Another account already uses this address. Choose another one.'
      : form.message;
  return (
    <section className="card section medium" aria-labelledby={heading}>
      <h2 id={heading} className="form-title">
        Email address
      </h2>
      <p>
        You sign in with <strong>{user.email}</strong>
        {user.emailVerified ? ' (verified).' : ' (not verified yet).'}
      </p>
      {pending ? (
        <Notice>
          We sent a link to <strong>{pending.email}</strong>. Your address stays <strong>{user.email}</strong>{' '}
          until you follow it (before {formatDateTime(pending.expiresAt)}).
        </Notice>
      ) : null}
      <form onSubmit={form.submit} noValidate aria-label="Change your email address">
        <ErrorMessage>{message}</ErrorMessage>
        <EmailField
          label="New email address"
          name="newEmail"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={form.fields.email}
          hint="We email a link to the new address; it replaces the old one when you follow the link."
        />
        <PasswordField
          label="Current password"
          name="currentPasswordForEmail"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={form.fields.password}
        />
        <button type="submit" className="button primary" disabled={form.busy}>
          {form.busy ? 'Sending…' : 'Send the link'}
        </button>
      </form>
    </section>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [revoked, setRevoked] = useState<number | null>(null);
  const heading = useId();
  const form = useSubmit(async () => {
    const done = await api.call('POST /v1/me/password', {
      body: { currentPassword: current, newPassword: next },
    });
    setRevoked(done.revoked);
    setCurrent('');
    setNext('');
    setAgain('');
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setRevoked(null);
    form.clear();
    setMismatch(next !== again);
    if (next === again) void form.submit();
  }
  return (
    <section className="card section medium" aria-labelledby={heading}>
      <h2 id={heading} className="form-title">
        Password
      </h2>
      {revoked !== null ? (
        <Notice>
          Your password was changed.{' '}
          {revoked === 0
            ? 'You had no other session to sign out.'
            : `Your other sessions were signed out (${revoked}); this one stays signed in.`}
        </Notice>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Change your password">
        <ErrorMessage>{form.message}</ErrorMessage>
        <PasswordField
          label="Current password"
          name="currentPassword"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={form.fields.currentPassword}
        />
        <PasswordField
          choosing
          label="New password"
          name="newPassword"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          error={form.fields.newPassword}
          hint="At least 8 characters. Your other sessions will be signed out."
        />
        <Field
          label="Confirm new password"
          type="password"
          name="confirmPassword"
          autoComplete="new-password"
          required
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          error={mismatch ? 'The two passwords are not the same.' : undefined}
        />
        <button type="submit" className="button primary" disabled={form.busy}>
          {form.busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}

interface OwnedOrganization {
  id: string;
  slug: string;
  name: string;
}

/** The organizations a LAST_OWNER refusal names (`details.organizations`). */
function lastOwnerOf(err: unknown): OwnedOrganization[] | null {
  if (!(err instanceof ApiError) || err.code !== 'LAST_OWNER') return null;
  const orgs = (err.details as { organizations?: unknown } | null)?.organizations;
  return Array.isArray(orgs) ? (orgs as OwnedOrganization[]) : [];
}

/**
 * Deleting the account: the password, and the account's email address typed as confirmation (the
 * button stays disabled until it matches). While the person is the last owner of an organization, the
 * refusal names each one, with a link to its members.
 */
function DeleteAccount() {
  const user = useUser();
  const { signOut } = useSession();
  const [password, setPassword] = useState('');
  const [typed, setTyped] = useState('');
  const confirmed = typed.trim().toLowerCase() === user.email.toLowerCase();
  const heading = useId();
  const removal = useSubmit(async () => {
    if (!confirmed) return;
    await api.call('DELETE /v1/me', { body: { password } });
    // The API cleared the cookie; forget the account here too, then say so on the sign-in page.
    await signOut().catch(() => {});
    navigateWithNotice('/sign-in', `Your account ${user.email} was deleted. We sent a last email to it.`, {
      replace: true,
    });
  });
  const owned = lastOwnerOf(removal.error);
  return (
    <section className="danger-zone" aria-labelledby={heading}>
      <h2 id={heading}>Delete account</h2>
      <form className="card medium" onSubmit={removal.submit} noValidate>
        <p>
          Deleting your account cannot be undone. You leave every organization you are in, your sessions end,
          and you can no longer sign in as <strong>{user.email}</strong>. Invitations you sent stay valid;
          audit logs keep your actions, as by a deleted account.
        </p>
        {owned ? (
          <div className="alert alert-error" role="alert">
            <p className="alert-title">
              You are the last owner of {owned.length === 1 ? 'this organization' : 'these organizations'}, so
              your account was not deleted:
            </p>
            <ul>
              {owned.map((o) => (
                <li key={o.id}>
                  <Link to={orgHome(o.slug)}>{o.name}</Link>
                </li>
              ))}
            </ul>
            <p>
              In each, make another member an owner on its Members page, or delete the organization in its
              Settings. Then delete your account.
            </p>
          </div>
        ) : (
          <ErrorMessage>{removal.message}</ErrorMessage>
        )}
        <PasswordField
          name="deletePassword"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={removal.fields.password}
        />
        <Field
          label={`Type ${user.email} to confirm`}
          name="confirmEmail"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        <button type="submit" className="button danger" disabled={!confirmed || !password || removal.busy}>
          {removal.busy ? 'Deleting…' : 'Delete my account'}
        </button>
      </form>
    </section>
  );
}
