import { formatDate } from '../api.ts';
import { Link } from '../router.tsx';
import { orgHome } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { Empty, Page } from '../ui.tsx';

/** The signed-in user's organizations, and where to create one. */
export function HomePage() {
  const { organizations } = useSession();
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
                {m.organization.slug} · <span className={`badge role-${m.role}`}>{m.role}</span> · joined{' '}
                {formatDate(m.joinedAt)}
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
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Page>
  );
}
