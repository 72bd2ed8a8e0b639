/**
 * Ownership transfers on the Members page: an owner proposes to make an active member an owner (the
 * form opens under that member's row), choosing whether they stay an owner or become an admin once
 * the member accepts; the proposal waiting for its answer (to whom, until when) is shown to owners and
 * admins, and owners may withdraw it. The member answers on /me/ownership-transfers.
 */
import { type FormEvent, useId, useState } from 'react';
import {
  api,
  formatDate,
  formatDateTime,
  type Member,
  type Organization,
  type OwnershipTransfer,
} from '../api.ts';
import { useLoad } from '../hooks.ts';
import { Inline, LoadError, OutcomeMessage, useOpener, useOutcome } from '../ui.tsx';

/** How long after its end an answered (or withdrawn, or expired) proposal is still told. */
const RECENT_MS = 7 * 24 * 3600 * 1000;

/** The organization's proposals, newest first, for those who may read them (member:admin); else none. */
export function useTransfers(org: Organization, version: number) {
  const canRead = org.viewer.scopes.includes('member:admin');
  return useLoad(
    async (): Promise<OwnershipTransfer[]> =>
      canRead
        ? (await api.call('GET /v1/organizations/{org}/ownership-transfers', { path: { org: org.id } })).data
        : [],
    `${org.id}|${canRead}|${version}`,
  );
}

/** The proposal waiting for its answer, if any (at most one per organization). */
export function pendingTransfer(list: OwnershipTransfer[] | undefined): OwnershipTransfer | null {
  return list?.find((t) => t.status === 'pending') ?? null;
}

/**
 * "Ownership transfer": the proposal waiting for an answer (with Withdraw for owners) or, when none
 * waits, what became of the last one in the past week. Nothing when there is neither.
 */
export function OwnershipTransfers({
  org,
  meId,
  transfers,
  onChanged,
}: {
  org: Organization;
  meId: string;
  transfers: ReturnType<typeof useTransfers>;
  onChanged(): void;
}) {
  const { outcome, busy, act } = useOutcome(onChanged);
  const [confirm, setConfirm] = useState(false);
  const opener = useOpener();
  const list = transfers.data;
  const pending = pendingTransfer(list);
  const last = list?.[0];
  const ended = last && last.status !== 'pending' ? (last.answeredAt ?? last.expiresAt) : null;
  const recent = !pending && last && ended && Date.now() - Date.parse(ended) < RECENT_MS ? last : null;
  const isOwner = org.viewer.role === 'owner';
  const who = (p: OwnershipTransfer['from']) => (p.userId === meId ? 'you' : p.name);

  const withdraw = (t: OwnershipTransfer) =>
    act(`The proposal to ${t.to.name} was not withdrawn.`, async () => {
      await api.call('DELETE /v1/organizations/{org}/ownership-transfers/{id}', {
        path: { org: org.id, id: t.id },
      });
      setConfirm(false);
      return `The proposal to make ${t.to.name} an owner was withdrawn: they can no longer accept it.`;
    });
  const cancel = () => {
    setConfirm(false);
    opener.refocus();
  };

  if (transfers.error) return <LoadError error={transfers.error} retry={transfers.reload} />;
  return (
    <>
      <OutcomeMessage outcome={outcome} />
      {pending ? (
        <section className="section card ownership" aria-labelledby="ownership-heading">
          <h2 id="ownership-heading" className="form-title">
            Ownership transfer waiting for an answer
          </h2>
          <p>
            {capitalized(who(pending.from))} asked <strong>{pending.to.name}</strong>{' '}
            <span className="muted">({pending.to.email})</span> on {formatDate(pending.createdAt)} to become
            an owner of {org.name}. If they accept, {who(pending.from)}{' '}
            {pending.keepOwner
              ? pending.from.userId === meId
                ? 'stay an owner'
                : 'stays an owner'
              : pending.from.userId === meId
                ? 'become an admin'
                : 'becomes an admin'}
            .
          </p>
          <p className="muted">
            It waits for their answer until {formatDateTime(pending.expiresAt)}; nothing changes until they
            accept.
            {isOwner ? null : ' Only an owner can withdraw it.'}
          </p>
          {isOwner && confirm ? (
            <Inline onCancel={cancel}>
              <span>Withdraw the proposal to {pending.to.name}? They can no longer accept it.</span>
              <button
                type="button"
                className="button danger"
                disabled={busy}
                onClick={() => withdraw(pending)}
              >
                Withdraw
              </button>
              <button type="button" className="button" onClick={cancel} data-autofocus>
                Cancel
              </button>
            </Inline>
          ) : isOwner ? (
            <button
              ref={opener.ref}
              type="button"
              className="button danger-outline"
              disabled={busy}
              onClick={() => setConfirm(true)}
              aria-label={`Withdraw the proposal to ${pending.to.name}`}
            >
              Withdraw
            </button>
          ) : null}
        </section>
      ) : recent ? (
        <p className="muted ownership-news">{lastNews(recent, org.name, who)}</p>
      ) : null}
    </>
  );
}

