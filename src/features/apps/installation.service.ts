/**
 * Installations: an organization installs an app (pending, with a one-time grant code sent to the
 * app's webhook), the app marks it installed with its own token, an administrator uninstalls it.
 */
import type { Context } from '../../context.ts';
import { issueToken } from '../../lib/crypto.ts';
import { CommonErrors } from '../../lib/errors.ts';
import { isUuid, uuidv7 } from '../../lib/ids.ts';
import { decodeCursor, toPage } from '../../lib/pagination.ts';
import { type OrgAccess, orgAccess, requireScope } from '../access/org-access.ts';
import { hasScope } from '../access/scopes.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { actorOf, type Principal } from '../auth/principal.ts';
import { publishEvent } from '../events/event.service.ts';
import { AppErrors } from './app.errors.ts';
import * as repo from './app.repository.ts';

/** How long a grant code can be exchanged. */
export const GRANT_TTL_MINUTES = 10;

export function serializeInstallation(i: repo.InstallationRow) {
  return {
    uuid: i.id,
    status: i.status,
    app: { uuid: i.app_id, slug: i.app_slug, name: i.app_name },
    organization: { id: i.organization_id, slug: i.organization_slug },
    scopes: i.scopes,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
  };
}

/**
 * Installs the app `appSlug` into the organization. The installer needs `org:integrations` and every
 * scope the app asks for. An app already installed there answers its existing installation
 * (`created: false`); the unique index on (organization, app) decides between concurrent installs.
 */
export async function install(ctx: Context, access: OrgAccess, appSlug: string) {
  requireScope(access, 'org:integrations');
  const app = await repo.findAppBySlug(ctx.db, appSlug);
  // An unpublished app is visible only to the organization that publishes it.
  if (!app || (!app.published && app.organization_id !== access.org.id)) throw AppErrors.APP_NOT_FOUND();
  const missing = app.scopes.filter((s) => !hasScope(access.grant, s));
  if (missing.length > 0) throw AppErrors.INSTALLER_LACKS_SCOPES({ missingScopes: missing });
  return ctx.transaction(async (trx) => {
    const id = uuidv7();
    const inserted = await repo.insertInstallation(trx, {
      id,
      organizationId: access.org.id,
      appId: app.id,
      scopes: app.scopes,
      installedBy: access.userId,
    });
    if (!inserted) {
      const existing = await repo.findInstallationOf(trx, access.org.id, app.id);
      if (!existing) throw AppErrors.APP_NOT_FOUND(); // the app was deleted meanwhile
      return { created: false, installation: serializeInstallation(existing) };
    }
    const code = issueToken('rg');
    await repo.insertGrant(trx, {
      id: code.id,
      organizationId: access.org.id,
      installationId: id,
      codeHash: code.secretHash,
      ttlMinutes: GRANT_TTL_MINUTES,
    });
    const installation = serializeInstallation(
      (await repo.findInstallation(trx, id)) as repo.InstallationRow,
    );
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'installation.created',
      targetType: 'installation',
      targetId: id,
      data: { app: app.slug, scopes: app.scopes },
    });
    // The grant code travels only to the app, in its signed webhook.
    await publishEvent(trx, {
      organizationId: access.org.id,
      type: 'installation.created',
      data: { installation },
      actor: access.actor,
      app: { id: app.id, data: { code: code.token, codeExpiresInSeconds: GRANT_TTL_MINUTES * 60 } },
    });
    return { created: true, installation };
  });
}

export async function listInstallations(
  ctx: Context,
  access: OrgAccess,
  q: { limit: number; cursor?: string },
) {
  requireScope(access, 'org:integrations');
  const afterId = decodeCursor('i', q.cursor, isUuid);
  const rows = await repo.listInstallations(ctx.db, {
    organizationId: access.org.id,
    limit: q.limit,
    afterId,
  });
  return toPage(rows, q.limit, (r) => r.id, 'i', serializeInstallation);
}

/**
 * Who may touch installation `id`: its own app (by a token issued for it), or someone of the
 * installing organization with `org:integrations`. Another app → 403; an unknown installation, or one
 * in an organization the person cannot see → 404.
 */
