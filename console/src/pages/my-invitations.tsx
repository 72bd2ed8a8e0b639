import { useState } from 'react';
import { withArticle } from '../access.ts';
import { api, explain, formatDate, type MyInvitation } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { RoleBadge } from '../members/roles.tsx';
import { Link } from '../router.tsx';
import { orgHome } from '../routes.tsx';
import { useSession, useUser } from '../session.tsx';
import { Empty, ErrorMessage, LoadError, Loading, Notice, Page } from '../ui.tsx';

type Outcome = { ok: string; slug?: string } | { error: string } | null;

/**
 * What waits for the signed-in user's answer: invitations to their (verified) email, and owner-adds
 * (an admin added their existing account). Accepting makes them an active member; declining removes it.
 */
export function MyInvitationsPage() {
  const me = useUser();
  const { refresh } = useSession();
  const list = useLoad(() => api.call('GET /v1/me/invitations'), me.id);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  async function answer(item: MyInvitation, choice: 'accept' | 'decline') {
    setBusy(item.id);
    setOutcome(null);
    const name = item.organization.name;
    try {
      const path = { id: item.id };
      if (item.kind === 'owner_add') {
        if (choice === 'accept') await api.call('POST /v1/me/memberships/{id}/accept', { path });
        else await api.call('POST /v1/me/memberships/{id}/decline', { path });
      } else if (choice === 'accept') await api.call('POST /v1/me/invitations/{id}/accept', { path });
      else await api.call('POST /v1/me/invitations/{id}/decline', { path });
      setOutcome(
        choice === 'accept'
          ? { ok: `You joined ${name} as ${withArticle(item.role)}.`, slug: item.organization.slug }
          : { ok: `You declined to join ${name}.` },
      );
      setConfirming(null);
      await refresh();
      list.reload();
    } catch (err) {
      setOutcome({
        error: `${choice === 'accept' ? `You have not joined ${name}.` : 'Nothing was declined.'} ${explain(err)}`,
      });
    } finally {
      setBusy(null);
    }
  }

  const items = list.data?.data ?? [];
  return (
    <Page title="My invitations">
      {outcome && 'error' in outcome ? <ErrorMessage>{outcome.error}</ErrorMessage> : null}
      {outcome && 'ok' in outcome ? (
        <Notice>
          {outcome.ok} {outcome.slug ? <Link to={orgHome(outcome.slug)}>Open the organization</Link> : null}
        </Notice>
      ) : null}
      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading your invitations…" /> : null}
      {list.data && items.length === 0 ? (
        <Empty title="Nothing is waiting for your answer.">
          {me.emailVerified
            ? 'Invitations to your email address and organizations that add you will appear here.'
            : 'Confirm your email address to see the invitations sent to it.'}
        </Empty>
      ) : null}
      {items.length > 0 ? (
        <ul className="org-list" aria-busy={list.loading}>
          {items.map((item) => (
            <li key={`${item.kind}-${item.id}`} className="card" aria-label={item.organization.name}>
              <span className="org-name">{item.organization.name}</span>
              <span>
                {item.invitedBy ? <strong>{item.invitedBy}</strong> : 'An admin'}{' '}
                {item.kind === 'owner_add' ? 'added you' : 'invited you'} as <RoleBadge role={item.role} />
              </span>
              {item.message ? <blockquote className="quote">{item.message}</blockquote> : null}
              <span className="muted">
                {item.kind === 'owner_add' ? 'Added' : 'Invited'} {formatDate(item.createdAt)}
                {item.expiresAt ? ` · expires ${formatDate(item.expiresAt)}` : ''}
              </span>
              {confirming === item.id ? (
                <fieldset className="row">
                  <legend className="visually-hidden">Confirm declining</legend>
                  <span>Decline {item.organization.name}?</span>
                  <button
                    type="button"
                    className="button danger"
                    disabled={busy !== null}
                    onClick={() => answer(item, 'decline')}
                  >
                    Yes, decline
                  </button>
                  <button type="button" className="button" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </fieldset>
              ) : (
                <div className="row">
                  <button
                    type="button"
                    className="button primary"
                    disabled={busy !== null}
                    onClick={() => answer(item, 'accept')}
                    aria-label={`Accept ${item.organization.name}`}
                  >
                    {busy === item.id ? 'Joining…' : 'Accept'}
                  </button>
                  <button
                    type="button"
                    className="button"
                    disabled={busy !== null}
                    onClick={() => {
                      setOutcome(null);
                      setConfirming(item.id);
                    }}
                    aria-label={`Decline ${item.organization.name}`}
                  >
                    Decline
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </Page>
  );
}
