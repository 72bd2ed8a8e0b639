/**
 * The console's frame: the header (organization switcher, account menu), the route table's page for the
 * current path, and the rules of who may open it (routes.tsx).
 */
import { type ReactNode, useEffect, useRef } from 'react';
import { api } from './api.ts';
import { useLoad } from './hooks.ts';
import { NotFoundPage } from './pages/not-found.tsx';
import { Link, matchPath, navigate, safeNext, useLocation } from './router.tsx';
import { orgHome, type RouteDef, routes } from './routes.tsx';
import { useSession } from './session.tsx';
import { CarriedNotice, LoadError, Loading } from './ui.tsx';
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
      {session.error ? <LoadError error={session.error} retry={() => void session.refresh()} /> : null}
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
        <CarriedNotice />
        {children}
      </main>
    </>
  );
}

function Header() {
  const { user, organizations, invitations, transfers, signOut } = useSession();
  const location = useLocation();
  // The organization of any page under /orgs/:org/ (an app's page is one level deeper).
  const current = matchPath('/orgs/:org/:page', location.pathname.split('/').slice(0, 4).join('/'))?.org;
  const active = organizations.filter((m) => m.status === 'active');
  const currentOrg = active.find((m) => m.organization.slug === current || m.organization.id === current);
  const menuRoutes = routes.filter((r) => r.kind !== 'org' && r.menu);
  const asked = organizations.filter((m) => m.status === 'pending' && m.source === 'join_request');
  const waiting = invitations.length + transfers.length;

  return (
    <header className="topbar">
      <Link to="/" className="brand">
        Roster
      </Link>
      {user ? (
        <>
          <Menu
            className="org-switcher"
            label="Switch organization"
            summary={currentOrg?.organization.name ?? 'Organizations'}
            count={waiting}
            countLabel={waitingLabel(invitations.length, transfers.length)}
          >
            {active.map((m) => (
              <li key={m.organization.id}>
                <Link to={orgHome(m.organization.slug)} aria-current={m === currentOrg ? 'page' : undefined}>
                  {m.organization.name}
                </Link>
              </li>
            ))}
            {waiting > 0 || asked.length > 0 ? (
              <li className="menu-separator menu-group">
                <span className="menu-text">Waiting</span>
                <ul className="menu-sublist">
                  {invitations.map((i) => (
                    <li key={`${i.kind}-${i.id}`}>
                      <Link to="/me/invitations">
                        {i.organization.name}{' '}
                        <span className="muted">
                          ({i.kind === 'owner_add' ? 'added you' : 'invited you'} as {i.role})
                        </span>
                      </Link>
                    </li>
                  ))}
                  {transfers.map((t) => (
                    <li key={`transfer-${t.id}`}>
                      <Link to="/me/ownership-transfers">
                        {t.organization.name} <span className="muted">(asks you to become an owner)</span>
                      </Link>
                    </li>
                  ))}
                  {asked.map((m) => (
                    <li key={m.organization.id}>
                      <Link to="/">
                        {m.organization.name} <span className="muted">(you asked to join)</span>
                      </Link>
                    </li>
                  ))}
                </ul>
              </li>
            ) : null}
            <li className="menu-separator">
              <Link to="/orgs/new">+ Create organization</Link>
            </li>
          </Menu>
          <Menu className="account-menu" label="Account" summary={user.name}>
            <li className="menu-text">{user.email}</li>
            {menuRoutes.map((r) => (
              <li key={r.path}>
                <Link to={r.path}>{r.kind !== 'org' ? r.menu : null}</Link>
              </li>
            ))}
            <li>
              <button
                type="button"
                className="link-button"
                onClick={async () => {
                  await signOut();
                  navigate('/sign-in');
                }}
              >
                Sign out
              </button>
            </li>
          </Menu>
        </>
      ) : null}
    </header>
  );
}

/** "1 invitation waits for your answer", "2 invitations and 1 ownership proposal wait for your answer". */
function waitingLabel(invitations: number, transfers: number): string {
  const parts = [
    invitations > 0 ? `${invitations} ${invitations === 1 ? 'invitation' : 'invitations'}` : '',
    transfers > 0 ? `${transfers} ownership ${transfers === 1 ? 'proposal' : 'proposals'}` : '',
  ].filter(Boolean);
  return `${parts.join(' and ')} ${invitations + transfers === 1 ? 'waits' : 'wait'} for your answer`;
}

/**
 * A header menu: a `<details>` whose summary opens and closes it (click, Enter or Space). While it is
 * open, Escape closes it and puts focus back on the summary; a click outside it, focus moving out of
 * it, or choosing one of its links or buttons closes it too.
 */
function Menu({
  className,
  label,
  summary,
  count = 0,
  countLabel,
  children,
}: {
  className: string;
  label: string;
  /** What the toggle shows (the organization's or the user's name); read out after `label`. */
  summary: string;
  /** A number shown on the toggle (what waits inside), with what it counts in words. */
  count?: number;
  countLabel?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDetailsElement>(null);
  // Listening from the start, not from when React has seen the menu open: an Escape pressed right
  // after opening (before the toggle event and a re-render) must close it too.
  useEffect(() => {
    const details = ref.current;
    if (!details) return;
    const close = () => {
      details.open = false;
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || !details.open) return;
      e.preventDefault();
      close();
      details.querySelector('summary')?.focus();
    };
    const onClick = (e: MouseEvent) => {
      if (!details.open) return;
      const target = e.target instanceof Element ? e.target : null;
      if (!target || !details.contains(target) || target.closest('li a, li button')) close();
    };
    const onFocus = (e: FocusEvent) => {
      if (details.open && e.target instanceof Node && !details.contains(e.target)) close();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    document.addEventListener('focusin', onFocus);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
      document.removeEventListener('focusin', onFocus);
    };
  }, []);
  return (
    <details ref={ref} className={`menu ${className}`}>
      <summary aria-label={`${label}: ${summary}${count > 0 && countLabel ? `; ${countLabel}` : ''}`}>
        <span className="menu-summary">{summary}</span>
        {count > 0 ? (
          <span className="menu-count" aria-hidden="true">
            {count}
          </span>
        ) : null}
      </summary>
      <ul>{children}</ul>
    </details>
  );
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
      <>
        <LoadError error={org.error} retry={org.reload} />
        <p>
          <Link to="/">Back to your organizations</Link>
        </p>
      </>
    );
  }
  const o = org.data;
  // The organization requires a second factor the person has not set up: they cannot open it yet.
  if (o.viewer.mfa?.required && !o.viewer.mfa.enrolled) {
    const here = `${window.location.pathname}${window.location.search}`;
    return <Redirect to={`/account/security?${new URLSearchParams({ next: here })}`} />;
  }
  const tabs = routes.filter(
    (r): r is Extract<RouteDef, { kind: 'org' }> =>
      r.kind === 'org' && r.nav !== undefined && o.viewer.scopes.includes(r.nav.scope),
  );
  return (
    <>
      <nav className="tabs" aria-label={`${o.name} sections`}>
        <span className="tabs-org" title={o.name}>
          {o.name}
        </span>
        <ul>
          {tabs.map((t) => {
            const to = t.path.replace(':org', encodeURIComponent(o.slug));
            // A tab stays current on the pages under it (an app's page under Apps).
            const current = t === route || route.path.startsWith(`${t.path}/`);
            return (
              <li key={t.path}>
                <Link to={to} aria-current={current ? 'page' : undefined}>
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
