/** SQL for apps, installations, grant codes and installation tokens. */
import { type Kysely, sql, type Updateable } from 'kysely';
import type { AppsTable, DB } from '../../db/schema.ts';
import type { Scope } from '../access/scopes.ts';

const APP_COLUMNS = [
  'a.id',
  'a.organization_id',
  'a.slug',
  'a.name',
  'a.scopes',
  'a.webhook_url',
  'a.redirect_url',
  'a.published',
  'a.client_id',
  'a.created_at',
  'a.updated_at',
  'o.slug as organization_slug',
] as const;

export type AppRow = NonNullable<Awaited<ReturnType<typeof findAppBySlug>>>;

export function findAppBySlug(db: Kysely<DB>, slug: string) {
  return db
    .selectFrom('apps as a')
    .innerJoin('organizations as o', 'o.id', 'a.organization_id')
    .select(APP_COLUMNS)
    .where('a.slug', '=', slug.toLowerCase())
    .executeTakeFirst();
}

export function findAppById(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('apps as a')
    .innerJoin('organizations as o', 'o.id', 'a.organization_id')
    .select(APP_COLUMNS)
    .where('a.id', '=', id)
    .executeTakeFirst();
}

export function listOrgApps(db: Kysely<DB>, organizationId: string) {
  return db
    .selectFrom('apps as a')
    .innerJoin('organizations as o', 'o.id', 'a.organization_id')
    .select(APP_COLUMNS)
    .where('a.organization_id', '=', organizationId)
    .orderBy('a.id')
    .execute();
}

/** Inserts an app; undefined when the slug is taken. */
export async function insertApp(
  db: Kysely<DB>,
  values: {
    id: string;
    organizationId: string;
    slug: string;
    name: string;
    scopes: Scope[];
    webhookUrl: string;
    redirectUrl: string | null;
    published: boolean;
    clientId: string;
    clientSecretHash: Buffer;
    webhookSecret: string;
    createdBy: string | null;
  },
) {
  const row = await db
    .insertInto('apps')
    .values({
      id: values.id,
      organization_id: values.organizationId,
      slug: values.slug,
      name: values.name,
      scopes: values.scopes,
      webhook_url: values.webhookUrl,
      redirect_url: values.redirectUrl,
      published: values.published,
      client_id: values.clientId,
      client_secret_hash: values.clientSecretHash,
      webhook_secret: values.webhookSecret,
      created_by: values.createdBy,
    })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? findAppById(db, row.id) : undefined;
}

export type AppPatch = Omit<Updateable<AppsTable>, 'id' | 'organization_id' | 'created_at' | 'client_id'>;

export function updateApp(db: Kysely<DB>, id: string, patch: AppPatch) {
  return db
    .updateTable('apps')
    .set({ ...patch, updated_at: sql`now()` })
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirst();
}

export function deleteApp(db: Kysely<DB>, id: string) {
  return db.deleteFrom('apps').where('id', '=', id).returning('id').executeTakeFirst();
}

/** The client's stored secret hash, by client id. */
export function findClient(db: Kysely<DB>, clientId: string) {
  return db
    .selectFrom('apps')
    .select(['id', 'slug', 'client_secret_hash'])
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}

const INSTALLATION_COLUMNS = [
  'i.id',
  'i.organization_id',
  'i.app_id',
  'i.status',
  'i.scopes',
  'i.installed_by',
  'i.created_at',
  'i.updated_at',
  'a.slug as app_slug',
  'a.name as app_name',
  'o.slug as organization_slug',
] as const;

function installations(db: Kysely<DB>) {
  return db
    .selectFrom('app_installations as i')
    .innerJoin('apps as a', 'a.id', 'i.app_id')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select(INSTALLATION_COLUMNS);
}

export type InstallationRow = NonNullable<Awaited<ReturnType<typeof findInstallation>>>;

export function findInstallation(db: Kysely<DB>, id: string) {
  return installations(db).where('i.id', '=', id).executeTakeFirst();
}

export function findInstallationOf(db: Kysely<DB>, organizationId: string, appId: string) {
  return installations(db)
    .where('i.organization_id', '=', organizationId)
    .where('i.app_id', '=', appId)
    .executeTakeFirst();
}

export function listInstallations(
  db: Kysely<DB>,
  q: { organizationId: string; limit: number; afterId?: string },
) {
  let query = installations(db).where('i.organization_id', '=', q.organizationId);
  if (q.afterId) query = query.where('i.id', '>', q.afterId);
  return query
    .orderBy('i.id')
    .limit(q.limit + 1)
    .execute();
}

