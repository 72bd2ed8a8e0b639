/** The bench's settings from the environment: one reader for run.ts and startup.ts. */

/** An integer variable ≥ `min`, or `fallback` when unset; anything else stops the bench naming it. */
export function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got '${raw}'`);
  return n;
}
