import { type FormEvent, type ReactNode, useState } from 'react';
import {
  APP_SCOPES,
  type App,
  type AppScope,
  api,
  type CreatedApp,
  errorCode,
  formatDate,
  type Installation,
  type Organization,
} from '../api.ts';
import { type Loaded, useLoad, usePaged } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  Checkbox,
  Empty,
  ErrorMessage,
  Field,
  FocusedNotice,
  Inline,
  LoadError,
  Loading,
  OutcomeMessage,
  Page,
  Pager,
  ShownOnce,
  useOpener,
  useOutcome,
  useSubmit,
} from '../ui.tsx';

const PAGE_SIZE = 25;

/** What someone without org:integrations reads instead of the page. */
export const NOT_ALLOWED =
  'Apps are managed by owners and admins: your role in this organization does not allow it. Ask an owner or an admin.';

export function appsPath(org: Organization): string {
  return `/orgs/${encodeURIComponent(org.slug)}/apps`;
}

export function appPath(org: Organization, slug: string): string {
  return `${appsPath(org)}/${encodeURIComponent(slug)}`;
}

/**
 * The organization's apps (org:integrations): the apps installed in it (install one by its URL name,
 * uninstall), and the apps it publishes (create one: its secrets are shown once).
 */
export function AppsPage({ org }: OrgPageProps) {
  const allowed = org.viewer.scopes.includes('org:integrations');
  const [version, setVersion] = useState(0);
  const published = useLoad(
    () =>
      allowed
        ? api.call('GET /v1/organizations/{org}/apps', { path: { org: org.id } })
        : Promise.resolve({ data: [] as App[] }),
    `${org.id}|${version}`,
  );
  if (!allowed) {
    return (
      <Page title="Apps">
        <ErrorMessage>{NOT_ALLOWED}</ErrorMessage>
      </Page>
    );
  }
  return (
    <Page title="Apps">
      <InstalledApps org={org} ownApps={published.data?.data ?? []} />
      <PublishedApps org={org} apps={published} onCreated={() => setVersion((v) => v + 1)} />
    </Page>
  );
}

/** What an app's scopes let it do, in words, each with its code. */
export function ScopeList({ scopes }: { scopes: readonly string[] }) {
  if (scopes.length === 0) return <span className="muted">nothing (no scope)</span>;
  return (
    <ul className="scope-list">
      {scopes.map((s) => (
        <li key={s}>
          {APP_SCOPES[s as AppScope] ?? s} <code>{s}</code>
        </li>
      ))}
    </ul>
  );
}

function InstallationStatus({ installation: i }: { installation: Installation }) {
  if (i.status === 'installed') return <span className="badge status-active">installed</span>;
  return (
    <span>
      <span className="badge status-pending">pending</span>
      <span className="muted status-note">Waiting for the app to finish installing.</span>
    </span>
  );
}

