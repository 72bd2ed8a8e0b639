/**
 * Keys of the install, one per purpose, derived with HKDF-SHA256 from one root: SECRETS_KEY when it
 * is set, else a random 32-byte secret that the first instance to need it stores in the database
 * (`install_secrets`), so every instance derives the same keys with no configuration. A derived key
 * serves its purpose only: SECRETS_KEY itself goes on sealing webhook secrets, and learning one derived
 * key tells nothing of the others. Changing SECRETS_KEY changes every derived key.
 *
 * @example
 *   const key = await installKey(ctx.db, ctx.config, 'sign-in-counters');
 *   createHmac('sha256', key).update(email).digest('base64url');
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';

const ROOT_NAME = 'install';

/** The stored root secret, created on first use (concurrent first uses agree on one). */
async function storedRoot(db: Database): Promise<Buffer> {
  await db
    .insertInto('install_secrets')
    .values({ name: ROOT_NAME, secret: randomBytes(32) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('install_secrets')
    .select('secret')
    .where('name', '=', ROOT_NAME)
    .executeTakeFirstOrThrow();
  return Buffer.from(row.secret);
}

/** The key for `purpose` (letters, digits and `-`): 32 bytes, the same on every instance. */
export async function installKey(
  db: Database,
  config: Pick<Config, 'secretsKey'>,
  purpose: string,
): Promise<Buffer> {
  if (!/^[a-z0-9-]+$/.test(purpose)) throw new Error(`invalid key purpose '${purpose}'`);
  const root = config.secretsKey ?? (await storedRoot(db));
  return Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `roster:${purpose}`, 32));
}
