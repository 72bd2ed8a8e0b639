import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './crypto.ts';

describe('password hashing under a burst', () => {
  it('more hashes than cores at once all finish, each verifying its own password and no other', async () => {
    const count = availableParallelism() * 3 + 1;
    const passwords = Array.from({ length: count }, (_, i) => `password number ${i}`);
    const hashes = await Promise.all(passwords.map(hashPassword));
    expect(new Set(hashes).size).toBe(count);
    const checks = await Promise.all(
      hashes.flatMap((h, i) => [
        verifyPassword(passwords[i] as string, h),
        verifyPassword(`${passwords[i]}!`, h),
      ]),
    );
    expect(checks).toEqual(hashes.flatMap(() => [true, false]));
  });
});