function InstalledApps({ org, ownApps }: { org: Organization; ownApps: App[] }) {
  const { outcome, show, busy, act } = useOutcome(() => list.reload());
  const list = usePaged(
    (cursor) =>
      api.call('GET /v1/organizations/{org}/installations', {
        path: { org: org.id },
        query: { limit: PAGE_SIZE, cursor },
      }),
    org.id,
  );

  const uninstall = (i: Installation) =>
    act(`${i.app.name} was not uninstalled.`, async () => {
      await api.call('DELETE /v1/installations/{uuid}', { path: { uuid: i.uuid } });
      return `${i.app.name} was uninstalled: its tokens no longer work.`;
    });

  const rows = list.data?.data ?? [];
  return (
    <section className="section" aria-labelledby="installed-heading">
      <h2 id="installed-heading">Installed apps</h2>
      <p className="muted">
        An app installed here acts on {org.name} with the scopes it was granted. It stays <em>pending</em>{' '}
        until the app, which received a one-time code, finishes setting itself up.
      </p>
      <InstallForm
        org={org}
        ownApps={ownApps}
        onDone={() => {
          show(null);
          list.reload();
        }}
      />
      <OutcomeMessage outcome={outcome} />
      {list.error ? <LoadError error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading installed apps…" /> : null}
      {list.data && rows.length === 0 ? (
        <Empty title="No apps are installed.">Install one with its URL name, given by its publisher.</Empty>
      ) : null}
      {rows.length > 0 ? (
        <table className="table" aria-busy={list.loading || busy}>
          <caption className="visually-hidden">Apps installed in {org.name}</caption>
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Status</th>
              <th scope="col">Scopes granted</th>
              <th scope="col">Installed</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <InstallationRow key={i.uuid} installation={i} busy={busy} onUninstall={() => uninstall(i)} />
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager list={list} />
    </section>
  );
}

function InstallationRow({
  installation: i,
  busy,
  onUninstall,
}: {
  installation: Installation;
  busy: boolean;
  onUninstall(): void;
}) {
  const [confirm, setConfirm] = useState(false);
  const opener = useOpener();
  const cancel = () => {
    setConfirm(false);
    opener.refocus();
  };
  return (
    <tr>
      <td data-label="App">
        <span className="member-name">{i.app.name}</span>
        <span className="muted member-email">{i.app.slug}</span>
      </td>
      <td data-label="Status">
        <InstallationStatus installation={i} />
      </td>
      <td data-label="Scopes granted">
        <ScopeList scopes={i.scopes} />
      </td>
      <td data-label="Installed">{formatDate(i.createdAt)}</td>
      <td data-label="Actions" className="actions">
        {confirm ? (
          <Inline onCancel={cancel}>
            <span>Uninstall {i.app.name}? Its tokens stop working at once.</span>
            <button
              type="button"
              className="button danger"
              disabled={busy}
              onClick={() => {
                setConfirm(false);
                onUninstall();
              }}
            >
              Uninstall
            </button>
            <button type="button" className="button" onClick={cancel} data-autofocus>
              Cancel
            </button>
          </Inline>
        ) : (
          <button
            ref={opener.ref}
            type="button"
            className="button small danger-outline"
            disabled={busy}
            onClick={() => setConfirm(true)}
            aria-label={`Uninstall ${i.app.name}`}
          >
            Uninstall
          </button>
        )}
      </td>
    </tr>
  );
}

/** The scopes an installer lacks, from an INSTALLER_LACKS_SCOPES refusal. */
function missingScopes(err: unknown): string[] {
  if (errorCode(err) !== 'INSTALLER_LACKS_SCOPES') return [];
  const details = (err as { details?: { missingScopes?: unknown } }).details;
  return Array.isArray(details?.missingScopes) ? details.missingScopes.map(String) : [];
}

/** What an app of another organization may be granted at most: the app scopes the installer holds. */
function ceilingOf(org: Organization): AppScope[] {
  return (Object.keys(APP_SCOPES) as AppScope[]).filter((s) => org.viewer.scopes.includes(s));
}

/**
 * Installing, in two steps: the app's URL name, then what it will be able to do — in words, before
 * anything is granted — and Install or Cancel (Escape). An app this organization publishes is known
 * here with its scopes; another organization's app is known to the API only, so the step says what
 * it may be granted at most (what the installer holds), and the result says what it got.
 */
function InstallForm({ org, ownApps, onDone }: { org: Organization; ownApps: App[]; onDone(): void }) {
  const [slug, setSlug] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [reviewing, setReviewing] = useState<string | null>(null);
  const [result, setResult] = useState<{ created: boolean; installation: Installation } | null>(null);
  const opener = useOpener();
  const install = useSubmit(async () => {
    if (!reviewing) return;
    const res = await api.send('POST /v1/organizations/{org}/installations', {
      path: { org: org.id },
      body: { app: reviewing },
    });
    setResult({ created: res.status === 201, installation: res.body });
    setReviewing(null);
    setSlug('');
    onDone();
  });

  function review(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    install.clear();
    const wanted = slug.trim();
    setProblem(wanted ? undefined : "Enter the app's URL name.");
    setReviewing(wanted || null);
  }
  const cancel = () => {
    setReviewing(null);
    install.clear();
    opener.refocus();
  };

  const missing = missingScopes(install.error);
  const i = result?.installation;
  const own = reviewing ? ownApps.find((a) => a.slug === reviewing) : undefined;
  return (
    <>
      <form className="card medium" onSubmit={review} noValidate aria-labelledby="install-heading">
        <h3 id="install-heading" className="form-title">
          Install an app
        </h3>
        <Field
          label="App URL name"
          name="app"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          value={slug}
          onChange={(e) => {
            setSlug(e.target.value);
            setReviewing(null);
          }}
          hint="Given by the app's publisher, for example “notes”. You will see what it may do before it is installed."
          error={problem}
        />
        {reviewing ? null : (
          <button ref={opener.ref} type="submit" className="button primary">
            Review and install
          </button>
        )}
      </form>
      {reviewing ? (
        <Inline className="card medium consent-step" onCancel={cancel}>
          <h4 className="form-title">
            Install {own ? own.name : <code>{reviewing}</code>} in {org.name}?
          </h4>
          {own ? (
            <>
              <p>It will be able to:</p>
              <ScopeList scopes={own.scopes} />
            </>
          ) : (
            <>
              <p>
                It is granted every permission it asks for, and it can ask for no more than you hold yourself.
                At most, it will be able to:
              </p>
              <ScopeList scopes={ceilingOf(org)} />
              <p className="muted">
                The permissions it gets are listed once it is installed; if they are more than you expected,
                uninstall it at once (its tokens stop working).
              </p>
            </>
          )}
          <ErrorMessage>
            {install.message ? (
              <>
                {install.message}
                {missing.length > 0
                  ? ` It asks for: ${missing.map((m) => APP_SCOPES[m as AppScope] ?? m).join(' ')}`
                  : null}
              </>
            ) : null}
          </ErrorMessage>
          <div className="row">
            <button
              type="button"
              className="button primary"
              onClick={() => install.submit()}
              disabled={install.busy}
            >
              {install.busy ? 'Installing…' : 'Install'}
            </button>
            <button type="button" className="button" onClick={cancel}>
              Cancel
            </button>
          </div>
        </Inline>
      ) : null}
      {result && i ? (
        <FocusedNotice>
          {result.created
            ? `${i.app.name} is installed in ${org.name} and pending: waiting for the app to finish. Roster sent it a one-time code; the app marks the installation installed once it has set itself up.`
            : `${i.app.name} was already installed in ${org.name} (${i.status}); nothing changed. To send the app a new code, uninstall it and install it again.`}{' '}
          It was granted:
          <ScopeList scopes={i.scopes} />
        </FocusedNotice>
      ) : null}
    </>
  );
}

function PublishedApps({
  org,
  apps,
  onCreated,
}: {
  org: Organization;
  apps: Loaded<{ data: App[] }>;
  onCreated(): void;
}) {
  const rows = apps.data?.data ?? [];
  return (
    <section className="section" aria-labelledby="published-apps-heading">
      <h2 id="published-apps-heading">Apps you publish</h2>
      <p className="muted">
        Apps {org.name} publishes. Other organizations install a published app by its URL name; an unpublished
        one installs only here.
      </p>
      {apps.error ? <LoadError error={apps.error} retry={apps.reload} /> : null}
      {apps.loading && !apps.data ? <Loading label="Loading your apps…" /> : null}
      {apps.data && rows.length === 0 ? (
        <Empty title="This organization publishes no app yet.">Create one with the form below.</Empty>
      ) : null}
      {rows.length > 0 ? <AppTable org={org} rows={rows} busy={apps.loading} /> : null}
      <CreateAppForm org={org} onCreated={onCreated} />
    </section>
  );
}

function AppTable({ org, rows, busy }: { org: Organization; rows: App[]; busy: boolean }) {
  return (
    <table className="table" aria-busy={busy}>
      <caption className="visually-hidden">Apps {org.name} publishes</caption>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Visibility</th>
          <th scope="col">Scopes</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((a) => (
          <tr key={a.id}>
            <td data-label="App">
              <span className="member-name">
                <Link to={appPath(org, a.slug)}>{a.name}</Link>
              </span>
              <span className="muted member-email">{a.slug}</span>
            </td>
            <td data-label="Visibility">
              {a.published ? (
                <span className="badge status-active">published</span>
              ) : (
                <span className="badge">private</span>
              )}
            </td>
            <td data-label="Scopes">
              <ScopeList scopes={a.scopes} />
            </td>
            <td data-label="Created">{formatDate(a.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What the app form edits; text as typed. */
export interface AppDraft {
  name: string;
  scopes: AppScope[];
  webhookUrl: string;
  redirectUrl: string;
  published: boolean;
}

export const emptyDraft: AppDraft = {
  name: '',
  scopes: [],
  webhookUrl: '',
  redirectUrl: '',
  published: false,
};

/** The fields an app is created and edited with, their API errors beside them. */
export function AppFields({
  org,
  draft,
  onChange,
  errors,
  scopesHint,
  afterName,
}: {
  org: Organization;
  draft: AppDraft;
  onChange(d: AppDraft): void;
  errors: Record<string, string>;
  scopesHint?: string;
  /** A field to show right after the name (the URL name, when creating). */
  afterName?: ReactNode;
}) {
  const set = <K extends keyof AppDraft>(key: K, value: AppDraft[K]) => onChange({ ...draft, [key]: value });
  const scopeError = Object.entries(errors).find(([field]) => field.startsWith('scopes'))?.[1];
  const toggle = (scope: AppScope, on: boolean) =>
    set(
      'scopes',
      (Object.keys(APP_SCOPES) as AppScope[]).filter((s) => (s === scope ? on : draft.scopes.includes(s))),
    );
  return (
    <>
      <Field
        label="Name"
        name="name"
        required
        maxLength={100}
        value={draft.name}
        onChange={(e) => set('name', e.target.value)}
        error={errors.name}
      />
      {afterName}
      <fieldset className="field scopes" aria-describedby={scopeError ? 'app-scopes-error' : undefined}>
        <legend className="legend">Scopes</legend>
        <p className="hint">
          {scopesHint ??
            'What the app may do in an organization that installs it. Whoever installs it must hold these scopes.'}
        </p>
        {(Object.entries(APP_SCOPES) as [AppScope, string][]).map(([scope, description]) => (
          <Checkbox
            key={scope}
            label={scope}
            hint={description}
            name="scopes"
            value={scope}
            checked={draft.scopes.includes(scope)}
            onChange={(e) => toggle(scope, e.target.checked)}
          />
        ))}
        {scopeError ? (
          <p className="field-error" id="app-scopes-error">
            {scopeError}
          </p>
        ) : null}
      </fieldset>
      <Field
        label="Webhook URL"
        name="webhookUrl"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        required
        maxLength={2048}
        value={draft.webhookUrl}
        onChange={(e) => set('webhookUrl', e.target.value)}
        hint="Roster sends the app signed events here: installed (with the one-time code), updated, uninstalled."
        error={errors.webhookUrl}
      />
      <Field
        label="Redirect URL (optional)"
        name="redirectUrl"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        maxLength={2048}
        value={draft.redirectUrl}
        onChange={(e) => set('redirectUrl', e.target.value)}
        hint="Where the app sends people back after installing it."
        error={errors.redirectUrl}
      />
      <Checkbox
        label="Published"
        hint={`Other organizations may install it. Unpublished, it installs only into ${org.name}.`}
        checked={draft.published}
        onChange={(e) => set('published', e.target.checked)}
      />
    </>
  );
}

/** An app's secrets, shown this once. */
export function AppSecrets(props: {
  title: string;
  secrets: Array<{ label: string; value: string }>;
  children?: ReactNode;
  onDismiss(): void;
}) {
  return (
    <ShownOnce
      {...props}
      lost="Roster keeps only what it needs to check them; if one is lost, rotate it on the app's page."
    />
  );
}

function CreateAppForm({ org, onCreated }: { org: Organization; onCreated(): void }) {
  const [draft, setDraft] = useState<AppDraft>(emptyDraft);
  const [slug, setSlug] = useState('');
  const [problem, setProblem] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<CreatedApp | null>(null);
  const creation = useSubmit(async () => {
    setCreated(null);
    const missing: Record<string, string> = {};
    if (!draft.name.trim()) missing.name = 'Enter a name.';
    if (!draft.webhookUrl.trim()) missing.webhookUrl = 'Enter the URL Roster sends the app its events to.';
    setProblem(missing);
    if (Object.keys(missing).length > 0) return;
    const app = await api.call('POST /v1/organizations/{org}/apps', {
      path: { org: org.id },
      body: {
        name: draft.name.trim(),
        ...(slug.trim() ? { slug: slug.trim() } : {}),
        scopes: draft.scopes,
        webhookUrl: draft.webhookUrl.trim(),
        ...(draft.redirectUrl.trim() ? { redirectUrl: draft.redirectUrl.trim() } : {}),
        published: draft.published,
      },
    });
    setCreated(app);
    setDraft(emptyDraft);
    setSlug('');
    onCreated();
  });

  const errors = { ...creation.fields, ...problem };
  return (
    <div className="stack-top">
      {created ? (
        <AppSecrets
          title={`${created.name} was created.`}
          secrets={[
            { label: 'Client ID', value: created.clientId },
            { label: 'Client secret', value: created.clientSecret },
            { label: 'Webhook signing secret', value: created.webhookSecret },
          ]}
          onDismiss={() => setCreated(null)}
        >
          <p>
            Its URL name is <code>{created.slug}</code>.{' '}
            <Link to={appPath(org, created.slug)}>Open {created.name}</Link>
          </p>
        </AppSecrets>
      ) : null}
      <form
        className="card medium"
        onSubmit={creation.submit}
        noValidate
        aria-labelledby="create-app-heading"
      >
        <h3 id="create-app-heading" className="form-title">
          Create an app
        </h3>
        <ErrorMessage>{creation.message}</ErrorMessage>
        <fieldset disabled={creation.busy}>
          <legend className="visually-hidden">New app</legend>
          <AppFields
            org={org}
            draft={draft}
            onChange={setDraft}
            errors={errors}
            afterName={
              <Field
                label="URL name (optional)"
                name="slug"
                maxLength={48}
                autoCapitalize="none"
                autoComplete="off"
                spellCheck={false}
                value={slug}
                onChange={(e) => setSlug(e.target.value)}
                hint="How installers name the app: 2–48 lowercase letters, digits and hyphens. Left empty, it is made from the name. It cannot be changed later."
                error={errors.slug}
              />
            }
          />
          <button type="submit" className="button primary">
            {creation.busy ? 'Creating…' : 'Create app'}
          </button>
        </fieldset>
      </form>
    </div>
  );
}
