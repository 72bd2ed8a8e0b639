/**
 * The storage of the OpenID Connect engine (oidc-provider's Adapter interface) on Roster's database,
 * PGlite or PostgreSQL alike, so every instance shares codes, tokens, grants, sessions and interactions.
 *
 * One table, `oidc_payloads`, keyed by (kind, id): the engine's payload as jsonb, and beside it what the
 * engine looks artifacts up by — the grant (to revoke every token of a grant at once), the session uid,
 * the device user code — and when the row expires. A consumed artifact (a redeemed authorization code,
 * a rotated refresh token) keeps its row with `consumed_at` until it expires, so that a second use is
 * recognised as a replay. `sweepExpired` deletes rows past their expiry.
 *
 * Clients are the exception: the operator registers them (oidc.clients.ts) and the engine reads them
 * here, from `oidc_clients`.
 */
import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../../db/database.ts';
import { clientMetadata } from './oidc.clients.ts';

/** One adapter per kind of artifact ('AuthorizationCode', 'RefreshToken', 'Session', …). */
export class PayloadAdapter implements Adapter {
  constructor(
    private readonly db: Database,
    private readonly kind: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
    const row = {
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      user_code: payload.userCode ?? null,
      uid: payload.uid ?? null,
      expires_at: expiresAt,
    };
    await this.db
      .insertInto('oidc_payloads')
      .values({ kind: this.kind, id, ...row })
      .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(row))
      .execute();
  }

  private async findWhere(column: 'id' | 'uid' | 'user_code', value: string) {
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at'])
      .where('kind', '=', this.kind)
      .where(column, '=', value)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .executeTakeFirst();
    if (!row) return undefined;
    const payload = row.payload as AdapterPayload;
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }

  find(id: string) {
    return this.findWhere('id', id);
  }

  findByUid(uid: string) {
    return this.findWhere('uid', uid);
  }

  findByUserCode(userCode: string) {
    return this.findWhere('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.db
      .updateTable('oidc_payloads')
      .set({ consumed_at: new Date() })
      .where('kind', '=', this.kind)
      .where('id', '=', id)
      .execute();
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('kind', '=', this.kind).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db
      .deleteFrom('oidc_payloads')
      .where('kind', '=', this.kind)
      .where('grant_id', '=', grantId)
      .execute();
  }
}

/** The operator's clients, read-only to the engine. */
export class ClientAdapter implements Adapter {
  constructor(private readonly db: Database) {}

  async find(id: string) {
    const row = await this.db.selectFrom('oidc_clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? clientMetadata(row) : undefined;
  }

  // Clients change only through oidc.clients.ts (the CLI and the API); the engine never writes them.
  async upsert(): Promise<void> {
    throw new Error('clients are registered with `roster client create` or POST /v1/oidc/clients');
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/** The adapter factory the engine is configured with. */
export function adapterFactory(db: Database) {
  return (kind: string): Adapter =>
    kind === 'Client' ? new ClientAdapter(db) : new PayloadAdapter(db, kind);
}

/** The id of the newest live grant `accountId` gave `clientId` (consent remembered across sessions). */
export async function latestGrant(db: Database, accountId: string, clientId: string): Promise<string | null> {
  const row = await db
    .selectFrom('oidc_payloads')
    .select('id')
    .where('kind', '=', 'Grant')
    .where(sql<string>`payload->>'accountId'`, '=', accountId)
    .where(sql<string>`payload->>'clientId'`, '=', clientId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
    .orderBy('expires_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Deletes artifacts past their expiry; returns how many. Several instances may run it at once. */
export async function sweepExpired(db: Database): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('expires_at', '<', new Date()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
