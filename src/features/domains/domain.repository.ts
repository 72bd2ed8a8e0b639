/** SQL for verified domains (`org_domains`; migration 0021). */
import { type Kysely, sql } from 'kysely';
import type { DB, DomainPolicy } from '../../db/schema.ts';
import type { Role } from '../access/scopes.ts';

/** The most domains one organization may add. */
export const MAX_DOMAINS = 20;

const COLUMNS = [
  'd.id',
  'd.organization_id',
  'd.domain',
  'd.token',
  'd.verified_at',
  'd.last_checked_at',
  'd.record_missing_since',
  'd.policy',
  'd.role',
  'd.created_at',
] as const;

export function listDomains(db: Kysely<DB>, orgId: string) {
  return db
    .selectFrom('org_domains as d')
    .select(COLUMNS)
    .where('d.organization_id', '=', orgId)
    .orderBy('d.domain')
    .execute();
}

export type DomainRow = Awaited<ReturnType<typeof listDomains>>[number];

export function findDomain(db: Kysely<DB>, orgId: string, id: string) {
  return db
    .selectFrom('org_domains as d')
    .select(COLUMNS)
    .where('d.organization_id', '=', orgId)
    .where('d.id', '=', id)
    .executeTakeFirst();
}

export async function countDomains(db: Kysely<DB>, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('org_domains')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('organization_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Inserts the claim; undefined when the organization already has this domain. */
export function insertDomain(
  db: Kysely<DB>,
  v: { id: string; orgId: string; domain: string; token: string; createdBy: string | null },
) {
  return db
    .insertInto('org_domains')
    .values({ id: v.id, organization_id: v.orgId, domain: v.domain, token: v.token, created_by: v.createdBy })
    .onConflict((oc) => oc.columns(['organization_id', 'domain']).doNothing())
    .returning(COLUMNS.map((c) => c.slice(2) as 'id'))
    .executeTakeFirst();
}

/** Marks the domain verified now; false when another organization holds it verified (unique index). */
export async function markVerified(db: Kysely<DB>, id: string): Promise<boolean> {
  const r = await sql`
    UPDATE org_domains SET verified_at = coalesce(verified_at, now()), last_checked_at = now(),
      record_missing_since = NULL
    WHERE id = ${id}
      AND NOT EXISTS (SELECT 1 FROM org_domains o WHERE o.domain = org_domains.domain
                        AND o.id <> org_domains.id AND o.verified_at IS NOT NULL)`
    .execute(db)
    .catch((err: { code?: string }) => {
      // Another organization verified it between the check and the write: the unique index decides
      // (the transaction is lost; the caller answers DOMAIN_TAKEN and writes nothing more).
      if (err.code === '23505') return { numAffectedRows: 0n };
      throw err;
    });
  return (r.numAffectedRows ?? 0n) > 0n;
}

export function setPolicy(db: Kysely<DB>, id: string, policy: DomainPolicy, role: Role) {
  return db.updateTable('org_domains').set({ policy, role }).where('id', '=', id).execute();
}

export function deleteDomain(db: Kysely<DB>, id: string) {
  return db.deleteFrom('org_domains').where('id', '=', id).execute();
}

/** The result of a re-check: the record is there (clears a flag), or missing (flags it, once). */
export function recordChecked(db: Kysely<DB>, id: string, present: boolean) {
  return db
    .updateTable('org_domains')
    .set({
      last_checked_at: sql<Date>`now()`,
      record_missing_since: present ? null : sql<Date>`coalesce(record_missing_since, now())`,
    })
    .where('id', '=', id)
    .returning(['record_missing_since'])
    .executeTakeFirst();
}

/** Unverifies a domain whose record has been missing since before `graceMs` ago; its policy goes off. */
export function unverifyIfLongMissing(db: Kysely<DB>, id: string, graceMs: number) {
  return db
    .updateTable('org_domains')
    .set({ verified_at: null, policy: 'off', record_missing_since: null })
    .where('id', '=', id)
    .where('record_missing_since', '<', sql<Date>`now() - make_interval(secs => ${graceMs / 1000})`)
    .returning(['id'])
    .executeTakeFirst();
}

/** Verified domains due for a re-check (oldest check first). */
export function dueForRecheck(db: Kysely<DB>, olderThanMs: number, limit: number) {
  return db
    .selectFrom('org_domains as d')
    .select(COLUMNS)
    .where('d.verified_at', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('d.last_checked_at', 'is', null),
        eb('d.last_checked_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`),
      ]),
    )
    .orderBy('d.last_checked_at')
    .limit(limit)
    .execute();
}

/**
 * The verified domains in force (policy on, record not missing) at the domain of `email`, with their
 * organizations, where the person is not yet a member: what auto-join and suggestions act on.
 */
export function domainsForEmail(db: Kysely<DB>, email: string, userId: string) {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return db
    .selectFrom('org_domains as d')
    .innerJoin('organizations as o', 'o.id', 'd.organization_id')
    .select(['d.id', 'd.domain', 'd.policy', 'd.role', 'o.id as org_id', 'o.slug', 'o.name'])
    .where('d.domain', '=', domain)
    .where('d.verified_at', 'is not', null)
    .where('d.record_missing_since', 'is', null)
    .where('d.policy', '<>', 'off')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('memberships as m')
            .select('m.id')
            .whereRef('m.organization_id', '=', 'o.id')
            .where('m.user_id', '=', userId),
        ),
      ),
    )
    .orderBy('o.name')
    .execute();
}

/** People with a verified email at `domain` who are not members of the organization (for a bulk auto-join). */
export function verifiedOutsiders(db: Kysely<DB>, orgId: string, domain: string) {
  return db
    .selectFrom('users as u')
    .select(['u.id', 'u.email', 'u.name'])
    .where('u.email', 'like', `%@${domain.replace(/[\\%_]/g, (c) => `\\${c}`)}`)
    .where('u.email_verified_at', 'is not', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('memberships as m')
            .select('m.id')
            .where('m.organization_id', '=', orgId)
            .whereRef('m.user_id', '=', 'u.id'),
        ),
      ),
    )
    .orderBy('u.id')
    .execute();
}

/** Does the organization suggest itself to people at the domain of `email` (a verified domain in force)? */
export async function suggestsTo(db: Kysely<DB>, orgId: string, email: string): Promise<boolean> {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const row = await db
    .selectFrom('org_domains')
    .select('id')
    .where('organization_id', '=', orgId)
    .where('domain', '=', domain)
    .where('verified_at', 'is not', null)
    .where('record_missing_since', 'is', null)
    .where('policy', '<>', 'off')
    .executeTakeFirst();
  return row !== undefined;
}

/** The organization's verified domains whose record is not missing. */
export async function verifiedDomainsOf(db: Kysely<DB>, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('org_domains')
    .select('domain')
    .where('organization_id', '=', orgId)
    .where('verified_at', 'is not', null)
    .where('record_missing_since', 'is', null)
    .execute();
  return rows.map((r) => r.domain);
}