export function listInstallationsOfApp(db: Kysely<DB>, appId: string) {
  return installations(db).where('i.app_id', '=', appId).orderBy('i.id').execute();
}

/** Inserts the installation unless the app is already installed there (then undefined). */
export function insertInstallation(
  db: Kysely<DB>,
  values: { id: string; organizationId: string; appId: string; scopes: Scope[]; installedBy: string | null },
) {
  return db
    .insertInto('app_installations')
    .values({
      id: values.id,
      organization_id: values.organizationId,
      app_id: values.appId,
      scopes: values.scopes,
      installed_by: values.installedBy,
    })
    .onConflict((oc) => oc.columns(['organization_id', 'app_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

/** pending → installed, compare-and-set: undefined when it was not pending. */
export function markInstalled(db: Kysely<DB>, id: string) {
  return db
    .updateTable('app_installations')
    .set({ status: 'installed', updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
}

export function deleteInstallation(db: Kysely<DB>, id: string) {
  return db.deleteFrom('app_installations').where('id', '=', id).returning('id').executeTakeFirst();
}

export function insertGrant(
  db: Kysely<DB>,
  values: {
    id: string;
    organizationId: string;
    installationId: string;
    codeHash: Buffer;
    ttlMinutes: number;
  },
) {
  return db
    .insertInto('app_grants')
    .values({
      id: values.id,
      organization_id: values.organizationId,
      installation_id: values.installationId,
      code_hash: values.codeHash,
      expires_at: sql`now() + make_interval(mins => ${values.ttlMinutes})`,
    })
    .execute();
}

/** The grant and its installation, locked against a concurrent uninstall for the transaction. */
export function lockGrant(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('app_grants as g')
    .innerJoin('app_installations as i', 'i.id', 'g.installation_id')
    .select([
      'g.id',
      'g.installation_id',
      'g.organization_id',
      'g.code_hash',
      'g.used_at',
      sql<boolean>`g.expires_at <= now()`.as('expired'),
      'i.app_id',
    ])
    .where('g.id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export function markGrantUsed(db: Kysely<DB>, id: string) {
  return db
    .updateTable('app_grants')
    .set({ used_at: sql`now()` })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
}

export function insertTokens(
  db: Kysely<DB>,
  values: {
    id: string;
    organizationId: string;
    installationId: string;
    grantId: string;
    accessHash: Buffer;
    refreshHash: Buffer;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  },
) {
  return db
    .insertInto('app_tokens')
    .values({
      id: values.id,
      organization_id: values.organizationId,
      installation_id: values.installationId,
      grant_id: values.grantId,
      access_hash: values.accessHash,
      refresh_hash: values.refreshHash,
      access_expires_at: sql`now() + make_interval(secs => ${values.accessTtlSeconds})`,
      refresh_expires_at: sql`now() + make_interval(secs => ${values.refreshTtlSeconds})`,
    })
    .returning(['access_expires_at'])
    .executeTakeFirstOrThrow();
}

/** A token pair and its installation, locked against concurrent refreshes and uninstalls. */
export function lockTokens(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('app_tokens as t')
    .innerJoin('app_installations as i', 'i.id', 't.installation_id')
    .select([
      't.id',
      't.organization_id',
      't.installation_id',
      't.grant_id',
      't.refresh_hash',
      't.revoked_at',
      sql<boolean>`t.refresh_expires_at <= now()`.as('expired'),
      'i.app_id',
    ])
    .where('t.id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export function revokeTokens(db: Kysely<DB>, id: string) {
  return db
    .updateTable('app_tokens')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
}

/** Revokes every token a grant led to (its first pair and every refresh since); returns how many. */
export async function revokeGrantFamily(db: Kysely<DB>, grantId: string): Promise<number> {
  const rows = await db
    .updateTable('app_tokens')
    .set({ revoked_at: sql`now()` })
    .where('grant_id', '=', grantId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}

/** What an access token stands for, if it is live. */
export function findLiveAccessToken(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('app_tokens as t')
    .innerJoin('app_installations as i', 'i.id', 't.installation_id')
    .innerJoin('apps as a', 'a.id', 'i.app_id')
    .select([
      't.id',
      't.access_hash',
      'i.id as installation_id',
      'i.organization_id',
      'i.scopes',
      'a.id as app_id',
      'a.slug as app_slug',
    ])
    .where('t.id', '=', id)
    .where('t.revoked_at', 'is', null)
    .where('t.access_expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}
