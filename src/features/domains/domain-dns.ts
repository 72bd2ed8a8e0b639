/**
 * The DNS side of domain verification: the TXT record an organization publishes, and asking for it
 * through Node's resolver — the system's, or the servers `DNS_SERVERS` names (tests run one on
 * 127.0.0.1). A lookup tells a definite answer (the record is there, or the name has none) from a
 * failure to ask (a timeout, a server error), which proves nothing either way.
 */
import { Resolver } from 'node:dns/promises';

/** The name the record is published at. */
export const recordName = (domain: string) => `_roster-verification.${domain}`;
/** The record's value. */
export const recordValue = (token: string) => `roster-verification=${token}`;

export type Lookup =
  | { kind: 'found'; values: string[] }
  | { kind: 'absent'; values: string[] }
  | { kind: 'unreachable'; error: string };

/** Codes meaning "the name exists nowhere, or holds no TXT record": a definite answer. */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export type TxtLookup = (domain: string, token: string) => Promise<Lookup>;

export function createTxtLookup(servers: readonly string[]): TxtLookup {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return async (domain, token) => {
    let records: string[][];
    try {
      records = await resolver.resolveTxt(recordName(domain));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      return ABSENT.has(code) ? { kind: 'absent', values: [] } : { kind: 'unreachable', error: code };
    }
    // A TXT record may come split in several strings: they are one value.
    const values = records.map((parts) => parts.join(''));
    return values.includes(recordValue(token)) ? { kind: 'found', values } : { kind: 'absent', values };
  };
}
