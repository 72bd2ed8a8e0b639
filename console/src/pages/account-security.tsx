import { AccountNav } from '../account/account-nav.tsx';
import { TwoFactorSection } from '../account/authenticator-app.tsx';
import { PasskeysSection } from '../account/passkeys.tsx';
import { SessionsSection } from '../account/sessions.tsx';
import { api } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { Link, matchPath, navigate, safeNext } from '../router.tsx';
import type { PageProps } from '../routes.tsx';
import { useSession } from '../session.tsx';
import { LoadError, Loading, Notice, Page } from '../ui.tsx';

/**
 * The account's security (`/account/security`, where the emails about factors and passwords link):
 * two-factor authentication (authenticator app, recovery codes), passkeys and sessions.
 *
 * `?next=` is where to go back once a first second factor is set up: an organization that requires
 * one sends its members here (app.tsx). The notice naming it is shown only when the organization, in
 * the person's own list, does require it: a crafted link cannot make one up.
 */
export function AccountSecurityPage({ search }: PageProps) {
  const { organizations } = useSession();
  const next = search.get('next') ? safeNext(search.get('next')) : null;
  const overview = useLoad(() => api.call('GET /v1/me/mfa'), 'mfa');
  const slug = next
    ? matchPath('/orgs/:org/:page', next.split('?')[0]?.split('/').slice(0, 4).join('/') ?? '')?.org
    : null;
  const requiring = slug
    ? organizations.find(
        (m) => (m.organization.slug === slug || m.organization.id === slug) && m.organization.mfaRequired,
      )?.organization
    : undefined;
  const data = overview.data;
  const hasFactor = !!data && (data.totp?.enabled === true || data.passkeys.length > 0);
  const enrolled = () => {
    if (next) navigate(next);
  };

  return (
    <>
      <AccountNav />
      <Page title="Security">
        {requiring && !hasFactor ? (
          <Notice>
            <strong>{requiring.name}</strong> requires two-factor authentication of its members. Set up an
            authenticator app or a passkey below to open it; you will be taken back there afterwards.
          </Notice>
        ) : null}
        {next && hasFactor ? (
          <Notice>
            Two-factor authentication is on.{' '}
            <Link to={next}>Continue to {requiring?.name ?? 'where you were'}</Link>
          </Notice>
        ) : null}
        {overview.error ? <LoadError error={overview.error} retry={overview.reload} /> : null}
        {data ? (
          <>
            <TwoFactorSection overview={data} reload={overview.reload} onEnrolled={enrolled} />
            <PasskeysSection overview={data} reload={overview.reload} onEnrolled={enrolled} />
          </>
        ) : overview.loading ? (
          <Loading label="Loading your second factors…" />
        ) : null}
        <SessionsSection />
      </Page>
    </>
  );
}
