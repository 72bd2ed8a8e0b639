/**
 * "Waiting to join", beside the members: pending invitations (by email), people added with their
 * account who have not answered yet (owner-adds), and requests to join — each with what can be done
 * about it here, or where.
 */
import { useState } from 'react';
import { canManageRole, type RoleDef, roleDef } from '../access.ts';
import { api, formatDate, type Invitation, type Member, type Organization, type Role } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import { Inline, LoadError, OutcomeMessage, useOpener, useOutcome } from '../ui.tsx';
import { RoleBadge } from './roles.tsx';

const LIMIT = 100;

type Row =
  | { kind: 'invitation'; key: string; invitation: Invitation }
  | { kind: 'owner_add' | 'join_request'; key: string; member: Member };

/** Everything waiting, newest first; `total` says whether there are more than one page of each. */
export function useWaiting(org: Organization, version: number) {
  return useLoad(async () => {
    const [members, invitations] = await Promise.all([
      api.call('GET /v1/organizations/{org}/members', {
        path: { org: org.id },
        query: { status: 'pending', limit: LIMIT },
      }),
      api.call('GET /v1/organizations/{org}/invitations', {
        path: { org: org.id },
        query: { status: 'pending', limit: LIMIT },
      }),
    ]);
    const rows: Row[] = [
      ...members.data.map(
        (m): Row => ({
          kind: m.source === 'join_request' ? 'join_request' : 'owner_add',
          key: `m-${m.id}`,
          member: m,
        }),
      ),
      ...invitations.data.map((i): Row => ({ kind: 'invitation', key: `i-${i.id}`, invitation: i })),
    ];
    rows.sort((a, b) => since(b).localeCompare(since(a)));
    return { rows, more: members.nextCursor !== null || invitations.nextCursor !== null };
  }, `${org.id}|${version}`);
}

const since = (r: Row) => (r.kind === 'invitation' ? r.invitation.createdAt : r.member.createdAt);

