/**
 * The `roster` command's verbs: what each takes (one table, which also writes every help text),
 * how a command line is checked, and what each verb does given a database.
 *
 * A verb runs wherever the database is: in the CLI's own process, or — when a server holds the
 * embedded data folder — inside that server, handed over its admin channel (cli.ts,
 * db/data-folder.ts). Either way it goes through the same services, and so the same rules, as the
 * API, and prints the same words.
 */
import { parseArgs } from 'node:util';
import { CONFIG_DOC, type Config, ConfigError } from './config.ts';
import { type Context, createContext } from './context.ts';
import type { CommandResult } from './db/data-folder.ts';
import type { Database } from './db/database.ts';
import { migrateIfPending } from './db/migrate.ts';
import { operatorAccess } from './features/access/org-access.ts';
import { API_KEY_SCOPES, ROLE_KEY_PATTERN, ROLES, type Role } from './features/access/scopes.ts';
import { createApiKey, listApiKeys, parseScopes, revokeApiKey } from './features/api-keys/api-key.service.ts';
import { SYSTEM_ACTOR } from './features/audit/audit.repository.ts';
import { findUserByEmail } from './features/auth/auth.repository.ts';
import { INVITATION_STATUSES } from './features/invitations/invitation.schemas.ts';
import {
  createInvitation,
  type InvitationLimits,
  invitationLimits,
  listInvitations,
  revokeInvitation,
} from './features/invitations/invitation.service.ts';
import { resendInvitation } from './features/invitations/invitation-links.service.ts';
import {
  createClient,
  deleteClient,
  GRANT_TYPES,
  type GrantType,
  listClients,
} from './features/oidc/oidc.clients.ts';
import { KEY_ALGS, type KeyAlg, listSigningKeys, rotateSigningKey } from './features/oidc/oidc.keys.ts';
import { listAllOrgs, ownerEmails } from './features/organizations/organization.repository.ts';
import {
  createOrganization,
  deleteOrganization,
  slugify,
} from './features/organizations/organization.service.ts';
import { parseToken } from './lib/crypto.ts';
import { normalizeEmail } from './lib/email.ts';
import { AppError } from './lib/errors.ts';
import { createRateLimits } from './lib/rate-limit.ts';
import { VERSION } from './version.ts';

/** A mistake in how the command was called: exit code 2, like a bad configuration. */
export class UsageError extends Error {}

/** `multiple`: the option may be given several times (its values are a list). */
const OPTIONS = {
  name: { value: 'NAME', help: 'a name' },
  scopes: { value: 'S', help: `comma-separated scopes: ${API_KEY_SCOPES.join(', ')}` },
  owner: { value: 'EMAIL', help: 'the email of an existing account, made the owner' },
  slug: { value: 'SLUG', help: 'the URL name (default: from the name; a taken one gets a suffix)' },
  email: { value: 'EMAIL', help: 'the address to invite' },
  role: { value: 'ROLE', help: `${ROLES.join(', ')} or one of the organization's own (default member)` },
  message: { value: 'TEXT', help: 'a note in the email, up to 1,000 characters' },
  status: { value: 'STATUS', help: INVITATION_STATUSES.join(', ') },
  yes: { value: null, help: 'confirm' },
  'redirect-uri': {
    value: 'URI',
    help: 'where the client receives the authorization code (repeat for several)',
    multiple: true,
  },
  'post-logout-redirect-uri': {
    value: 'URI',
    help: 'where the client may send the browser after logout (repeat for several)',
    multiple: true,
  },
  public: { value: null, help: 'a browser or mobile app: no secret (PKCE is its proof)' },
  'first-party': { value: null, help: 'your own application: no consent step' },
  grant: {
    value: 'GRANT',
    help: `${GRANT_TYPES.join(' or ')} (default authorization_code, with refresh tokens; repeat for both)`,
    multiple: true,
  },
  alg: { value: 'ALG', help: `${KEY_ALGS.join(' or ')} (default ES256)` },
} as const satisfies Record<string, { value: string | null; help: string; multiple?: boolean }>;
type OptionName = keyof typeof OPTIONS;

