import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { RoleDef } from '../access.ts';
import {
  api,
  type BulkResult,
  explainCode,
  formatDate,
  type Invitation,
  type InvitationStatus,
  type Organization,
  type Role,
} from '../api.ts';
import { useLoad, usePaged } from '../hooks.ts';
import {
  ContextRoleBadge,
  OrgRolesContext,
  RolePicker,
  useOrgRoles,
  viewerGrants,
} from '../members/roles.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  CopyField,
  copyText,
  Empty,
  ErrorMessage,
  Field,
  FocusedNotice,
  Inline,
  LoadError,
  Loading,
  type Outcome,
  OutcomeMessage,
  Page,
  Pager,
  TextArea,
  useOpener,
  useOutcome,
  useSubmit,
} from '../ui.tsx';

const PAGE_SIZE = 25;
const STATUSES: readonly InvitationStatus[] = ['pending', 'accepted', 'expired', 'revoked'];
const STATUS_LABELS: Record<InvitationStatus, string> = {
  pending: 'Pending',
  accepted: 'Accepted',
  expired: 'Expired',
  revoked: 'Revoked',
};
const MAX_BULK = 1000;

/** Addresses pasted in any shape: one per line, or separated by commas, semicolons or spaces. */
function parseEmails(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
}

/**
 * The organization's invitations (member:read): counts and a filter per status, a paginated list, and
 * for those holding member:invite: invite one or many, copy a fresh link, resend, revoke. Admins also
 * answer requests to invite someone. Members without member:invite can ask an admin to invite.
 */