async function installationAccess(ctx: Context, principal: Principal | null, id: string, ip: string | null) {
  if (!principal) throw CommonErrors.UNAUTHENTICATED();
  const installation = await repo.findInstallation(ctx.db, id);
  if (!installation) throw AppErrors.INSTALLATION_NOT_FOUND();
  if (principal.kind === 'app') {
    if (principal.installationId !== installation.id) throw AppErrors.NOT_THIS_APPS_INSTALLATION();
    return { installation, access: null, actor: actorOf(principal, ip) };
  }
  let access: OrgAccess;
  try {
    access = await orgAccess(ctx, principal, installation.organization_id, ip);
  } catch (err) {
    // Not a member of the installing organization: the installation does not exist for them.
    if ((err as { statusCode?: number }).statusCode === 404) throw AppErrors.INSTALLATION_NOT_FOUND();
    throw err;
  }
  requireScope(access, 'org:integrations');
  return { installation, access, actor: access.actor };
}

export async function getInstallation(
  ctx: Context,
  principal: Principal | null,
  id: string,
  ip: string | null,
) {
  const { installation } = await installationAccess(ctx, principal, id, ip);
  return serializeInstallation(installation);
}

/** What the status message says, whatever was sent (long values are cut). */
function invalidStatus(value: string) {
  const shown = value.length > 100 ? `${value.slice(0, 100)}…` : value;
  const message = `Invalid value '${shown}' for status. Valid values: 'installed'`;
  return AppErrors.INVALID_INSTALLATION_STATUS([{ field: 'status', message }], message);
}

/**
 * The app marks its installation installed: 200 with the installation. Only `installed` is a valid
 * value; a person (whatever their scopes) cannot do it for the app. Marking an installed installation
 * again changes nothing and records nothing.
 */
export async function updateInstallation(
  ctx: Context,
  principal: Principal | null,
  id: string,
  status: string,
  ip: string | null,
) {
  const { installation, access, actor } = await installationAccess(ctx, principal, id, ip);
  if (access) throw AppErrors.APP_TOKEN_REQUIRED();
  if (status !== 'installed') throw invalidStatus(status);
  return ctx.transaction(async (trx) => {
    const changed = await repo.markInstalled(trx, installation.id);
    const current = await repo.findInstallation(trx, installation.id);
    if (!current) throw AppErrors.INSTALLATION_NOT_FOUND();
    const serialized = serializeInstallation(current);
    if (changed) {
      await recordAudit(trx, actor, {
        organizationId: current.organization_id,
        action: 'installation.updated',
        targetType: 'installation',
        targetId: current.id,
        data: { status: { from: 'pending', to: 'installed' } },
      });
      await publishEvent(trx, {
        organizationId: current.organization_id,
        type: 'installation.updated',
        data: { installation: serialized },
        actor,
        app: { id: current.app_id },
      });
    }
    return serialized;
  });
}

/** Uninstalls: the installation, its grant codes and tokens go at once; the app hears of it. */
export async function uninstall(ctx: Context, principal: Principal | null, id: string, ip: string | null) {
  const { installation, access, actor } = await installationAccess(ctx, principal, id, ip);
  if (!access) throw AppErrors.APP_CANNOT_UNINSTALL();
  await ctx.transaction(async (trx) => {
    const current = await repo.findInstallation(trx, installation.id);
    // A concurrent uninstall that committed first leaves nothing to delete (nor to announce twice).
    if (!current || !(await repo.deleteInstallation(trx, installation.id))) {
      throw AppErrors.INSTALLATION_NOT_FOUND();
    }
    await recordAudit(trx, actor, {
      organizationId: current.organization_id,
      action: 'installation.deleted',
      targetType: 'installation',
      targetId: current.id,
      data: { app: current.app_slug },
    });
    await publishEvent(trx, {
      organizationId: current.organization_id,
      type: 'installation.deleted',
      data: { installation: serializeInstallation(current) },
      actor,
      app: { id: current.app_id },
    });
  });
}