export interface CommandSpec {
  command: 'serve' | 'migrate' | 'api-key' | 'org' | 'invite' | 'client' | 'keys';
  verb?: string;
  /** Positional arguments, in order. */
  args: string[];
  /** Options; those in `required` must be given. */
  options: OptionName[];
  required?: OptionName[];
  summary: string;
}

export const COMMANDS: CommandSpec[] = [
  { command: 'serve', args: [], options: [], summary: 'start the API (runs pending migrations first)' },
  { command: 'migrate', args: [], options: [], summary: 'apply pending database migrations' },
  {
    command: 'api-key',
    verb: 'create',
    args: [],
    options: ['name', 'scopes'],
    required: ['name', 'scopes'],
    summary: 'create an API key; prints the key once',
  },
  { command: 'api-key', verb: 'list', args: [], options: [], summary: 'list API keys (never their secrets)' },
  { command: 'api-key', verb: 'revoke', args: ['ID'], options: [], summary: 'revoke an API key' },
  {
    command: 'org',
    verb: 'create',
    args: [],
    options: ['name', 'owner', 'slug'],
    required: ['name', 'owner'],
    summary: 'create an organization owned by an existing user',
  },
  {
    command: 'org',
    verb: 'list',
    args: [],
    options: [],
    summary: 'list organizations with their active member counts',
  },
  {
    command: 'org',
    verb: 'show',
    args: ['ORG'],
    options: [],
    summary: 'one organization (id or slug): settings and owners',
  },
  {
    command: 'org',
    verb: 'delete',
    args: ['ORG'],
    options: ['yes'],
    summary: 'delete an organization and everything in it',
  },
  {
    command: 'invite',
    verb: 'create',
    args: ['ORG'],
    options: ['email', 'role', 'message'],
    required: ['email'],
    summary: 'invite an address (the running server emails it)',
  },
  {
    command: 'invite',
    verb: 'list',
    args: ['ORG'],
    options: ['status'],
    summary: "the organization's invitations, newest first",
  },
  {
    command: 'invite',
    verb: 'resend',
    args: ['ORG', 'ID'],
    options: [],
    summary: 'a new link, emailed again (the old one stops working)',
  },
  {
    command: 'invite',
    verb: 'revoke',
    args: ['ORG', 'ID'],
    options: [],
    summary: 'withdraw a pending invitation',
  },
  {
    command: 'client',
    verb: 'create',
    args: [],
    options: ['name', 'redirect-uri', 'post-logout-redirect-uri', 'public', 'first-party', 'grant'],
    required: ['name'],
    summary: 'register an OpenID Connect client; prints its secret once',
  },
  { command: 'client', verb: 'list', args: [], options: [], summary: 'list OpenID Connect clients' },
  {
    command: 'client',
    verb: 'delete',
    args: ['ID'],
    options: [],
    summary: 'remove a client; its grants and tokens stop working',
  },
  {
    command: 'keys',
    verb: 'rotate',
    args: [],
    options: ['alg'],
    summary: 'make a new token-signing key current (the old one stays published until its tokens expire)',
  },
  { command: 'keys', verb: 'list', args: [], options: [], summary: 'list the token-signing keys' },
];

const COMMAND_NAMES = [...new Set(COMMANDS.map((c) => c.command))];

/** `roster org create --name NAME --owner EMAIL [--slug SLUG]` */
export function synopsis(spec: CommandSpec): string {
  const parts = ['roster', spec.command, ...(spec.verb ? [spec.verb] : []), ...spec.args];
  for (const name of spec.options) {
    const { value } = OPTIONS[name];
    const repeat = 'multiple' in OPTIONS[name] ? ' …' : '';
    const text = value ? `--${name} ${value}${repeat}` : `--${name}`;
    parts.push(spec.required?.includes(name) ? text : `[${text}]`);
  }
  return parts.join(' ');
}

