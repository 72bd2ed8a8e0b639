/** API keys for the host application: created by the operator (CLI), stored hashed, scoped. */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { issueToken, parseToken, secretMatches } from '../../lib/crypto.ts';
import { invalidField } from '../../lib/errors.ts';
import { API_KEY_SCOPES, isApiKeyScope, type Scope } from '../access/scopes.ts';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import type { ApiKeyPrincipal } from '../auth/principal.ts';

/**
 * The scopes of a new key: organization scopes and the operator's (`clients:admin`, see scopes.ts).
 * The column is typed with the organization scopes, which is what every organization route reads; an
 * operator scope in it is only ever looked for by name (`keyHasOperatorScope`).
 */
export function parseScopes(raw: string): Scope[] {
  const scopes = [...new Set(raw.split(/[\s,]+/).filter(Boolean))];
  if (scopes.length === 0) throw invalidField('scopes', `name at least one of ${API_KEY_SCOPES.join(', ')}`);
  for (const s of scopes)
    if (!isApiKeyScope(s)) throw invalidField('scopes', `'${s}' is not one of ${API_KEY_SCOPES.join(', ')}`);
  return scopes as Scope[];
}

export async function createApiKey(db: Kysely<DB>, name: string, scopes: Scope[]) {
  if (!name.trim()) throw invalidField('name', 'is required');
  const t = issueToken('rk');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('api_keys')
      .values({ id: t.id, name: name.trim(), scopes, secret_hash: t.secretHash })
      .returning(['id', 'name', 'scopes', 'created_at'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, SYSTEM_ACTOR, {
      organizationId: null,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: t.id,
      data: { name: row.name, scopes },
    });
    return { ...row, token: t.token };
  });
}

export function listApiKeys(db: Kysely<DB>) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scopes', 'created_at', 'revoked_at'])
    .orderBy('id')
    .execute();
}

export async function revokeApiKey(db: Kysely<DB>, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('api_keys')
      .set({ revoked_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (row) {
      await recordAudit(trx, SYSTEM_ACTOR, {
        organizationId: null,
        action: 'api_key.revoked',
        targetType: 'api_key',
        targetId: id,
      });
    }
    return row !== undefined;
  });
}

export async function resolveApiKey(db: Kysely<DB>, token: string): Promise<ApiKeyPrincipal | null> {
  const parsed = parseToken('rk', token);
  if (!parsed) return null;
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scopes', 'secret_hash'])
    .where('id', '=', parsed.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) return null;
  return { kind: 'api_key', keyId: row.id, name: row.name, scopes: row.scopes };
}
