/**
 * Secrets: random tokens stored as hashes and compared in constant time, and password hashing.
 *
 * A token is `<prefix>_<id><secret>`: the 32 hex characters of a row id (so the row is found by its
 * primary key, never by comparing secrets in SQL) followed by 43 base64url characters of a 256-bit
 * secret. The database keeps only SHA-256(secret); {@link secretMatches} compares in constant time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { uuidv7 } from './ids.ts';

/**
 * rs session · rk API key · rv email verification · ri invitation · rc app client secret · rg
 * installation grant code · ra installation access token · rr installation refresh token · rp
 * password reset · re email change · rm sign-in waiting for its second factor · rj join link.
 */
export type TokenPrefix = 'rs' | 'rk' | 'rv' | 'ri' | 'rc' | 'rg' | 'ra' | 'rr' | 'rp' | 're' | 'rm' | 'rj';

export interface IssuedToken {
  /** Row id the token points at. */
  id: string;
  /** The raw token, to be shown once. */
  token: string;
  /** What the database stores. */
  secretHash: Buffer;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function issueToken(prefix: TokenPrefix, id: string = uuidv7()): IssuedToken {
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${prefix}_${id.replaceAll('-', '')}${secret}`, secretHash: hashSecret(secret) };
}

const TOKEN_RE = /^([a-z]{2})_([0-9a-f]{32})([A-Za-z0-9_-]{43})$/;

/** Splits a token into its row id and secret, or returns null when it is not one of ours. */
export function parseToken(prefix: TokenPrefix, token: string): { id: string; secret: string } | null {
  const m = TOKEN_RE.exec(token);
  if (!m || m[1] !== prefix) return null;
  const hex = m[2] as string;
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: m[3] as string };
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const candidate = hashSecret(secret);
  return storedHash.length === candidate.length && timingSafeEqual(candidate, storedHash);
}

// scrypt with N = 2^15, r = 8, p = 1 (32 MiB per hash): memory-hard, ~60 ms here.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32 } as const;

/**
 * Password hashes run at most one per core but one at a time (at least one, at most four); the rest
 * queue. More at once would only share the same cores and leave none for answering the other
 * requests; each holds 32 MiB while it runs (four at once pushed the server's memory up by 128 MB
 * during a burst of sign-ins); and they would fill libuv's threadpool, which file and DNS work need.
 */
const HASH_SLOTS = Math.max(1, Math.min(4, availableParallelism() - 1));
let hashesRunning = 0;
const hashQueue: Array<() => void> = [];

async function inHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (hashesRunning >= HASH_SLOTS) await new Promise<void>((resolve) => hashQueue.push(resolve));
  else hashesRunning += 1;
  try {
    return await work();
  } finally {
    const next = hashQueue.shift();
    // The slot passes straight to the next in line, or is freed.
    if (next) next();
    else hashesRunning -= 1;
  }
}

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number, keylen: number) {
  return inHashSlot(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(
          password.normalize('NFKC'),
          salt,
          keylen,
          { N: n, r, p, maxmem: 256 * n * r + 1_048_576 },
          (err, key) => (err ? reject(err) : resolve(key)),
        );
      }),
  );
}

/** `scrypt$N$r$p$salt$hash`, parameters stored so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keylen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [algo, n, r, p, salt, hash] = stored.split('$');
  if (algo !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(
    password,
    Buffer.from(salt, 'base64url'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return timingSafeEqual(key, expected);
}

/** A hash of a random password, checked against when the email is unknown so sign-in time does not tell. */
let decoy: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
