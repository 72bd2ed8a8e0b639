/**
 * The console's frame: the header (organization switcher, account menu), the route table's page for the
 * current path, and the rules of who may open it (routes.tsx).
 */
import { type ReactNode, useEffect } from 'react';
import { api, explain } from './api.ts';
import { useLoad } from './hooks.ts';
import { NotFoundPage } from './pages/not-found.tsx';
import { Link, matchPath, navigate, safeNext, useLocation } from './router.tsx';
import { orgHome, type RouteDef, routes } from './routes.tsx';
import { useSession } from './session.tsx';
import { ErrorMessage, Loading } from './ui.tsx';
import { VerificationBanner } from './verification.tsx';

function findRoute(pathname: string): { route: RouteDef; params: Record<string, string> } | null {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}

/** Sends the browser elsewhere after this render (a redirect). */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

export function App() {
  const location = useLocation();
  const session = useSession();
  const found = findRoute(location.pathname);

  useEffect(() => {
    document.title = found ? `${found.route.title} · Roster` : 'Not found · Roster';
  }, [found]);

  if (session.user === undefined) {
    return (
      <Shell>
        <Loading />
      </Shell>
    );
  }
  if (!found) {
    return (
      <Shell>
        <NotFoundPage />
      </Shell>
    );
  }
  const { route, params } = found;
  const here = `${location.pathname}${location.search.size ? `?${location.search}` : ''}`;
  if (route.kind === 'guest' && session.user) return <Redirect to={safeNext(location.search.get('next'))} />;
  if ((route.kind === 'user' || route.kind === 'org') && !session.user) {
    return <Redirect to={`/sign-in?next=${encodeURIComponent(here)}`} />;
  }
  const props = { params, search: location.search };
  return (
    <Shell>
      {session.error ? <ErrorMessage>{explain(session.error)}</ErrorMessage> : null}
      {route.kind === 'org' ? (
        <OrgFrame slug={params.org ?? ''} route={route} props={props} />
      ) : (
        route.render(props)
      )}
    </Shell>
  );
}

function Shell({ children }: { children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <VerificationBanner />
      <main id="main" className="main">
        {children}
      </main>
    </>
  );
}

function Header() {
  const { user, organizations, signOut } = useSession();
  const location = useLocation();
  const current = (
    matchPath('/orgs/:org/:page', location.pathname) ?? matchPath('/orgs/:org/:page/:id', location.pathname)
  )?.org;
  const active = organizations.filter((m) => m.status === 'active');
  const currentOrg = active.find((m) => m.organization.slug === current || m.organization.id === current);
  const menuRoutes = routes.filter((r) => r.kind !== 'org' && r.menu);

  return (
    <header className="topbar">
      <Link to="/" className="brand">
        Roster
      </Link>
      {user ? (
        <>
          <details className="menu org-switcher">
            <summary aria-label="Switch organization">
              {currentOrg?.organization.name ?? 'Organizations'}
            </summary>
            <ul>
              {active.map((m) => (
                <li key={m.organization.id}>
                  <Link
                    to={orgHome(m.organization.slug)}
                    aria-current={m === currentOrg ? 'page' : undefined}
                    onClick={closeMenu}
                  >
                    {m.organization.name}
                  </Link>
                </li>
              ))}
              <li className="menu-separator">
                <Link to="/orgs/new" onClick={closeMenu}>
                  + Create organization
                </Link>
              </li>
            </ul>
          </details>
          <details className="menu account-menu">
            <summary aria-label="Account">{user.name}</summary>
            <ul>
              <li className="menu-text">{user.email}</li>
              {menuRoutes.map((r) => (
                <li key={r.path}>
                  <Link to={r.path} onClick={closeMenu}>
                    {r.kind !== 'org' ? r.menu : null}
                  </Link>
                </li>
              ))}
              <li>
                <button
                  type="button"
                  className="link-button"
                  onClick={async (e) => {
                    closeMenu(e);
                    await signOut();
                    navigate('/sign-in');
                  }}
                >
                  Sign out
                </button>
              </li>
            </ul>
          </details>
        </>
      ) : null}
    </header>
  );
}

/** The tab of `route`: itself, or the tab whose path its own extends (a detail page under a list). */
function isUnder(route: RouteDef, tab: RouteDef): boolean {
  return tab === route || route.path.startsWith(`${tab.path}/`);
}

/** Closes the `<details>` menu a link or button sits in. */
function closeMenu(e: { currentTarget: Element }) {
  e.currentTarget.closest('details')?.removeAttribute('open');
}

function OrgFrame({
  slug,
  route,
  props,
}: {
  slug: string;
  route: Extract<RouteDef, { kind: 'org' }>;
  props: { params: Record<string, string>; search: URLSearchParams };
}) {
  const org = useLoad(() => api.call('GET /v1/organizations/{org}', { path: { org: slug } }), slug);
  if (org.loading && !org.data) return <Loading label="Loading the organization…" />;
  if (!org.data) {
    return (
      <ErrorMessage>
        {explain(org.error)} <Link to="/">Back to your organizations</Link>
      </ErrorMessage>
    );
  }
  const o = org.data;
  const tabs = routes.filter(
    (r): r is Extract<RouteDef, { kind: 'org' }> =>
      r.kind === 'org' && r.nav !== undefined && o.viewer.scopes.includes(r.nav.scope),
  );
  return (
    <>
      <nav className="tabs" aria-label={`${o.name} sections`}>
        <span className="tabs-org">{o.name}</span>
        <ul>
          {tabs.map((t) => {
            const to = t.path.replace(':org', encodeURIComponent(o.slug));
            return (
              <li key={t.path}>
                <Link to={to} aria-current={isUnder(route, t) ? 'page' : undefined}>
                  {t.nav?.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      {route.render({ ...props, org: o, reloadOrg: org.reload })}
    </>
  );
}