const SYNOPSIS_WIDTH = 47;

function listing(specs: CommandSpec[]): string {
  return specs
    .map((s) => {
      const line = `  ${synopsis(s)}`;
      return line.length + 2 <= SYNOPSIS_WIDTH
        ? `${line.padEnd(SYNOPSIS_WIDTH)}${s.summary}`
        : `${line}\n${' '.repeat(SYNOPSIS_WIDTH)}${s.summary}`;
    })
    .join('\n');
}

export const USAGE = `roster ${VERSION}

Usage:
${listing(COMMANDS)}
  roster <command> [<verb>] --help${' '.repeat(SYNOPSIS_WIDTH - 34)}help for one command

Scopes: ${API_KEY_SCOPES.join(', ')}
Roles: ${ROLES.join(', ')}. Invitation statuses: ${INVITATION_STATUSES.join(', ')}.
`;

const NAME_WIDTH = Math.max(...CONFIG_DOC.map(([k]) => k.length)) + 2;
export const ENV_HELP = `Configuration (environment variables):\n${CONFIG_DOC.map(([k, v]) => `  ${k.padEnd(NAME_WIDTH)}${v}`).join('\n')}\n`;

/** One line of usage for a command with verbs: `usage: roster org create … | list | show ORG | …` */
function commandUsage(command: string): string {
  const verbs = COMMANDS.filter((c) => c.command === command);
  return `usage: ${verbs.map((s, i) => (i === 0 ? synopsis(s) : synopsis(s).replace(`roster ${command} `, ''))).join(' | ')}`;
}