export function InvitationsPage({ org }: OrgPageProps) {
  const canInvite = org.viewer.scopes.includes('member:invite');
  const canAdmin = org.viewer.scopes.includes('member:admin');
  const [status, setStatus] = useState<InvitationStatus | ''>('pending');
  /** Bumped after every change: the list and the requests are read again. */
  const [version, setVersion] = useState(0);

  const list = usePaged(
    (cursor) =>
      api.call('GET /v1/organizations/{org}/invitations', {
        path: { org: org.id },
        query: { limit: PAGE_SIZE, cursor, status: status || undefined },
      }),
    `${org.id}|${status}`,
  );
  const changed = () => {
    list.reload();
    setVersion((v) => v + 1);
  };

  const { outcome, busy, act } = useOutcome(changed);
  const { roles } = useOrgRoles(org);

  const path = (i: Invitation) => ({ org: org.id, id: i.id });
  const actions: RowActions = {
    copyLink: (i) =>
      act(
        `No new link for ${i.email}.`,
        async () => {
          const res = await api.call('POST /v1/organizations/{org}/invitations/{id}/link', { path: path(i) });
          const copied = await copyText(res.acceptUrl);
          return (
            <>
              {copied ? 'A new link was copied to the clipboard' : 'Here is a new link'} for {i.email}.
              Earlier links to this invitation no longer work.
              <CopyField label={`Invitation link for ${i.email}`} value={res.acceptUrl} hideLabel />
            </>
          );
        },
        i.id,
      ),
    resend: (i) =>
      act(
        `The invitation to ${i.email} was not resent.`,
        async () => {
          await api.call('POST /v1/organizations/{org}/invitations/{id}/resend', { path: path(i) });
          return `A new email is on its way to ${i.email}. Earlier links no longer work.`;
        },
        i.id,
      ),
    revoke: (i) =>
      act(`The invitation to ${i.email} was not revoked.`, async () => {
        await api.call('DELETE /v1/organizations/{org}/invitations/{id}', { path: path(i) });
        return `The invitation to ${i.email} was revoked: its link no longer works.`;
      }),
    approve: (i) =>
      act(`The request to invite ${i.email} was not approved.`, async () => {
        await api.call('POST /v1/organizations/{org}/invitations/{id}/approve', { path: path(i) });
        return `Approved: an invitation is on its way to ${i.email}.`;
      }),
    reject: (i) =>
      act(`The request to invite ${i.email} was not rejected.`, async () => {
        await api.call('POST /v1/organizations/{org}/invitations/{id}/reject', { path: path(i) });
        return `The request to invite ${i.email} was rejected.`;
      }),
  };

  const counts = list.data?.counts;
  const rows = list.data?.data ?? [];
  return (
    <OrgRolesContext.Provider value={roles}>
      <Page title="Invitations">
        {canInvite ? (
          <InviteForm org={org} roles={roles} onDone={changed} />
        ) : (
          <AskForm org={org} roles={roles} onDone={changed} />
        )}

        <OutcomeMessage outcome={outcome} />

        {canAdmin ? (
          <Requests org={org} version={version} actions={actions} busy={busy} outcome={outcome} />
        ) : null}

        <h2 id="invitation-list">Sent invitations</h2>
        <ul className="segmented" aria-label="Show invitations by status">
          {[...STATUSES, ''].map((s) => {
            const label = s === '' ? 'All' : STATUS_LABELS[s as InvitationStatus];
            const n =
              counts === undefined
                ? null
                : s === ''
                  ? STATUSES.reduce((sum, x) => sum + counts[x], 0)
                  : counts[s as InvitationStatus];
            return (
              <li key={s || 'all'}>
                <button
                  type="button"
                  className="button small"
                  aria-pressed={status === s}
                  onClick={() => setStatus(s as InvitationStatus | '')}
                >
                  {label}
                  {n === null ? '' : ` (${n})`}
                </button>
              </li>
            );
          })}
        </ul>
        {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
        {list.loading && !list.data ? <Loading label="Loading invitations…" /> : null}
        {list.data && rows.length === 0 ? (
          <Empty
            title={status ? `No ${STATUS_LABELS[status].toLowerCase()} invitations.` : 'No invitations yet.'}
          >
            {canInvite ? 'Invite people with the form above.' : null}
          </Empty>
        ) : null}
        {rows.length > 0 ? (
          <InvitationTable
            caption={`Invitations of ${org.name}`}
            rows={rows}
            canInvite={canInvite}
            canAdmin={canAdmin}
            actions={actions}
            busy={busy || list.loading}
            outcome={outcome}
          />
        ) : null}
        <Pager list={list} />
      </Page>
    </OrgRolesContext.Provider>
  );
}

interface RowActions {
  copyLink(i: Invitation): void;
  resend(i: Invitation): void;
  revoke(i: Invitation): void;
  approve(i: Invitation): void;
  reject(i: Invitation): void;
}

/** A link shown once (it carries a token): selectable, with a copy button. */
/** Requests waiting for an admin: to invite someone a member named, or to join by email. */
function Requests({
  org,
  version,
  actions,
  busy,
  outcome,
}: {
  org: Organization;
  version: number;
  actions: RowActions;
  busy: boolean;
  outcome: Outcome | null;
}) {
  const requests = useLoad(async () => {
    const ask = (approval: 'requested_to_be_invited' | 'requested_to_join') =>
      api.call('GET /v1/organizations/{org}/invitations', {
        path: { org: org.id },
        query: { status: 'pending', approval, limit: 100 },
      });
    const [invite, join] = await Promise.all([ask('requested_to_be_invited'), ask('requested_to_join')]);
    return [...invite.data, ...join.data];
  }, `${org.id}|${version}`);
  const rows = requests.data ?? [];
  if (requests.error) return <LoadError error={requests.error} retry={requests.reload} />;
  if (rows.length === 0) return null;
  return (
    <section className="section" aria-labelledby="requests-heading">
      <h2 id="requests-heading">Waiting for approval ({rows.length})</h2>
      <p className="muted">Approving sends the invitation email; rejecting tells no one.</p>
      <InvitationTable
        caption="Requests waiting for approval"
        rows={rows}
        canInvite
        canAdmin
        actions={actions}
        busy={busy}
        outcome={outcome}
      />
    </section>
  );
}

function InvitationTable({
  caption,
  rows,
  canInvite,
  canAdmin,
  actions,
  busy,
  outcome,
}: {
  caption: string;
  rows: Invitation[];
  canInvite: boolean;
  canAdmin: boolean;
  actions: RowActions;
  busy: boolean;
  outcome: Outcome | null;
}) {
  return (
    <table className="table" aria-busy={busy}>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Member</th>
          <th scope="col">Role</th>
          <th scope="col">Status</th>
          <th scope="col">Invited by</th>
          <th scope="col">Expires</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((i) => (
          <InvitationRow
            key={i.id}
            invitation={i}
            canInvite={canInvite}
            canAdmin={canAdmin}
            actions={actions}
            busy={busy}
            outcome={outcome}
          />
        ))}
      </tbody>
    </table>
  );
}

