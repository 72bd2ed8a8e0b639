import { useState } from 'react';
import { api, errorCode, formatDate, formatDateTime, type OwnershipTransfer } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { orgHome } from '../routes.tsx';
import { useSession, useUser } from '../session.tsx';
import {
  Empty,
  Inline,
  LoadError,
  Loading,
  navigateWithNotice,
  OutcomeMessage,
  Page,
  useOpener,
  useOutcome,
} from '../ui.tsx';

/** Answers that say the proposal on the page is stale: the list is read again. */
const STALE = [
  'OWNERSHIP_TRANSFER_NOT_FOUND',
  'OWNERSHIP_TRANSFER_ANSWERED',
  'OWNERSHIP_TRANSFER_EXPIRED',
  'OWNERSHIP_TRANSFER_INVALID',
];

/**
 * Proposals to make the signed-in person an owner of an organization (where the proposal's email
 * leads): what accepting changes, then Accept or Decline, each confirmed. Accepting makes them an owner
 * (and the proposer an admin, unless the proposer chose to stay an owner) and opens the organization;
 * declining changes nothing but the proposal.
 */
export function MyOwnershipTransfersPage() {
  const me = useUser();
  const { refresh } = useSession();
  const list = useLoad(() => api.call('GET /v1/me/ownership-transfers'), me.id);
  const { outcome, busy, act } = useOutcome();

  const answer = (t: OwnershipTransfer, choice: 'accept' | 'decline') =>
    act(
      choice === 'accept'
        ? `You have not become an owner of ${t.organization.name}.`
        : 'Nothing was declined.',
      async () => {
        try {
          const path = { id: t.id };
          if (choice === 'accept') await api.call('POST /v1/me/ownership-transfers/{id}/accept', { path });
          else await api.call('POST /v1/me/ownership-transfers/{id}/decline', { path });
        } catch (err) {
          if (STALE.includes(errorCode(err) ?? '')) {
            list.reload();
            void refresh();
          }
          throw err;
        }
        await refresh();
        if (choice === 'accept') {
          navigateWithNotice(
            orgHome(t.organization.slug),
            `You are now an owner of ${t.organization.name}${t.keepOwner ? '' : `; ${t.from.name} is now an admin`}.`,
          );
          return null;
        }
        list.reload();
        return `You declined to become an owner of ${t.organization.name}; nothing changed. ${t.from.name} is told.`;
      },
    );

  const items = list.data?.data ?? [];
  return (
    <Page title="Ownership proposals">
      <p className="muted">
        An owner of an organization can ask you to become an owner too. Nothing changes until you accept; a
        proposal waits 7 days for your answer.
      </p>
      <OutcomeMessage outcome={outcome} />
      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading the proposals…" /> : null}
      {list.data && items.length === 0 ? (
        <Empty title="No proposal is waiting for your answer.">
          When an owner asks you to become an owner of their organization, the proposal appears here.
        </Empty>
      ) : null}
      {items.length > 0 ? (
        <ul className="org-list" aria-busy={list.loading}>
          {items.map((t) => (
            <Proposal key={t.id} transfer={t} busy={busy} onAnswer={(choice) => answer(t, choice)} />
          ))}
        </ul>
      ) : null}
    </Page>
  );
}

function Proposal({
  transfer: t,
  busy,
  onAnswer,
}: {
  transfer: OwnershipTransfer;
  busy: boolean;
  onAnswer(choice: 'accept' | 'decline'): void;
}) {
  const [confirming, setConfirming] = useState<'accept' | 'decline' | null>(null);
  const acceptOpener = useOpener();
  const declineOpener = useOpener();
  const name = t.organization.name;
  const proposer = t.keepOwner ? `${t.from.name} stays an owner` : `${t.from.name} becomes an admin`;
  const cancel = () => {
    const was = confirming;
    setConfirming(null);
    (was === 'decline' ? declineOpener : acceptOpener).refocus();
  };
  return (
    <li className="card" aria-label={name}>
      <span className="org-name">{name}</span>
      <span>
        <strong>{t.from.name}</strong> <span className="muted">({t.from.email})</span> asks you to become an
        owner of {name}.
      </span>
      <p className="transfer-meaning">
        If you accept, you become an owner: you can do everything, including deleting the organization;{' '}
        {proposer}.
      </p>
      <span className="muted">
        Asked {formatDate(t.createdAt)} · waits for your answer until {formatDateTime(t.expiresAt)}
      </span>
      {confirming === 'accept' ? (
        <Inline className="inline-form confirm" onCancel={cancel}>
          <span>
            Become an owner of {name}? You can then do everything in it, including deleting it; {proposer}.
          </span>
          <button type="button" className="button primary" disabled={busy} onClick={() => onAnswer('accept')}>
            Yes, become an owner
          </button>
          <button type="button" className="button" onClick={cancel} data-autofocus>
            Cancel
          </button>
        </Inline>
      ) : confirming === 'decline' ? (
        <Inline className="inline-form confirm" onCancel={cancel}>
          <span>
            Decline to become an owner of {name}? Nothing changes, and {t.from.name} is told.
          </span>
          <button type="button" className="button danger" disabled={busy} onClick={() => onAnswer('decline')}>
            Yes, decline
          </button>
          <button type="button" className="button" onClick={cancel} data-autofocus>
            Cancel
          </button>
        </Inline>
      ) : (
        <div className="row">
          <button
            ref={acceptOpener.ref}
            type="button"
            className="button primary"
            disabled={busy}
            onClick={() => setConfirming('accept')}
            aria-label={`Accept ownership of ${name}`}
          >
            Accept
          </button>
          <button
            ref={declineOpener.ref}
            type="button"
            className="button"
            disabled={busy}
            onClick={() => setConfirming('decline')}
            aria-label={`Decline ownership of ${name}`}
          >
            Decline
          </button>
        </div>
      )}
    </li>
  );
}
