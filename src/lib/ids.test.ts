import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from './ids.ts';

describe('uuidv7', () => {
  it('is a version-7, variant-1 UUID carrying the timestamp', () => {
    const id = uuidv7(0x0123456789ab);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('strictly increases within one millisecond, so join order survives a burst of inserts', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries an explicit time when given one', () => {
    expect(uuidv7(0x0123456789ab).replaceAll('-', '').slice(0, 12)).toBe('0123456789ab');
    expect(uuidv7(1000) < uuidv7(1001)).toBe(true);
  });
});
