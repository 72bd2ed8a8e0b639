/**
 * Recovery codes: ten single-use codes that stand in for a lost second factor. Each is 12 characters
 * of Crockford's base32 (60 random bits), shown as `xxxx-xxxx-xxxx`, once; the database keeps only
 * SHA-256 of each. They do not depend on SECRETS_KEY, so they still open the account when the key
 * that seals the authenticator secrets was changed or lost.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../../lib/crypto.ts';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 12;

function newRecoveryCode(): string {
  let raw = '';
  for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

/** A fresh set: the codes to show once, and the hashes to store. */
export function newRecoveryCodes(): { codes: string[]; hashes: Buffer[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  return { codes, hashes: codes.map((c) => hashSecret(normalizeRecoveryCode(c) as string)) };
}

/**
 * The code as stored: lowercase, without spaces or dashes, with the letters people mistake for digits
 * read as those digits (Crockford: o → 0, i and l → 1). Null when it cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
  if (code.length !== LENGTH) return null;
  for (const c of code) if (!ALPHABET.includes(c)) return null;
  return code;
}

/**
 * The id of the stored code `input` is, among `rows` (the user's unused codes), or null. Every row is
 * compared, in constant time, whether or not one matched earlier.
 */
export function matchRecoveryCode(input: string, rows: ReadonlyArray<{ id: string; code_hash: Uint8Array }>) {
  const normalized = normalizeRecoveryCode(input);
  if (normalized === null) return null;
  const candidate = hashSecret(normalized);
  let found: string | null = null;
  for (const row of rows) {
    const same = row.code_hash.length === candidate.length && timingSafeEqual(candidate, row.code_hash);
    if (same && found === null) found = row.id;
  }
  return found;
}