export function Waiting({
  org,
  waiting,
  roles,
  onChanged,
}: {
  org: Organization;
  waiting: ReturnType<typeof useWaiting>;
  /** The organization's roles (to name and judge each one). */
  roles: readonly RoleDef[];
  onChanged(): void;
}) {
  const { outcome, busy, act } = useOutcome(onChanged);
  const rows = waiting.data?.rows ?? [];
  const orgPath = `/orgs/${encodeURIComponent(org.slug)}`;

  const withdraw = (m: Member) =>
    act(`${m.name} is still asked to join.`, async () => {
      await api.call('DELETE /v1/organizations/{org}/members/{userId}', {
        path: { org: org.id, userId: m.userId },
      });
      return `${m.name} is no longer asked to join ${org.name}.`;
    });
  const revoke = (i: Invitation) =>
    act(`The invitation to ${i.email} was not revoked.`, async () => {
      await api.call('DELETE /v1/organizations/{org}/invitations/{id}', {
        path: { org: org.id, id: i.id },
      });
      return `The invitation to ${i.email} was revoked: its link no longer works.`;
    });

  if (waiting.error) return <LoadError error={waiting.error} retry={waiting.reload} />;
  return (
    <>
      <OutcomeMessage outcome={outcome} />
      {rows.length === 0 ? null : (
        <section className="section" aria-labelledby="waiting-heading">
          <h2 id="waiting-heading">Waiting to join ({rows.length})</h2>
          <p className="muted">
            Not members yet: they become members once they accept (or an admin approves their request).
            {waiting.data?.more ? (
              <>
                {' '}
                Only the newest are listed; see <Link to={`${orgPath}/invitations`}>Invitations</Link> for
                all.
              </>
            ) : null}
          </p>
          <table className="table" aria-busy={waiting.loading || busy}>
            <caption className="visually-hidden">People waiting to join {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Waiting for</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <WaitingRow
                  key={r.key}
                  row={r}
                  org={org}
                  roles={roles}
                  busy={busy}
                  onWithdraw={withdraw}
                  onRevoke={revoke}
                />
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

function WaitingRow({
  row,
  org,
  roles,
  busy,
  onWithdraw,
  onRevoke,
}: {
  row: Row;
  org: Organization;
  roles: readonly RoleDef[];
  busy: boolean;
  onWithdraw(m: Member): void;
  onRevoke(i: Invitation): void;
}) {
  const [confirm, setConfirm] = useState(false);
  const opener = useOpener();
  const scopes = org.viewer.scopes;
  const orgPath = `/orgs/${encodeURIComponent(org.slug)}`;
  const cancel = () => {
    setConfirm(false);
    opener.refocus();
  };

  let who: { name: string; email: string | null };
  let role: Role;
  let what: string;
  let when: string;
  let action: { label: string; confirm: string; run(): void } | null = null;
  let elsewhere: { to: string; label: string } | null = null;
  if (row.kind === 'invitation') {
    const i = row.invitation;
    who = { name: i.email, email: null };
    role = i.role;
    when = `${formatDate(i.createdAt)}${i.expiresAt ? ` · expires ${formatDate(i.expiresAt)}` : ''}`;
    if (i.approval === 'approved') {
      what = `Their answer to the invitation emailed${i.inviterName ? ` by ${i.inviterName}` : ''}`;
      if (scopes.includes('member:invite'))
        action = { label: 'Revoke', confirm: `Revoke the invitation to ${i.email}?`, run: () => onRevoke(i) };
    } else if (i.approval === 'requested_to_join') {
      what = 'An admin: they asked to join by email';
      if (scopes.includes('member:admin')) elsewhere = { to: `${orgPath}/join-requests`, label: 'Answer' };
    } else {
      what = `An admin to approve inviting them${i.inviterName ? ` (asked by ${i.inviterName})` : ''}`;
      if (scopes.includes('member:admin')) elsewhere = { to: `${orgPath}/invitations`, label: 'Answer' };
    }
  } else {
    const m = row.member;
    who = { name: m.name, email: m.email };
    role = m.role;
    when = formatDate(m.createdAt);
    if (row.kind === 'owner_add') {
      what = 'Their answer: they were added with their account';
      const target = roleDef(m.role, roles);
      if (scopes.includes('member:admin') && target && canManageRole(org.viewer, target))
        action = {
          label: 'Withdraw',
          confirm: `Stop asking ${m.name} to join?`,
          run: () => onWithdraw(m),
        };
    } else {
      what = 'An admin: they asked to join';
      if (scopes.includes('member:admin')) elsewhere = { to: `${orgPath}/join-requests`, label: 'Answer' };
    }
  }

  return (
    <tr>
      <td data-label="Member">
        <span className="member-name">{who.name}</span>
        {who.email ? <span className="muted member-email">{who.email}</span> : null}
      </td>
      <td data-label="Role">
        <RoleBadge role={role} roles={roles} />
      </td>
      <td data-label="Waiting for">{what}</td>
      <td data-label="Since">{when}</td>
      <td data-label="Actions" className="actions">
        {action && confirm ? (
          <Inline onCancel={cancel}>
            <span>{action.confirm}</span>
            <button
              type="button"
              className="button danger"
              disabled={busy}
              onClick={() => {
                setConfirm(false);
                action.run();
              }}
            >
              {action.label}
            </button>
            <button type="button" className="button" onClick={cancel} data-autofocus>
              Cancel
            </button>
          </Inline>
        ) : action ? (
          <button
            ref={opener.ref}
            type="button"
            className="button small danger-outline"
            disabled={busy}
            onClick={() => setConfirm(true)}
            aria-label={`${action.label} ${who.name}`}
          >
            {action.label}
          </button>
        ) : elsewhere ? (
          <Link className="button small" to={elsewhere.to} aria-label={`${elsewhere.label} ${who.name}`}>
            {elsewhere.label}
          </Link>
        ) : null}
      </td>
    </tr>
  );
}
