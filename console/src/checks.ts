/**
 * The rules of the API's forms, checked in the browser before asking, so that every problem is said
 * at once, field by field, in words (the API reports one field at a time). The API stays the judge:
 * what passes here may still be refused, and is then shown beside its field too.
 */

/** Field name → what is wrong with it, as a sentence. */
export type Problems = Record<string, string>;

/** The API's URL-name rule (`checkSlug` in src/features/organizations). */
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What the API takes as an address: something@something.something, without spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkName(value: string, what: string, max = 100): string | undefined {
  if (value.trim() === '') return `Enter ${what}.`;
  if (value.length > max) return `Shorten it to ${max} characters or fewer (it has ${value.length}).`;
  return undefined;
}

export function checkSlug(value: string): string | undefined {
  const slug = value.trim();
  if (slug.length < 2 || slug.length > 48 || !SLUG.test(slug) || UUID.test(slug))
    return 'Use 2 to 48 lowercase letters, digits and single hyphens, for example “acme-labs”.';
  return undefined;
}

export function checkEmail(value: string): string | undefined {
  if (value.trim() === '') return 'Enter an email address.';
  if (!EMAIL.test(value.trim())) return 'This is not a valid email address, for example name@example.com.';
  return undefined;
}

/** A whole number between `min` and `max`, or (when `optional`) nothing at all. */
export function checkWholeNumber(
  value: string,
  { min, max, optional = false }: { min: number; max: number; optional?: boolean },
): string | undefined {
  const raw = value.trim();
  if (raw === '') return optional ? undefined : `Enter a whole number from ${min} to ${max}.`;
  if (!/^\d+$/.test(raw)) return `Enter a whole number${optional ? ', or leave it empty' : ''}.`;
  const n = Number(raw);
  if (n < min) return `It must be at least ${min.toLocaleString('en')}.`;
  if (n > max) return `It must be at most ${max.toLocaleString('en')}.`;
  return undefined;
}

/** A domain name as the API takes it for a join link (`normalizeDomains` in src/features/join-links). */
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/**
 * Domains typed in any shape, separated by commas, semicolons or spaces, each once: `@Example.com` as
 * `example.com`.
 */
export function parseDomains(text: string): string[] {
  const domains = text
    .split(/[\s,;]+/)
    .map((d) => d.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, ''))
    .filter(Boolean);
  return [...new Set(domains)];
}

/** Email domains for a join link: at most `max`, each a domain name (an address is pointed out). */
export function checkDomains(domains: readonly string[], max = 20): string | undefined {
  if (domains.length > max) return `Enter at most ${max} domains (there are ${domains.length}).`;
  const address = domains.find((d) => d.includes('@'));
  if (address)
    return `Enter the domain only, without the name before @: ${address.slice(address.lastIndexOf('@') + 1)}.`;
  const wrong = domains.find((d) => !DOMAIN.test(d) || d.endsWith('-'));
  if (wrong) return `“${wrong}” is not a domain name, like example.com.`;
  return undefined;
}

/** The problems found, without the fields that passed. */
export function problems(found: Record<string, string | undefined>): Problems {
  return Object.fromEntries(Object.entries(found).filter((e): e is [string, string] => e[1] !== undefined));
}