function InvitationRow({
  invitation: i,
  canInvite,
  canAdmin,
  actions,
  busy,
  outcome,
}: {
  invitation: Invitation;
  canInvite: boolean;
  canAdmin: boolean;
  actions: RowActions;
  busy: boolean;
  outcome: Outcome | null;
}) {
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const opener = useOpener();
  const cancel = () => {
    setConfirmRevoke(false);
    opener.refocus();
  };
  const pending = i.status === 'pending';
  const awaiting = pending && i.approval !== 'approved';
  return (
    <tr>
      <td data-label="Member">
        <span className="member-name">{i.email}</span>
        {i.message ? <span className="muted member-email">“{i.message}”</span> : null}
      </td>
      <td data-label="Role">
        <ContextRoleBadge role={i.role} />
      </td>
      <td data-label="Status">
        {awaiting ? (
          <span className="badge status-awaiting">
            {i.approval === 'requested_to_join' ? 'asked to join' : 'awaiting approval'}
          </span>
        ) : (
          <span className={`badge status-${i.status}`}>{i.status}</span>
        )}
      </td>
      <td data-label="Invited by">{i.inviterName ?? (i.invitedByApiKey ? 'An API key' : '—')}</td>
      <td data-label="Expires">{formatDate(i.expiresAt)}</td>
      <td data-label="Actions" className="actions">
        {!pending || !canInvite ? null : confirmRevoke ? (
          <Inline onCancel={cancel}>
            <span>Revoke {i.email}?</span>
            <button
              type="button"
              className="button danger"
              disabled={busy}
              onClick={() => {
                setConfirmRevoke(false);
                actions.revoke(i);
              }}
            >
              Revoke
            </button>
            <button type="button" className="button" onClick={cancel} data-autofocus>
              Cancel
            </button>
          </Inline>
        ) : awaiting ? (
          canAdmin ? (
            <div className="row">
              <button
                type="button"
                className="button small primary"
                disabled={busy}
                onClick={() => actions.approve(i)}
                aria-label={`Approve ${i.email}`}
              >
                Approve
              </button>
              <button
                type="button"
                className="button small danger-outline"
                disabled={busy}
                onClick={() => actions.reject(i)}
                aria-label={`Reject ${i.email}`}
              >
                Reject
              </button>
            </div>
          ) : null
        ) : (
          <div className="row">
            <button
              type="button"
              className="button small"
              disabled={busy}
              onClick={() => actions.copyLink(i)}
              aria-label={`Copy link for ${i.email}`}
            >
              Copy link
            </button>
            <button
              type="button"
              className="button small"
              disabled={busy}
              onClick={() => actions.resend(i)}
              aria-label={`Resend to ${i.email}`}
            >
              Resend
            </button>
            <button
              ref={opener.ref}
              type="button"
              className="button small danger-outline"
              disabled={busy}
              onClick={() => setConfirmRevoke(true)}
              aria-label={`Revoke ${i.email}`}
            >
              Revoke
            </button>
          </div>
        )}
        <OutcomeMessage outcome={outcome} at={i.id} />
      </td>
    </tr>
  );
}