const capitalized = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/** What became of the last proposal, in a sentence. */
function lastNews(t: OwnershipTransfer, orgName: string, who: (p: OwnershipTransfer['from']) => string) {
  const on = formatDate(t.answeredAt ?? t.expiresAt);
  switch (t.status) {
    case 'accepted':
      return `${t.to.name} accepted on ${on} to become an owner of ${orgName}, as ${who(t.from)} proposed.`;
    case 'declined':
      return `${t.to.name} declined on ${on} to become an owner of ${orgName}; nothing changed.`;
    case 'cancelled':
      return `The proposal to make ${t.to.name} an owner was withdrawn on ${on}.`;
    default:
      return `The proposal to make ${t.to.name} an owner ended on ${on} without an answer.`;
  }
}

/**
 * The form under a member's row: whether the owner stays an owner once the member accepts, what
 * accepting will change in one sentence, then Propose or Cancel (Escape cancels too).
 */
export function ProposeTransfer({
  org,
  member: m,
  busy,
  onPropose,
  onCancel,
}: {
  org: Organization;
  member: Member;
  busy: boolean;
  onPropose(keepOwner: boolean): void;
  onCancel(): void;
}) {
  const [keepOwner, setKeepOwner] = useState(false);
  const id = useId();
  function submit(e: FormEvent) {
    e.preventDefault();
    onPropose(keepOwner);
  }
  return (
    <Inline onCancel={onCancel} className="transfer-form">
      <form onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h3 id={`${id}-title`} className="form-title">
          Make {m.name} an owner of {org.name}
        </h3>
        <fieldset className="transfer-choice">
          <legend className="legend">Once {m.name} accepts</legend>
          <div className="field checkbox">
            <input
              type="radio"
              id={`${id}-admin`}
              name={`${id}-keep`}
              checked={!keepOwner}
              onChange={() => setKeepOwner(false)}
            />
            <label htmlFor={`${id}-admin`}>I become an admin</label>
          </div>
          <div className="field checkbox">
            <input
              type="radio"
              id={`${id}-owner`}
              name={`${id}-keep`}
              checked={keepOwner}
              onChange={() => setKeepOwner(true)}
            />
            <label htmlFor={`${id}-owner`}>I stay an owner too</label>
          </div>
        </fieldset>
        <p id={`${id}-sentence`}>
          {m.name} ({m.email}) is emailed and has 7 days to accept. Once they accept, they become an owner —
          they can do everything, including deleting {org.name} — and you{' '}
          {keepOwner ? 'stay an owner' : 'become an admin'}. Nothing changes until then.
        </p>
        <div className="row">
          <button
            type="submit"
            className="button primary"
            disabled={busy}
            aria-describedby={`${id}-sentence`}
          >
            Ask {m.name} to become an owner
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Inline>
  );
}
