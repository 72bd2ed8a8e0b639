/**
 * Secrets Roster must read back, at rest: a webhook signing secret (shared with the receiver, used at
 * every delivery), an authenticator app's TOTP secret (needed to check each code). They cannot be kept
 * as one-way hashes the way credentials Roster only verifies are. With SECRETS_KEY set, a secret is
 * sealed with AES-256-GCM (`gcm1:` + base64 of iv ‖ tag ‖ ciphertext): a copy of the database alone
 * does not yield it. Without the key it is stored as it is (`plain:`), which suits a trial; rows sealed
 * earlier stay readable while the key is set.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A sealed secret that cannot be opened with the key at hand (none, or another one). */
export class SealedSecretError extends Error {}

export function seal(secret: string, key: Buffer | null): string {
  if (!key) return `plain:${secret}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `gcm1:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
}

export function unseal(sealed: string, key: Buffer | null): string {
  if (sealed.startsWith('plain:')) return sealed.slice('plain:'.length);
  if (!sealed.startsWith('gcm1:')) throw new SealedSecretError('unknown sealed secret format');
  if (!key) throw new SealedSecretError('the secret is encrypted and SECRETS_KEY is not set');
  const raw = Buffer.from(sealed.slice('gcm1:'.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new SealedSecretError('the secret does not open with SECRETS_KEY (was the key changed?)');
  }
}
