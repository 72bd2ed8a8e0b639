/**
 * Every page of the console, in one table: its path, title, who may open it and, for organization
 * pages, its entry in the organization's navigation and the scope that shows it.
 *
 * A new page is one entry here and one component under pages/:
 * - `kind: 'public'`: anyone, signed in or not (e.g. an emailed link's landing page, like
 *   `/invitations/accept` reads `?token=` the way `/verify-email`, `/reset-password` and
 *   `/confirm-email-change` do; a shared link's, like `/join-link`, whose token comes after `#`; or an
 *   application's sign-in request, `/oidc/interaction/:uid`, which sends a signed-out person to sign in
 *   itself);
 * - `kind: 'guest'`: only when signed out (sign-in, sign-up); signed-in visitors go to `?next=` or home;
 * - `kind: 'user'`: a signed-in user; others are sent to sign-in and brought back afterwards; `menu`
 *   puts it in the account menu (e.g. "My invitations" at `/me/invitations`, "Account" and "Security");
 *   a page for what only sometimes waits (`/me/ownership-transfers`) goes without, and is reached from
 *   the header's "Waiting" list, the home page and the email;
 * - `kind: 'org'`: under `/orgs/:org/…`; the frame loads the organization (with the viewer's scopes)
 *   and passes it to the page; `nav` adds a tab shown to members holding `nav.scope` (e.g.
 *   Invitations with `member:read`, Join requests with `member:admin`, Apps with `org:integrations`).
 *   A page without `nav` under a tab's path (`/orgs/:org/webhooks/:id`) marks that tab as current.
 */
import type { ReactNode } from 'react';
import type { Organization, Scope } from './api.ts';
import { AcceptInvitationPage } from './pages/accept-invitation.tsx';
import { AccountPage } from './pages/account.tsx';
import { AccountSecurityPage } from './pages/account-security.tsx';
import { AppDetailPage } from './pages/app-detail.tsx';
import { AppsPage } from './pages/apps.tsx';
import { AuditPage } from './pages/audit.tsx';
import { ConfirmEmailChangePage } from './pages/confirm-email-change.tsx';
import { CreateOrganizationPage } from './pages/create-organization.tsx';
import { DomainsPage } from './pages/domains.tsx';
import { ForgotPasswordPage } from './pages/forgot-password.tsx';
import { HomePage } from './pages/home.tsx';
import { InvitationsPage } from './pages/invitations.tsx';
import { JoinPage } from './pages/join.tsx';
import { JoinLinkPage } from './pages/join-link.tsx';
import { JoinLinksPage } from './pages/join-links.tsx';
import { JoinRequestsPage } from './pages/join-requests.tsx';
import { MembersPage } from './pages/members.tsx';
import { MyInvitationsPage } from './pages/my-invitations.tsx';
import { MyOwnershipTransfersPage } from './pages/my-ownership-transfers.tsx';
import { OidcInteractionPage } from './pages/oidc-interaction.tsx';
import { ResetPasswordPage } from './pages/reset-password.tsx';
import { RolesPage } from './pages/roles.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { SignUpPage } from './pages/sign-up.tsx';
import { VerifyEmailPage } from './pages/verify-email.tsx';
import { WebhookEndpointPage } from './pages/webhook-endpoint.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';

export interface PageProps {
  params: Record<string, string>;
  search: URLSearchParams;
}

export interface OrgPageProps extends PageProps {
  org: Organization;
  /** Reads the organization again (after its settings or the viewer's role changed). */
  reloadOrg(): void;
}

interface BaseRoute {
  /** `:name` segments are parameters. */
  path: string;
  title: string;
}

export type RouteDef =
  | (BaseRoute & {
      kind: 'public' | 'guest' | 'user';
      /** An entry in the account menu. */
      menu?: string;
      render(props: PageProps): ReactNode;
    })
  | (BaseRoute & {
      kind: 'org';
      nav?: { label: string; scope: Scope };
      render(props: OrgPageProps): ReactNode;
    });

