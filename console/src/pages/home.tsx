import { useState } from 'react';
import { api, formatDate, type MyOrganization, type SuggestedOrganization } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { RoleBadge } from '../members/roles.tsx';
import { dismissNews, type RequestNews, useRequestNews } from '../request-news.ts';
import { Link } from '../router.tsx';
import { orgHome } from '../routes.tsx';
import { useSession, useUser } from '../session.tsx';
import { Empty, ErrorMessage, Inline, Notice, Page, useOpener, useSubmit } from '../ui.tsx';

/** The signed-in user's organizations, and where to create one. */
export function HomePage() {
  const { user, organizations, invitations, transfers } = useSession();
  const requestNews = useRequestNews(user?.id);
  const active = organizations.filter((m) => m.status === 'active');
  const pending = organizations.filter((m) => m.status === 'pending');
  return (
    <Page
      title="Your organizations"
      actions={
        <Link className="button primary" to="/orgs/new">
          Create organization
        </Link>
      }
    >
      {requestNews.map((n) => (
        <RequestNewsItem key={n.id} news={n} />
      ))}
      {invitations.length > 0 ? (
        <Notice>
          {invitations.length === 1
            ? `${invitations[0]?.organization.name} invited you.`
            : `${invitations.length} invitations wait for your answer.`}{' '}
          <Link to="/me/invitations">Answer in My invitations</Link>
        </Notice>
      ) : null}
      {transfers.map((t) => (
        <Notice key={t.id}>
          {t.from.name} asks you to become an owner of {t.organization.name}.{' '}
          <Link to="/me/ownership-transfers">Answer the proposal</Link>
        </Notice>
      ))}
      <SuggestedOrganizations />
      {active.length === 0 ? (
        <Empty title="You are not a member of any organization yet.">
          Create one, open the invitation link an admin emailed you, or see{' '}
          <Link to="/me/invitations">My invitations</Link>.
        </Empty>
      ) : (
        <ul className="org-list">
          {active.map((m) => (
            <li key={m.organization.id} className="card">
              <Link to={orgHome(m.organization.slug)} className="org-name">
                {m.organization.name}
              </Link>
              <span className="muted">
                {m.organization.slug} · <RoleBadge role={m.role} /> · joined {formatDate(m.joinedAt)}
                {m.organization.mfaRequired ? ' · two-factor authentication required' : null}
              </span>
            </li>
          ))}
        </ul>
      )}
      {pending.length > 0 ? (
        <>
          <h2>Waiting for an answer</h2>
          <ul className="org-list">
            {pending.map((m) => (
              <li key={m.organization.id} className="card">
                <span className="org-name">{m.organization.name}</span>
                <span className="muted">
                  {m.source === 'join_request' ? (
                    'You asked to join; an admin will answer.'
                  ) : m.source === 'owner_add' ? (
                    <>
                      You were added; answer in <Link to="/me/invitations">My invitations</Link>.
                    </>
                  ) : (
                    'Pending.'
                  )}
                </span>
                {m.source === 'join_request' ? <WithdrawRequest membership={m} /> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Page>
  );
}

/**
 * "Suggested for you": organizations that verified the domain of the person's email address and suggest
 * themselves to people there, each with Ask to join (a request an admin answers). Shown only when there
 * is one; an organization the person asked to join leaves the list (it waits under "Waiting for an
 * answer" instead).
 */
function SuggestedOrganizations() {
  const { user, organizations } = useSession();
  const [asked, setAsked] = useState<string | null>(null);
  // Read again when the person's memberships change (a request made, withdrawn or answered).
  const key = `${user?.id ?? ''}|${organizations.map((m) => `${m.organization.id}:${m.status}`).join(',')}`;
  const list = useLoad(
    async () => (user ? (await api.call('GET /v1/me/suggested-organizations')).data : []),
    key,
  );
  const suggestions = list.data ?? [];
  return (
    <>
      {asked ? <Notice>{asked}</Notice> : null}
      {suggestions.length > 0 ? (
        <section aria-labelledby="suggested-heading">
          <h2 id="suggested-heading">Suggested for you</h2>
          <ul className="org-list">
            {suggestions.map((s) => (
              <SuggestionItem key={s.organization.id} suggestion={s} onAsked={setAsked} />
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function SuggestionItem({
  suggestion: s,
  onAsked,
}: {
  suggestion: SuggestedOrganization;
  onAsked(text: string): void;
}) {
  const { refresh } = useSession();
  const ask = useSubmit(async () => {
    await api.call('POST /v1/organizations/{org}/join-requests', { path: { org: s.organization.id } });
    onAsked(`You asked to join ${s.organization.name}. An admin will answer; you will find the answer here.`);
    await refresh();
  });
  return (
    <li className="card">
      <span className="org-name">{s.organization.name}</span>
      <span className="muted">Suggested because your email address is at {s.domain}.</span>
      <div className="row">
        <button
          type="button"
          className="button small primary"
          onClick={() => ask.submit()}
          disabled={ask.busy}
          aria-label={`Ask to join ${s.organization.name}`}
        >
          {ask.busy ? 'Asking…' : 'Ask to join'}
        </button>
      </div>
      <ErrorMessage>
        {ask.message ? `You did not ask to join ${s.organization.name}. ${ask.message}` : null}
      </ErrorMessage>
    </li>
  );
}

/**
 * What became of one of the person's requests to join (Roster keeps the answer, so any browser tells
 * it), until they dismiss it: then no browser shows it again.
 */
function RequestNewsItem({ news: n }: { news: RequestNews }) {
  const me = useUser();
  const dismiss = useSubmit(() => dismissNews(me.id, n.id));
  return (
    <>
      <div className="alert alert-info news" role="status">
        <span>
          {n.outcome === 'approved' ? (
            <>
              Your request to join <strong>{n.name}</strong> was approved on {formatDate(n.answeredAt)}: you
              are a member now.
            </>
          ) : (
            <>
              Your request to join <strong>{n.name}</strong> was not accepted: an admin declined it on{' '}
              {formatDate(n.answeredAt)}. To join, ask one of its admins to invite you.
            </>
          )}
        </span>
        <button
          type="button"
          className="button small"
          onClick={() => dismiss.submit()}
          disabled={dismiss.busy}
          aria-label={`Dismiss the news about ${n.name}`}
        >
          Dismiss
        </button>
      </div>
      <ErrorMessage>{dismiss.message}</ErrorMessage>
    </>
  );
}

/** Withdraws the person's own request to join (confirmed first; Escape cancels). */
function WithdrawRequest({ membership: m }: { membership: MyOrganization }) {
  const { refresh } = useSession();
  const [confirm, setConfirm] = useState(false);
  const opener = useOpener();
  const withdraw = useSubmit(async () => {
    await api.call('DELETE /v1/me/memberships/{id}', { path: { id: m.membershipId } });
    await refresh();
  });
  const cancel = () => {
    setConfirm(false);
    opener.refocus();
  };
  if (!confirm) {
    return (
      <div className="row">
        <button
          ref={opener.ref}
          type="button"
          className="button small"
          onClick={() => setConfirm(true)}
          aria-label={`Withdraw your request to join ${m.organization.name}`}
        >
          Withdraw request
        </button>
      </div>
    );
  }
  return (
    <Inline onCancel={cancel}>
      <span>Withdraw your request to join {m.organization.name}?</span>
      <button
        type="button"
        className="button danger"
        onClick={() => withdraw.submit()}
        disabled={withdraw.busy}
      >
        Withdraw
      </button>
      <button type="button" className="button" onClick={cancel} data-autofocus>
        Cancel
      </button>
      <ErrorMessage>{withdraw.message}</ErrorMessage>
    </Inline>
  );
}