/** Invite one address (the answer carries its link) or many at once (one result per address). */
function InviteForm({
  org,
  roles: all,
  onDone,
}: {
  org: Organization;
  roles: readonly RoleDef[];
  onDone(): void;
}) {
  const { roles, limitNote } = viewerGrants(org, all);
  const [emails, setEmails] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [message, setMessage] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [sent, setSent] = useState<{ email: string; url: string } | null>(null);
  const [bulk, setBulk] = useState<BulkResult | null>(null);
  const list = parseEmails(emails);
  const send = useSubmit(async () => {
    setSent(null);
    setBulk(null);
    const note = message.trim() ? { message: message.trim() } : {};
    if (list.length === 1) {
      const email = list[0] as string;
      const res = await api.call('POST /v1/organizations/{org}/invitations', {
        path: { org: org.id },
        body: { email, role, ...note },
      });
      setSent({ email: res.invitation.email, url: res.acceptUrl });
      setEmails('');
    } else {
      const res = await api.call('POST /v1/organizations/{org}/invitations/bulk', {
        path: { org: org.id },
        body: { emails: list, role, ...note },
      });
      setBulk(res);
      // What was not invited stays in the box, to be corrected and sent again.
      setEmails(
        res.results
          .filter((r) => r.status === 'failed')
          .map((r) => r.input)
          .join('\n'),
      );
    }
    onDone();
  });

  /** A list that is empty or too long is refused here, before asking. */
  function submit(e: FormEvent) {
    e.preventDefault();
    const wrong =
      list.length === 0
        ? 'Enter at least one email address.'
        : list.length > MAX_BULK
          ? `At most ${MAX_BULK} addresses at once.`
          : undefined;
    setProblem(wrong);
    if (wrong) {
      send.clear();
      setSent(null);
      setBulk(null);
      return;
    }
    void send.submit();
  }

  const { busy, message: error, fields } = send;
  return (
    <section className="section" aria-labelledby="invite-heading">
      <form className="card medium" onSubmit={submit} noValidate aria-labelledby="invite-heading">
        <h2 id="invite-heading" className="form-title">
          Invite people
        </h2>
        <ErrorMessage>{error}</ErrorMessage>
        <TextArea
          label="Email addresses"
          name="emails"
          rows={3}
          value={emails}
          onChange={(e) => setEmails(e.target.value)}
          hint="One address, or a list: one per line, or separated by commas or spaces (up to 1,000)."
          error={problem ?? fields.email ?? fields.emails}
        />
        <RolePicker roles={roles} value={role} onChange={setRole} limitNote={limitNote} />
        <TextArea
          label="Message (optional)"
          name="message"
          rows={2}
          maxLength={1000}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          hint="Shown in the invitation email."
          error={fields.message}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send invitations'}
        </button>
      </form>
      {sent ? (
        <FocusedNotice>
          Invitation sent to {sent.email}. You can also share its link yourself:
          <CopyField label={`Invitation link for ${sent.email}`} value={sent.url} hideLabel />
        </FocusedNotice>
      ) : null}
      {bulk ? <BulkResults result={bulk} /> : null}
    </section>
  );
}

function BulkResults({ result }: { result: BulkResult }) {
  // Takes the focus when it appears: the Send button, disabled while sending, would drop it.
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div ref={ref} tabIndex={-1} className="alert alert-info outcome" role="status">
      <p>
        {result.created} invited, {result.failed} not invited.
        {result.failed > 0 ? ' The addresses that were not invited are back in the box above.' : ''}
      </p>
      <table className="table">
        <caption className="visually-hidden">Result for each address</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {result.results.map((r, n) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the same input may appear twice; order is stable.
            <tr key={n}>
              <td data-label="Member">
                <span className="member-name">{r.email ?? r.input}</span>
              </td>
              <td data-label="Result">
                {r.status === 'created' ? (
                  <span className="badge status-accepted">invited</span>
                ) : (
                  <span>
                    <span className="badge status-failed">not invited</span>{' '}
                    {r.error ? explainCode(r.error.code, r.error.message) : null}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** For members who may not invite: ask the admins to invite someone (they approve or reject). */
function AskForm({
  org,
  roles: all,
  onDone,
}: {
  org: Organization;
  roles: readonly RoleDef[];
  onDone(): void;
}) {
  const { roles, limitNote } = viewerGrants(org, all);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [message, setMessage] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const {
    busy,
    message: error,
    fields,
    submit,
  } = useSubmit(async () => {
    setSent(null);
    const res = await api.call('POST /v1/organizations/{org}/invitations/requests', {
      path: { org: org.id },
      body: { email: email.trim(), role, ...(message.trim() ? { message: message.trim() } : {}) },
    });
    setSent(res.invitation.email);
    setEmail('');
    setMessage('');
    onDone();
  });
  return (
    <section className="section" aria-labelledby="ask-heading">
      <form className="card medium" onSubmit={submit} noValidate aria-labelledby="ask-heading">
        <h2 id="ask-heading" className="form-title">
          Ask an admin to invite someone
        </h2>
        <p className="muted">
          Your role does not send invitations itself: an owner or admin approves the request.
        </p>
        <ErrorMessage>{error}</ErrorMessage>
        <Field
          label="Email address"
          type="email"
          name="email"
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fields.email}
        />
        <RolePicker roles={roles} value={role} onChange={setRole} limitNote={limitNote} />
        <TextArea
          label="Message (optional)"
          name="message"
          rows={2}
          maxLength={1000}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          error={fields.message}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Sending…' : 'Ask an admin to invite'}
        </button>
      </form>
      {sent ? (
        <FocusedNotice>
          Your request to invite {sent} was sent to the admins. It is listed below until they answer.
        </FocusedNotice>
      ) : null}
    </section>
  );
}