export const routes: RouteDef[] = [
  { path: '/sign-in', title: 'Sign in', kind: 'guest', render: (p) => <SignInPage {...p} /> },
  { path: '/sign-up', title: 'Create your account', kind: 'guest', render: (p) => <SignUpPage {...p} /> },
  { path: '/verify-email', title: 'Verify email', kind: 'public', render: (p) => <VerifyEmailPage {...p} /> },
  {
    path: '/forgot-password',
    title: 'Reset your password',
    kind: 'public',
    render: (p) => <ForgotPasswordPage {...p} />,
  },
  {
    path: '/reset-password',
    title: 'Choose a new password',
    kind: 'public',
    render: (p) => <ResetPasswordPage {...p} />,
  },
  {
    path: '/confirm-email-change',
    title: 'Confirm your new email address',
    kind: 'public',
    render: (p) => <ConfirmEmailChangePage {...p} />,
  },
  {
    path: '/invitations/accept',
    title: 'Invitation',
    kind: 'public',
    render: (p) => <AcceptInvitationPage {...p} />,
  },
  { path: '/join/:slug', title: 'Request to join', kind: 'public', render: (p) => <JoinPage {...p} /> },
  {
    // A shareable join link: the token rides after `#` (`/join-link#rj_…`), never sent to the server.
    path: '/join-link',
    title: 'Join an organization',
    kind: 'public',
    render: (p) => <JoinLinkPage {...p} />,
  },
  {
    // Where the OpenID Connect provider sends the browser: an application's sign-in request.
    path: '/oidc/interaction/:uid',
    title: 'Sign-in request',
    kind: 'public',
    render: (p) => <OidcInteractionPage {...p} />,
  },
  { path: '/', title: 'Organizations', kind: 'user', render: () => <HomePage /> },
  {
    path: '/me/invitations',
    title: 'My invitations',
    kind: 'user',
    menu: 'My invitations',
    render: () => <MyInvitationsPage />,
  },
  {
    // Where the email proposing to make someone an owner leads; listed in the header's "Waiting" (with
    // invitations) and on the home page while a proposal waits, so not in the account menu.
    path: '/me/ownership-transfers',
    title: 'Ownership proposals',
    kind: 'user',
    render: () => <MyOwnershipTransfersPage />,
  },
  { path: '/account', title: 'Your account', kind: 'user', menu: 'Account', render: () => <AccountPage /> },
  {
    path: '/account/security',
    title: 'Security',
    kind: 'user',
    menu: 'Security',
    render: (p) => <AccountSecurityPage {...p} />,
  },
  {
    path: '/orgs/new',
    title: 'Create an organization',
    kind: 'user',
    render: () => <CreateOrganizationPage />,
  },
  {
    path: '/orgs/:org/members',
    title: 'Members',
    kind: 'org',
    nav: { label: 'Members', scope: 'member:read' },
    render: (p) => <MembersPage {...p} />,
  },
  {
    // Every member may read the roles (org:read); changing them takes role:admin, which the page checks.
    path: '/orgs/:org/roles',
    title: 'Roles',
    kind: 'org',
    nav: { label: 'Roles', scope: 'org:read' },
    render: (p) => <RolesPage {...p} />,
  },
  {
    path: '/orgs/:org/invitations',
    title: 'Invitations',
    kind: 'org',
    nav: { label: 'Invitations', scope: 'member:read' },
    render: (p) => <InvitationsPage {...p} />,
  },
  {
    path: '/orgs/:org/join-requests',
    title: 'Join requests',
    kind: 'org',
    nav: { label: 'Join requests', scope: 'member:admin' },
    render: (p) => <JoinRequestsPage {...p} />,
  },
  {
    path: '/orgs/:org/join-links',
    title: 'Join links',
    kind: 'org',
    nav: { label: 'Join links', scope: 'member:admin' },
    render: (p) => <JoinLinksPage {...p} />,
  },
  {
    // Beside the other ways in (invitations, join links). Every member who reads the members
    // (member:read) sees the domains; adding, verifying and choosing a policy take org:write
    // (auto-join also member:admin), which the page checks.
    path: '/orgs/:org/domains',
    title: 'Domains',
    kind: 'org',
    nav: { label: 'Domains', scope: 'member:read' },
    render: (p) => <DomainsPage {...p} />,
  },
  {
    path: '/orgs/:org/apps',
    title: 'Apps',
    kind: 'org',
    nav: { label: 'Apps', scope: 'org:integrations' },
    render: (p) => <AppsPage {...p} />,
  },
  { path: '/orgs/:org/apps/:slug', title: 'App', kind: 'org', render: (p) => <AppDetailPage {...p} /> },
  {
    path: '/orgs/:org/webhooks',
    title: 'Webhooks',
    kind: 'org',
    nav: { label: 'Webhooks', scope: 'org:integrations' },
    render: (p) => <WebhooksPage {...p} />,
  },
  {
    path: '/orgs/:org/webhooks/:id',
    title: 'Webhook endpoint',
    kind: 'org',
    render: (p) => <WebhookEndpointPage {...p} />,
  },
  {
    path: '/orgs/:org/settings',
    title: 'Settings',
    kind: 'org',
    nav: { label: 'Settings', scope: 'org:read' },
    render: (p) => <SettingsPage {...p} />,
  },
  {
    path: '/orgs/:org/audit-log',
    title: 'Audit log',
    kind: 'org',
    nav: { label: 'Audit log', scope: 'audit:read' },
    render: (p) => <AuditPage {...p} />,
  },
];

/** The first organization page the viewer may open: where the org switcher leads. */
export function orgHome(slug: string): string {
  return `/orgs/${encodeURIComponent(slug)}/members`;
}
