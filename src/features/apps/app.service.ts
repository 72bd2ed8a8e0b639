/** Apps an organization publishes: register, change, rotate secrets, remove. */
import { randomBytes } from 'node:crypto';
import type { Context } from '../../context.ts';
import { issueToken } from '../../lib/crypto.ts';
import { invalidField } from '../../lib/errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import { seal } from '../../lib/secret-box.ts';
import { type OrgAccess, requireScope } from '../access/org-access.ts';
import { APP_SCOPES, isAppScope, type Scope } from '../access/scopes.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { publishEvent } from '../events/event.service.ts';
import { checkSlug } from '../organizations/organization.service.ts';
import { listAttemptsPage } from '../webhooks/webhook.service.ts';
import { generateSigningSecret } from '../webhooks/webhook.signing.ts';
import { checkWebhookUrl } from '../webhooks/webhook.url.ts';
import { AppErrors } from './app.errors.ts';
import * as repo from './app.repository.ts';
import { serializeInstallation } from './installation.service.ts';

export function serializeApp(a: repo.AppRow) {
  return {
    id: a.id,
    slug: a.slug,
    name: a.name,
    scopes: a.scopes,
    webhookUrl: a.webhook_url,
    redirectUrl: a.redirect_url,
    published: a.published,
    clientId: a.client_id,
    organization: { id: a.organization_id, slug: a.organization_slug },
    createdAt: a.created_at,
    updatedAt: a.updated_at,
  };
}

function checkScopes(scopes: string[]): Scope[] {
  scopes.forEach((scope, i) => {
    if (!isAppScope(scope)) {
      throw AppErrors.INVALID_APP_SCOPE([
        { field: `scopes.${i}`, message: `'${scope}' is not one of ${APP_SCOPES.join(', ')}` },
      ]);
    }
  });
  return scopes as Scope[];
}

/** Where the app sends people back after installing it: an absolute http(s) URL, or null. */
function checkRedirectUrl(raw: string | null | undefined): string | null | undefined {
  if (raw === undefined || raw === null) return raw;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {}
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw invalidField('redirectUrl', 'must be an absolute http(s) URL without credentials');
  }
  return url.toString();
}

function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return base.length >= 2 ? base : `app-${base}`.replace(/-+$/g, '');
}

/** The app `slug`, published by this organization; 404 otherwise. */
async function ownApp(ctx: Context, access: OrgAccess, slug: string) {
  const app = await repo.findAppBySlug(ctx.db, slug);
  if (!app || app.organization_id !== access.org.id) throw AppErrors.APP_NOT_FOUND();
  return app;
}

export async function createApp(
  ctx: Context,
  access: OrgAccess,
  input: {
    name: string;
    slug?: string;
    scopes: string[];
    webhookUrl: string;
    redirectUrl?: string | null;
    published?: boolean;
  },
) {
  requireScope(access, 'org:integrations');
  const name = input.name.trim();
  const explicit = input.slug !== undefined;
  const firstSlug = explicit ? checkSlug(input.slug as string) : slugify(name);
  const scopes = checkScopes(input.scopes);
  const webhookUrl = await checkWebhookUrl(input.webhookUrl, 'webhookUrl', ctx.config.webhookAllowPrivate);
  const redirectUrl = checkRedirectUrl(input.redirectUrl) ?? null;
  const id = uuidv7();
  const client = issueToken('rc', id);
  const webhookSecret = generateSigningSecret();
  return ctx.transaction(async (trx) => {
    let app: repo.AppRow | undefined;
    for (let attempt = 0; ; attempt++) {
      const slug = attempt === 0 ? firstSlug : `${firstSlug}-${randomBytes(3).toString('hex')}`;
      app = await repo.insertApp(trx, {
        id,
        organizationId: access.org.id,
        slug,
        name,
        scopes,
        webhookUrl,
        redirectUrl,
        published: input.published ?? false,
        clientId: randomBytes(16).toString('hex'),
        clientSecretHash: client.secretHash,
        webhookSecret: seal(webhookSecret, ctx.config.secretsKey),
        createdBy: access.userId,
      });
      if (app) break;
      if (explicit || attempt >= 5)
        throw AppErrors.APP_SLUG_TAKEN([{ field: 'slug', message: 'is already taken' }]);
    }
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'app.created',
      targetType: 'app',
      targetId: id,
      data: { slug: app.slug, scopes, published: app.published },
    });
    return { ...serializeApp(app), clientSecret: client.token, webhookSecret };
  });
}

