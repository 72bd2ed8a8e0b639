import { useState } from 'react';
import { type RoleDef, roleDef, roleLabel, withArticle } from '../access.ts';
import { api, formatDateTime, type JoinRequest, type Role } from '../api.ts';
import { usePaged } from '../hooks.ts';
import { abilitiesSentence, capitalized, useOrgRoles, viewerGrants } from '../members/roles.tsx';
import { Link } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  Empty,
  Inline,
  LoadError,
  Loading,
  Notice,
  OutcomeMessage,
  Page,
  Pager,
  useOpener,
  useOutcome,
} from '../ui.tsx';

const PAGE_SIZE = 25;

/** The approval queue (member:admin): people who asked to join, oldest first; approve with a role, or reject. */
export function JoinRequestsPage({ org }: OrgPageProps) {
  const canAdmin = org.viewer.scopes.includes('member:admin');
  const all = useOrgRoles(org).roles;
  const { roles } = viewerGrants(org, all);

  const list = usePaged(
    (cursor) =>
      api.call('GET /v1/organizations/{org}/join-requests', {
        path: { org: org.id },
        query: { limit: PAGE_SIZE, cursor },
      }),
    org.id,
  );
  const { outcome, busy, act } = useOutcome(list.reload);

  function answer(r: JoinRequest, choice: 'approve' | 'reject', role: Role) {
    const who = r.name ?? r.email;
    return act(`The request from ${who} was not answered.`, async () => {
      const path = { org: org.id, id: r.id };
      if (choice === 'reject') {
        await api.call('POST /v1/organizations/{org}/join-requests/{id}/reject', { path });
        return `The request from ${who} was rejected.`;
      }
      await api.call('POST /v1/organizations/{org}/join-requests/{id}/approve', { path, body: { role } });
      return r.kind === 'user'
        ? `${who} is now ${withArticle(role, all)} of ${org.name}.`
        : `${who} was approved: an invitation is on its way to ${r.email}.`;
    });
  }

  const rows = list.data?.data ?? [];
  return (
    <Page title="Join requests">
      {org.ssoEnforced ? (
        <Notice>
          This organization refuses requests to join: “Single sign-on enforced” is on in its settings.{' '}
          {org.viewer.scopes.includes('org:write') ? (
            <>
              Turn it off in <Link to={`/orgs/${encodeURIComponent(org.slug)}/settings`}>Settings</Link> to
              take requests again.
            </>
          ) : null}
        </Notice>
      ) : !org.joinRequestsEnabled ? (
        <Notice>
          This organization does not take new requests to join.{' '}
          {org.viewer.scopes.includes('org:write') ? (
            <>
              Turn them on in <Link to={`/orgs/${encodeURIComponent(org.slug)}/settings`}>Settings</Link>.
            </>
          ) : null}
        </Notice>
      ) : (
        <p className="muted">
          People can ask to join at <code>/join/{org.slug}</code>. Approving makes them members.
        </p>
      )}
      <OutcomeMessage outcome={outcome} />
      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading requests…" /> : null}
      {list.data && rows.length === 0 ? (
        <Empty title="No one is waiting to join.">New requests to join will appear here.</Empty>
      ) : null}
      {rows.length > 0 ? (
        <table className="table" aria-busy={list.loading}>
          <caption className="visually-hidden">Requests to join {org.name}</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Account</th>
              <th scope="col">Asked</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <RequestRow
                key={r.id}
                request={r}
                roles={roles}
                canAdmin={canAdmin}
                busy={busy}
                onAnswer={(choice, role) => answer(r, choice, role)}
              />
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager list={list} />
    </Page>
  );
}

function RequestRow({
  request: r,
  roles,
  canAdmin,
  busy,
  onAnswer,
}: {
  request: JoinRequest;
  /** The roles the viewer may give. */
  roles: readonly RoleDef[];
  canAdmin: boolean;
  busy: boolean;
  onAnswer(choice: 'approve' | 'reject', role: Role): void;
}) {
  const [role, setRole] = useState<Role>('member');
  const [confirmReject, setConfirmReject] = useState(false);
  const opener = useOpener();
  const cancel = () => {
    setConfirmReject(false);
    opener.refocus();
  };
  const who = r.name ?? r.email;
  const roleId = `join-role-${r.id}`;
  const chosen = roleDef(role, roles);
  return (
    <tr>
      <td data-label="Member">
        <span className="member-name">{who}</span>
        {r.name ? <span className="muted member-email">{r.email}</span> : null}
      </td>
      <td data-label="Account">{r.kind === 'user' ? 'Signed in' : 'Email only'}</td>
      <td data-label="Asked">{formatDateTime(r.createdAt)}</td>
      <td data-label="Actions" className="actions">
        {!canAdmin ? null : confirmReject ? (
          <Inline onCancel={cancel}>
            <span>Reject {who}?</span>
            <button
              type="button"
              className="button danger"
              disabled={busy}
              onClick={() => onAnswer('reject', role)}
            >
              Reject
            </button>
            <button type="button" className="button" onClick={cancel} data-autofocus>
              Cancel
            </button>
          </Inline>
        ) : (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              onAnswer('approve', role);
            }}
          >
            {r.kind === 'user' ? (
              <>
                <label htmlFor={roleId} className="visually-hidden">
                  Role for {who}
                </label>
                <select
                  id={roleId}
                  value={role}
                  onChange={(e) => setRole(e.target.value)}
                  aria-describedby={`${roleId}-can`}
                >
                  {roles.map((x) => (
                    <option key={x.key} value={x.key}>
                      {roleLabel(x.key, roles)}
                    </option>
                  ))}
                </select>
              </>
            ) : (
              <span className="muted">Approving emails an invitation</span>
            )}
            <button
              type="submit"
              className="button small primary"
              disabled={busy}
              aria-label={`Approve ${who}`}
            >
              Approve
            </button>
            <button
              ref={opener.ref}
              type="button"
              className="button small danger-outline"
              disabled={busy}
              onClick={() => setConfirmReject(true)}
              aria-label={`Reject ${who}`}
            >
              Reject
            </button>
            {r.kind === 'user' ? (
              <span className="muted inline-note" id={`${roleId}-can`}>
                {chosen
                  ? `${capitalized(withArticle(role, roles))} ${abilitiesSentence(chosen).replace(/^Can/, 'can')}`
                  : null}
              </span>
            ) : null}
          </form>
        )}
      </td>
    </tr>
  );
}