/** The help of one verb: its synopsis, what it does, and its options. */
function verbHelp(spec: CommandSpec): string {
  const lines = [`usage: ${synopsis(spec)}`, '', `  ${spec.summary}`];
  if (spec.options.length) {
    lines.push('', 'Options:');
    const width = Math.max(...spec.options.map((o) => `--${o} ${OPTIONS[o].value ?? ''}`.length)) + 2;
    for (const o of spec.options) {
      lines.push(`  ${`--${o} ${OPTIONS[o].value ?? ''}`.padEnd(width)}${OPTIONS[o].help}`);
    }
  }
  if (spec.command !== 'serve') {
    lines.push(
      '',
      'On an embedded data folder that a running `roster serve` holds, the command runs inside that server.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The closest of `candidates` to `word`, if it is close enough to be a slip of the fingers. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : null;
}

const didYouMean = (word: string, candidates: readonly string[], prefix = '') => {
  const match = closest(word, candidates);
  return match ? ` (did you mean ${prefix}${match}?)` : '';
};

/** Option values: strings, lists for the options that repeat, and flags booleans. */
export type Values = {
  [K in OptionName]?: (typeof OPTIONS)[K]['value'] extends null
    ? boolean
    : (typeof OPTIONS)[K] extends { multiple: true }
      ? string[]
      : string;
};

/** A checked command line: what to run, or a help text to print. */
export type Parsed =
  | { kind: 'help'; text: string }
  | { kind: 'run'; spec: CommandSpec; positionals: string[]; values: Values };

/**
 * Checks a command line against the table, without reading the configuration or the database:
 * unknown commands, verbs and options (with the nearest known one), missing arguments and options.
 */
export function parseCommand(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    return { kind: 'help', text: `${USAGE}\n${ENV_HELP}` };
  }
  if (!COMMAND_NAMES.includes(command as CommandSpec['command'])) {
    throw new UsageError(`unknown command '${command}'${didYouMean(command, COMMAND_NAMES)}\n\n${USAGE}`);
  }
  const end = rest.indexOf('--');
  const flags = end === -1 ? rest : rest.slice(0, end);
  const wantsHelp = flags.includes('--help') || flags.includes('-h');
  const verbs = COMMANDS.filter((c) => c.command === command);
  let spec: CommandSpec;
  if (verbs.length === 1 && !verbs[0]?.verb) {
    spec = verbs[0] as CommandSpec;
    if (wantsHelp) return { kind: 'help', text: `${USAGE}\n${ENV_HELP}` };
  } else {
    const verb = rest[0] !== undefined && !rest[0].startsWith('-') ? rest[0] : undefined;
    const found = verbs.find((v) => v.verb === verb);
    if (!found) {
      if (wantsHelp) return { kind: 'help', text: `${listing(verbs)}\n` };
      const names = verbs.map((v) => v.verb as string);
      const why = verb ? `unknown verb '${verb}' for roster ${command}${didYouMean(verb, names)}\n` : '';
      throw new UsageError(`${why}${commandUsage(command)}`);
    }
    spec = found;
    if (wantsHelp) return { kind: 'help', text: verbHelp(spec) };
    rest.shift();
  }
  for (const arg of end === -1 ? rest : rest.slice(0, rest.indexOf('--'))) {
    if (!arg.startsWith('-') || arg === '-') continue;
    const name = arg.replace(/^-+/, '').split('=')[0] as string;
    if (!(spec.options as string[]).includes(name)) {
      const known = spec.options.length ? didYouMean(name, spec.options, '--') : '';
      const where = `roster ${command}${spec.verb ? ` ${spec.verb}` : ''}`;
      throw new UsageError(
        `unknown option ${arg.split('=')[0]}${known || ` for ${where}`}\n${`usage: ${synopsis(spec)}`}`,
      );
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        spec.options.map((o) => [
          o,
          { type: OPTIONS[o].value === null ? 'boolean' : 'string', multiple: 'multiple' in OPTIONS[o] },
        ]),
      ) as Record<string, { type: 'string' | 'boolean'; multiple: boolean }>,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const option = /'(--[a-z-]+)/.exec(message)?.[1];
    throw new UsageError(
      option && /argument missing/.test(message)
        ? `${option} needs a value\nusage: ${synopsis(spec)}`
        : `${message}\nusage: ${synopsis(spec)}`,
    );
  }
  const values = parsed.values as Values;
  for (const name of spec.required ?? []) {
    const value = values[name];
    if (typeof value !== 'string' || !value.trim()) {
      throw new UsageError(
        name === 'owner' ? '--owner EMAIL is required (an existing account)' : `--${name} is required`,
      );
    }
  }
  const positionals = parsed.positionals;
  if (positionals.length < spec.args.length) {
    throw new UsageError(`${spec.args[positionals.length]} is missing\nusage: ${synopsis(spec)}`);
  }
  if (positionals.length > spec.args.length) {
    throw new UsageError(`unexpected argument '${positionals[spec.args.length]}'\nusage: ${synopsis(spec)}`);
  }
  return { kind: 'run', spec, positionals, values };
}

/** Where a verb runs: the database, the configuration of the process that holds it, and its context. */
export interface CommandHost {
  config: Config;
  db: Database;
  ctx: Context;
  /** `server`: inside a running server (emails leave at once); `cli`: in the CLI's own process. */
  kind: 'server' | 'cli';
}

export function cliHost(config: Config, db: Database): CommandHost {
  return { config, db, ctx: createContext(db, config, () => {}), kind: 'cli' };
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Runs a checked command on a host; returns the exit code. Rule violations throw AppError. */
async function runVerb(parsed: Extract<Parsed, { kind: 'run' }>, host: CommandHost, io: Io): Promise<number> {
  const { spec, positionals, values } = parsed;
  const { db, ctx } = host;
  switch (`${spec.command} ${spec.verb ?? ''}`.trim()) {
    case 'migrate': {
      const applied = await migrateIfPending(db);
      io.out(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      return 0;
    }
    case 'api-key create': {
      const scopes = parseScopes(values.scopes as string);
      const key = await createApiKey(db, values.name as string, scopes);
      io.out(
        `id:     ${key.id}\nname:   ${key.name}\nscopes: ${key.scopes.join(',')}\nkey:    ${key.token}\n`,
      );
      io.err('Store the key now: Roster keeps only its hash and cannot show it again.\n');
      return 0;
    }
    case 'api-key list': {
      const keys = await listApiKeys(db);
      if (keys.length === 0) io.out('no API keys\n');
      for (const k of keys) {
        const status = k.revoked_at ? 'revoked' : 'active';
        io.out(`${k.id}  ${k.name}  ${k.scopes.join(',')}  ${status}  ${k.created_at.toISOString()}\n`);
      }
      return 0;
    }
    case 'api-key revoke': {
      const arg = positionals[0] as string;
      // The key itself is accepted too: its first part is the id.
      const id = parseToken('rk', arg)?.id ?? arg;
      if (!UUID.test(id))
        throw new UsageError(`'${arg}' is not an API key id (a UUID, as 'api-key list' shows)`);
      const ok = await revokeApiKey(db, id);
      io.out(ok ? `revoked ${id}\n` : `no active key ${id}\n`);
      return ok ? 0 : 1;
    }
    case 'org create': {
      const owner = await findUserByEmail(db, normalizeEmail(values.owner as string));
      if (!owner) throw new UsageError(`no account with the email '${values.owner}'`);
      const name = values.name as string;
      const org = await createOrganization(ctx, owner.id, { name, slug: values.slug }, SYSTEM_ACTOR);
      io.out(`id:    ${org.id}\nslug:  ${org.slug}\nname:  ${org.name}\nowner: ${owner.email}\n`);
      const wanted = slugify(name.trim());
      if (values.slug === undefined && org.slug !== wanted) {
        io.err(`The URL name '${wanted}' was taken, so this organization is '${org.slug}'.\n`);
      }
      return 0;
    }
    case 'org list': {
      const orgs = await listAllOrgs(db);
      if (orgs.length === 0) io.out('no organizations\n');
      for (const o of orgs) {
        io.out(`${o.id}  ${o.slug}  ${o.name}  ${o.active_members} members  ${o.created_at.toISOString()}\n`);
      }
      return 0;
    }
    case 'org show': {
      const { org: o } = await operatorAccess(ctx, positionals[0] as string);
      const owners = await ownerEmails(db, o.id);
      const lines = [
        `id:                  ${o.id}`,
        `slug:                ${o.slug}`,
        `name:                ${o.name}`,
        `owners:              ${owners.join(', ')}`,
        `member limit:        ${o.member_limit ?? 'none'}`,
        `join requests:       ${o.join_requests_enabled ? 'on' : 'off'}`,
        `SSO enforced:        ${o.sso_enforced ? 'yes' : 'no'}`,
        `invite expiry days:  ${o.invite_expiry_days}`,
        `created:             ${o.created_at.toISOString()}`,
      ];
      io.out(`${lines.join('\n')}\n`);
      return 0;
    }
    case 'org delete': {
      const access = await operatorAccess(ctx, positionals[0] as string);
      if (!values.yes) {
        io.err(`This deletes '${access.org.slug}' and all its members and invitations. Repeat with --yes.\n`);
        return 2;
      }
      await deleteOrganization(ctx, access);
      io.out(`deleted ${access.org.slug} (${access.org.id})\n`);
      return 0;
    }
    case 'client create':
    case 'client list':
    case 'client delete':
    case 'keys rotate':
    case 'keys list':
      return oidcVerb(parsed, host, io);
    default:
      return inviteVerb(parsed, host, io);
  }
}

/**
 * `roster client …` and `roster keys …`: the OpenID Connect provider's clients and signing keys
 * (features/oidc). A rotation is used by every running instance within the time it takes them to
 * re-read the keys (10 seconds).
 */
async function oidcVerb(
  parsed: Extract<Parsed, { kind: 'run' }>,
  host: CommandHost,
  io: Io,
): Promise<number> {
  const { spec, positionals, values } = parsed;
  const { db, config } = host;
  switch (`${spec.command} ${spec.verb}`) {
    case 'client create': {
      const grants = values.grant ?? [];
      for (const g of grants) {
        if (!(GRANT_TYPES as readonly string[]).includes(g)) {
          throw new UsageError(`--grant must be ${GRANT_TYPES.join(' or ')}${didYouMean(g, GRANT_TYPES)}`);
        }
      }
      const client = await createClient(db, {
        name: values.name as string,
        redirectUris: values['redirect-uri'],
        postLogoutRedirectUris: values['post-logout-redirect-uri'],
        public: values.public === true,
        firstParty: values['first-party'] === true,
        grantTypes: grants as GrantType[],
      });
      const lines = [
        `client_id:     ${client.id}`,
        `name:          ${client.name}`,
        `type:          ${client.public ? 'public (no secret; PKCE)' : 'confidential'}${client.firstParty ? ', first-party (no consent step)' : ''}`,
        `grants:        ${client.grantTypes.join(', ')}`,
        ...client.redirectUris.map((u) => `redirect_uri:  ${u}`),
        ...client.postLogoutRedirectUris.map((u) => `logout_uri:    ${u}`),
        `issuer:        ${config.publicUrl}`,
      ];
      if (client.clientSecret) lines.push(`client_secret: ${client.clientSecret}`);
      io.out(`${lines.join('\n')}\n`);
      if (client.clientSecret) {
        io.err('Store the client secret now: Roster keeps only its hash and cannot show it again.\n');
      }
      return 0;
    }
    case 'client list': {
      const clients = await listClients(db);
      if (clients.length === 0) io.out('no clients\n');
      for (const c of clients) {
        const kind = `${c.public ? 'public' : 'confidential'}${c.firstParty ? ',first-party' : ''}`;
        io.out(`${c.id}  ${c.name}  ${kind}  ${c.grantTypes.join(',')}  ${c.redirectUris.join(' ')}\n`);
      }
      return 0;
    }
    case 'client delete': {
      const id = positionals[0] as string;
      if (!UUID.test(id)) throw new UsageError(`'${id}' is not a client id (a UUID, as 'client list' shows)`);
      await deleteClient(db, id.toLowerCase());
      io.out(`deleted ${id}\n`);
      return 0;
    }
    case 'keys rotate': {
      const alg = (values.alg ?? 'ES256').toUpperCase();
      if (!(KEY_ALGS as readonly string[]).includes(alg))
        throw new UsageError(`--alg must be ${KEY_ALGS.join(' or ')}`);
      const rotated = await rotateSigningKey(db, config, alg as KeyAlg);
      io.out(`current: ${rotated.kid} (${rotated.alg})\n`);
      if (rotated.retired) {
        io.out(
          `retired: ${rotated.retired.kid}, published until ${rotated.retired.dropAfter.toISOString()}\n`,
        );
      }
      io.err('Running instances sign with the new key within 10 seconds.\n');
      return 0;
    }
    default: {
      const keys = await listSigningKeys(db);
      if (keys.length === 0) io.out('no keys yet (the first start of the server creates one)\n');
      for (const k of keys) {
        const state = k.retired_at ? `retired, published until ${k.drop_after?.toISOString()}` : 'current';
        io.out(`${k.kid}  ${k.alg}  ${state}  created ${k.created_at.toISOString()}\n`);
      }
      return 0;
    }
  }
}

/**
 * `roster invite …`: the operator invites as the system, through the same service as the API, so the
 * same rules hold (one pending invitation per address, seats, members). The operator is not rate
 * limited. The email is written to the outbox, which the running server delivers.
 */
async function inviteVerb(
  parsed: Extract<Parsed, { kind: 'run' }>,
  host: CommandHost,
  io: Io,
): Promise<number> {
  const { spec, positionals, values } = parsed;
  const [ref, id] = positionals as [string, string | undefined];
  const role = (values.role ?? 'member') as Role;
  if (!new RegExp(ROLE_KEY_PATTERN).test(role)) {
    throw new UsageError(
      `--role must be one of ${ROLES.join(', ')} or a key of the organization's own roles`,
    );
  }
  const status = values.status as (typeof INVITATION_STATUSES)[number] | undefined;
  if (status !== undefined && !INVITATION_STATUSES.includes(status)) {
    throw new UsageError(`--status must be one of ${INVITATION_STATUSES.join(', ')}`);
  }
  if (id !== undefined && !UUID.test(id)) {
    throw new UsageError(`'${id}' is not an invitation id (a UUID, as 'invite list' shows)`);
  }
  const { ctx } = host;
  const access = await operatorAccess(ctx, ref);
  const unlimited: InvitationLimits = invitationLimits(createRateLimits({ db: host.db }), {
    inviteLimitPerOrg: 0,
    inviteLimitPerInviter: 0,
    inviteLimitWindowSeconds: 1,
  });
  if (spec.verb === 'list') {
    let cursor: string | undefined;
    let shown = 0;
    do {
      const page = await listInvitations(ctx, access, { limit: 100, cursor, status });
      for (const i of page.data) {
        io.out(`${i.id}  ${i.email}  ${i.role}  ${i.status}  expires ${i.expiresAt?.toISOString() ?? '—'}\n`);
      }
      shown += page.data.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (shown === 0) io.out('no invitations\n');
    return 0;
  }
  if (spec.verb === 'revoke') {
    const invitation = await revokeInvitation(ctx, access, id as string);
    io.out(`revoked ${invitation.id} (${invitation.email})\n`);
    return 0;
  }
  const { invitation, acceptUrl } =
    spec.verb === 'create'
      ? await createInvitation(ctx, unlimited, access, {
          email: values.email as string,
          role,
          message: values.message,
        })
      : await resendInvitation(ctx, unlimited, access, id as string);
  io.out(
    `id:      ${invitation.id}\nemail:   ${invitation.email}\nrole:    ${invitation.role}\nexpires: ${invitation.expiresAt?.toISOString() ?? '—'}\nlink:    ${acceptUrl}\n`,
  );
  io.err(
    host.kind === 'server'
      ? 'The running server is sending the email; the link works too.\n'
      : 'The email leaves with the next outbox poll of a running Roster; the link works until then too.\n',
  );
  return 0;
}

/**
 * Runs a command line on a host and returns its exit code and what it printed: 0 done, 1 done with
 * nothing to do (e.g. no such key), 2 refused (usage, configuration, or a rule of the API, printed
 * with its stable code). Anything else is a bug, and rethrown.
 */
export async function execute(argv: string[], host: CommandHost): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  };
  try {
    const parsed = parseCommand(argv);
    if (parsed.kind === 'help') return { code: 0, stdout: parsed.text, stderr: '' };
    if (parsed.spec.command === 'serve') throw new UsageError('roster serve cannot run inside a server');
    const code = await runVerb(parsed, host, io);
    return { code, stdout, stderr };
  } catch (e) {
    const line = refusal(e);
    if (line === null) throw e;
    return { code: 2, stdout, stderr: `${stderr}${line}` };
  }
}

/** The one-line refusal for an error a person caused; null for anything else. */
export function refusal(e: unknown): string | null {
  // The API's rule said no: its message, and the stable code a script can match.
  if (e instanceof AppError) return `error: ${e.message} (${e.code})\n`;
  if (e instanceof ConfigError || e instanceof UsageError) return `error: ${e.message}\n`;
  return null;
}
