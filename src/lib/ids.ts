import { randomBytes, randomFillSync } from 'node:crypto';

/** Random bytes for ids, drawn 4 KiB at a time: one call into the generator per 256 ids, not per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function random16(): Buffer {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 16;
  // Each id's 16 bytes are used once: written over below, then read into the id's text.
  return pool.subarray(poolOffset - 16, poolOffset);
}

let lastMs = 0;
let sequence = 0;

/**
 * RFC 9562 UUIDv7: time-ordered, so keyset pagination by id follows creation order. On the clock,
 * ids of one process are strictly increasing: the 12 bits after the timestamp count ids made in the
 * same millisecond (RFC 9562 §6.2, method 1), a full counter borrows the next millisecond, and a
 * clock that steps back does not reorder them. Given an explicit `at` (seeding, backfills), the id
 * carries that time with random low bits.
 */
export function uuidv7(at?: number): string {
  let ms: number;
  let seq: number;
  if (at !== undefined) {
    ms = at;
    seq = randomBytes(2).readUInt16BE(0) & 0xfff;
  } else {
    const now = Date.now();
    if (now > lastMs) {
      lastMs = now;
      sequence = 0;
    } else if (++sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    ms = lastMs;
    seq = sequence;
  }
  const b = random16();
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