export async function listApps(ctx: Context, access: OrgAccess) {
  requireScope(access, 'org:integrations');
  return { data: (await repo.listOrgApps(ctx.db, access.org.id)).map(serializeApp) };
}

export async function getApp(ctx: Context, access: OrgAccess, slug: string) {
  requireScope(access, 'org:integrations');
  return serializeApp(await ownApp(ctx, access, slug));
}

export async function updateApp(
  ctx: Context,
  access: OrgAccess,
  slug: string,
  input: {
    name?: string;
    scopes?: string[];
    webhookUrl?: string;
    redirectUrl?: string | null;
    published?: boolean;
  },
) {
  requireScope(access, 'org:integrations');
  const app = await ownApp(ctx, access, slug);
  const patch: repo.AppPatch = {};
  if (input.name !== undefined) patch.name = input.name.trim();
  // Installations keep the scopes they granted; new installations grant the new list.
  if (input.scopes !== undefined) patch.scopes = checkScopes(input.scopes);
  if (input.webhookUrl !== undefined)
    patch.webhook_url = await checkWebhookUrl(input.webhookUrl, 'webhookUrl', ctx.config.webhookAllowPrivate);
  if (input.redirectUrl !== undefined) patch.redirect_url = checkRedirectUrl(input.redirectUrl) ?? null;
  if (input.published !== undefined) patch.published = input.published;
  return ctx.transaction(async (trx) => {
    if (!(await repo.updateApp(trx, app.id, patch))) throw AppErrors.APP_NOT_FOUND();
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'app.updated',
      targetType: 'app',
      targetId: app.id,
      data: { fields: Object.keys(input) },
    });
    return serializeApp((await repo.findAppById(trx, app.id)) as repo.AppRow);
  });
}

/** A new client secret; the old one stops working at once. */
export async function rotateClientSecret(ctx: Context, access: OrgAccess, slug: string) {
  requireScope(access, 'org:integrations');
  const app = await ownApp(ctx, access, slug);
  const client = issueToken('rc', app.id);
  return ctx.transaction(async (trx) => {
    if (!(await repo.updateApp(trx, app.id, { client_secret_hash: client.secretHash }))) {
      throw AppErrors.APP_NOT_FOUND();
    }
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'app.client_secret_rotated',
      targetType: 'app',
      targetId: app.id,
    });
    return { clientSecret: client.token };
  });
}

export async function rotateWebhookSecret(ctx: Context, access: OrgAccess, slug: string) {
  requireScope(access, 'org:integrations');
  const app = await ownApp(ctx, access, slug);
  const webhookSecret = generateSigningSecret();
  return ctx.transaction(async (trx) => {
    if (
      !(await repo.updateApp(trx, app.id, { webhook_secret: seal(webhookSecret, ctx.config.secretsKey) }))
    ) {
      throw AppErrors.APP_NOT_FOUND();
    }
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'app.webhook_secret_rotated',
      targetType: 'app',
      targetId: app.id,
    });
    return { webhookSecret };
  });
}

/** Removes the app and every installation of it (their tokens with them); each installer hears of it. */
export async function deleteApp(ctx: Context, access: OrgAccess, slug: string) {
  requireScope(access, 'org:integrations');
  const app = await ownApp(ctx, access, slug);
  await ctx.transaction(async (trx) => {
    const installed = await repo.listInstallationsOfApp(trx, app.id);
    if (!(await repo.deleteApp(trx, app.id))) throw AppErrors.APP_NOT_FOUND();
    await recordAudit(trx, access.actor, {
      organizationId: access.org.id,
      action: 'app.deleted',
      targetType: 'app',
      targetId: app.id,
      data: { slug: app.slug, installations: installed.length },
    });
    for (const i of installed) {
      await recordAudit(trx, access.actor, {
        organizationId: i.organization_id,
        action: 'installation.deleted',
        targetType: 'installation',
        targetId: i.id,
        data: { app: app.slug, reason: 'app deleted' },
      });
      await publishEvent(trx, {
        organizationId: i.organization_id,
        type: 'installation.deleted',
        data: { installation: serializeInstallation(i), reason: 'app_deleted' },
        actor: access.actor,
      });
    }
  });
}

export async function listAppDeliveries(
  ctx: Context,
  access: OrgAccess,
  slug: string,
  q: { limit: number; cursor?: string },
) {
  requireScope(access, 'org:integrations');
  const app = await ownApp(ctx, access, slug);
  return listAttemptsPage(ctx, 'app', app.id, q);
}
