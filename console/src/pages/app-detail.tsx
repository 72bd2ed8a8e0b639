import { type ReactNode, useState } from 'react';
import type { Body } from '../../../src/client/client.ts';
import {
  APP_SCOPES,
  type App,
  type AppScope,
  api,
  errorCode,
  explain,
  formatDate,
  type Organization,
} from '../api.ts';
import { DeliveryLog } from '../delivery-log.tsx';
import { useLoad } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { OrgPageProps } from '../routes.tsx';
import {
  CopyField,
  ErrorMessage,
  Loading,
  Notice,
  navigateWithNotice,
  Page,
  useAction,
  useSubmit,
} from '../ui.tsx';
import { type AppDraft, AppFields, AppSecrets, appsPath, NOT_ALLOWED } from './apps.tsx';

type AppChanges = Body<'PATCH /v1/organizations/{org}/apps/{slug}'>;

const toDraft = (a: App): AppDraft => ({
  name: a.name,
  // Scopes the console does not know stay out of the checkboxes (and out of a save that does not touch them).
  scopes: a.scopes.filter((s): s is AppScope => Object.hasOwn(APP_SCOPES, s)),
  webhookUrl: a.webhookUrl,
  redirectUrl: a.redirectUrl ?? '',
  published: a.published,
});

/**
 * One app this organization publishes (org:integrations): change it, rotate its client secret or
 * webhook signing secret (the new one shown once), delete it, and read its webhook delivery log.
 */
export function AppDetailPage({ org, params }: OrgPageProps) {
  const slug = params.slug ?? '';
  const allowed = org.viewer.scopes.includes('org:integrations');
  const app = useLoad(
    () =>
      allowed
        ? api.call('GET /v1/organizations/{org}/apps/{slug}', { path: { org: org.id, slug } })
        : Promise.resolve(null),
    `${org.id}|${slug}`,
  );
  const back = <Link to={appsPath(org)}>All apps</Link>;
  if (!allowed) {
    return (
      <Page title="App">
        <ErrorMessage>{NOT_ALLOWED}</ErrorMessage>
      </Page>
    );
  }
  if (app.loading && !app.data) {
    return (
      <Page title="App">
        <Loading label="Loading the app…" />
      </Page>
    );
  }
  if (!app.data) {
    return (
      <Page title="App">
        <ErrorMessage>
          {errorCode(app.error) === 'APP_NOT_FOUND'
            ? `${org.name} publishes no app with the URL name “${slug}”; it may have been deleted.`
            : explain(app.error)}{' '}
          {back}
        </ErrorMessage>
      </Page>
    );
  }
  return <AppDetail key={app.data.id} org={org} app={app.data} onChanged={app.reload} back={back} />;
}

function AppDetail({
  org,
  app,
  onChanged,
  back,
}: {
  org: Organization;
  app: App;
  onChanged(): void;
  back: ReactNode;
}) {
  return (
    <Page title={app.name}>
      <p className="muted">
        {back} · URL name <code>{app.slug}</code> ·{' '}
        {app.published
          ? 'published: any organization may install it'
          : `private: installs only into ${org.name}`}{' '}
        · created {formatDate(app.createdAt)}
      </p>
      <div className="card medium section">
        <CopyField label="Client ID" value={app.clientId} />
        <p className="hint">
          The app presents its client ID and client secret, with the one-time code of an installation, to{' '}
          <code>POST /v1/apps/token</code>.
        </p>
      </div>
      <EditApp org={org} app={app} onSaved={onChanged} />
      <Secrets org={org} app={app} />
      <DeliveryLog
        title="Webhook deliveries"
        intro={
          <>
            Every attempt to deliver an event to <code className="wrap">{app.webhookUrl}</code>, newest first;
            Details shows what was sent (never a grant code) and what came back. Only a 2xx answer counts as
            delivered; failures are retried for about a day and a half.
          </>
        }
        empty={{
          title: 'No deliveries yet.',
          body: 'Roster calls the webhook URL when an organization installs the app, when the app finishes installing and when it is uninstalled.',
        }}
        caption={`Webhook deliveries to ${app.name}`}
        load={(query) =>
          api.call('GET /v1/organizations/{org}/apps/{slug}/deliveries', {
            path: { org: org.id, slug: app.slug },
            query,
          })
        }
        loadKey={`${org.id}|${app.slug}`}
        source={{
          load: (deliveryId) =>
            api.call('GET /v1/organizations/{org}/apps/{slug}/deliveries/{deliveryId}', {
              path: { org: org.id, slug: app.slug, deliveryId },
            }),
          replay: (deliveryId) =>
            api.call('POST /v1/organizations/{org}/apps/{slug}/deliveries/{deliveryId}/replay', {
              path: { org: org.id, slug: app.slug, deliveryId },
            }),
        }}
      />
      <DeleteApp org={org} app={app} />
    </Page>
  );
}

function EditApp({ org, app, onSaved }: { org: Organization; app: App; onSaved(): void }) {
  const [draft, setDraft] = useState<AppDraft>(() => toDraft(app));
  const [saved, setSaved] = useState(false);
  const saving = useSubmit(async () => {
    const before = toDraft(app);
    const body: AppChanges = {};
    if (draft.name.trim() !== before.name) body.name = draft.name.trim();
    if ([...draft.scopes].sort().join() !== [...before.scopes].sort().join()) body.scopes = draft.scopes;
    if (draft.webhookUrl.trim() !== before.webhookUrl) body.webhookUrl = draft.webhookUrl.trim();
    if (draft.redirectUrl.trim() !== before.redirectUrl)
      body.redirectUrl = draft.redirectUrl.trim() === '' ? null : draft.redirectUrl.trim();
    if (draft.published !== before.published) body.published = draft.published;
    setSaved(false);
    if (Object.keys(body).length > 0) {
      const updated = await api.call('PATCH /v1/organizations/{org}/apps/{slug}', {
        path: { org: org.id, slug: app.slug },
        body,
      });
      setDraft(toDraft(updated));
      onSaved();
    }
    setSaved(true);
  });

  return (
    <section className="section" aria-labelledby="edit-app-heading">
      <form className="card medium" onSubmit={saving.submit} noValidate aria-labelledby="edit-app-heading">
        <h2 id="edit-app-heading" className="form-title">
          Settings
        </h2>
        <ErrorMessage>{saving.message}</ErrorMessage>
        {saved ? <Notice>Changes saved.</Notice> : null}
        <fieldset disabled={saving.busy}>
          <legend className="visually-hidden">App settings</legend>
          <AppFields
            org={org}
            draft={draft}
            onChange={(d) => {
              setSaved(false);
              setDraft(d);
            }}
            errors={saving.fields}
            scopesHint="Organizations that install the app from now on grant these; existing installations keep the scopes they granted."
          />
          <button type="submit" className="button primary">
            {saving.busy ? 'Saving…' : 'Save changes'}
          </button>
        </fieldset>
      </form>
    </section>
  );
}

type SecretKind = 'client' | 'webhook';

const ROTATE: Record<SecretKind, { button: string; confirm: string; label: string; done: string }> = {
  client: {
    button: 'Rotate client secret',
    confirm:
      'Replace the client secret? The current one stops working at once: the app cannot exchange codes or refresh tokens until it uses the new one.',
    label: 'New client secret',
    done: 'The client secret was replaced; the old one no longer works.',
  },
  webhook: {
    button: 'Rotate webhook secret',
    confirm:
      'Replace the webhook signing secret? Webhooks sent from now on are signed with the new one; the app must verify them with it.',
    label: 'New webhook signing secret',
    done: 'The webhook signing secret was replaced.',
  },
};

function Secrets({ org, app }: { org: Organization; app: App }) {
  const [confirm, setConfirm] = useState<SecretKind | null>(null);
  const [shown, setShown] = useState<{ kind: SecretKind; value: string } | null>(null);
  const rotation = useAction(async (kind: SecretKind) => {
    setShown(null);
    const path = { org: org.id, slug: app.slug };
    const value =
      kind === 'client'
        ? (await api.call('POST /v1/organizations/{org}/apps/{slug}/rotate-secret', { path })).clientSecret
        : (await api.call('POST /v1/organizations/{org}/apps/{slug}/rotate-webhook-secret', { path }))
            .webhookSecret;
    setShown({ kind, value });
  });
  const rotate = async (kind: SecretKind) => {
    await rotation.run(kind);
    setConfirm(null);
  };

  return (
    <section className="section" aria-labelledby="secrets-heading">
      <h2 id="secrets-heading">Secrets</h2>
      <p className="muted">
        Both secrets were shown once, when the app was created. If one is lost or leaked, replace it.
      </p>
      <ErrorMessage>{rotation.message && `The secret was not replaced. ${rotation.message}`}</ErrorMessage>
      {shown ? (
        <AppSecrets
          title={ROTATE[shown.kind].done}
          secrets={[{ label: ROTATE[shown.kind].label, value: shown.value }]}
          onDismiss={() => setShown(null)}
        />
      ) : null}
      {confirm ? (
        <fieldset className="confirm card">
          <legend className="visually-hidden">Confirm {ROTATE[confirm].button.toLowerCase()}</legend>
          <p>{ROTATE[confirm].confirm}</p>
          <div className="row">
            <button
              type="button"
              className="button danger"
              onClick={() => rotate(confirm)}
              disabled={rotation.busy}
            >
              Replace the secret
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setConfirm(null)}
              disabled={rotation.busy}
            >
              Cancel
            </button>
          </div>
        </fieldset>
      ) : (
        <div className="row">
          {(['client', 'webhook'] as const).map((kind) => (
            <button
              key={kind}
              type="button"
              className="button"
              onClick={() => {
                setShown(null);
                setConfirm(kind);
              }}
            >
              {ROTATE[kind].button}
            </button>
          ))}
        </div>
      )}
    </section>
  );
}

function DeleteApp({ org, app }: { org: Organization; app: App }) {
  const [confirm, setConfirm] = useState(false);
  const removal = useSubmit(
    async () => {
      await api.call('DELETE /v1/organizations/{org}/apps/{slug}', { path: { org: org.id, slug: app.slug } });
      navigateWithNotice(appsPath(org), `The app “${app.name}” was deleted, with every installation of it.`, {
        replace: true,
      });
    },
    () => setConfirm(false),
  );

  return (
    <section className="section" aria-labelledby="delete-app-heading">
      <h2 id="delete-app-heading">Delete the app</h2>
      <ErrorMessage>{removal.message && `${app.name} was not deleted. ${removal.message}`}</ErrorMessage>
      {confirm ? (
        <fieldset className="confirm card">
          <legend className="visually-hidden">Confirm deleting {app.name}</legend>
          <p>
            Delete <strong>{app.name}</strong>? Every installation of it, in every organization, goes with it:
            its tokens stop working at once, and each installing organization's audit log records it. This
            cannot be undone.
          </p>
          <div className="row">
            <button type="button" className="button danger" onClick={removal.submit} disabled={removal.busy}>
              Delete {app.name}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setConfirm(false)}
              disabled={removal.busy}
            >
              Cancel
            </button>
          </div>
        </fieldset>
      ) : (
        <button type="button" className="button danger-outline" onClick={() => setConfirm(true)}>
          Delete app
        </button>
      )}
    </section>
  );
}
