/**
 * The one place that reads the environment. Everything else receives a `Config`.
 * `roster serve --help` prints {@link CONFIG_DOC}.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { INSTALL_ROOT } from './version.ts';

export interface Config {
  /** TCP port. @default 3000 */
  port: number;
  /** Interface to bind. @default '0.0.0.0' */
  host: string;
  /** Folder of the embedded PostgreSQL (PGlite), used when `databaseUrl` is unset. @default './data' */
  dataDir: string;
  /** `postgres://…` of a PostgreSQL server; when set, PGlite is not used. `memory://` keeps PGlite in memory. */
  databaseUrl: string | null;
  /** Base of the links written into emails. @default 'http://localhost:<port>' */
  publicUrl: string;
  /** `smtp://user:pass@host:port` or `smtps://…`; when unset, emails are written to the log. */
  smtpUrl: string | null;
  /** Sender of every email. @default 'Roster <roster@localhost>' */
  mailFrom: string;
  /** `redis://…`, shared state for rate limits across instances. */
  redisUrl: string | null;
  /** Trust `X-Forwarded-For` from a proxy: `false`, `true`, a hop count or a comma-separated list of addresses. @default false */
  trustProxy: boolean | number | string;
  /** pino level. @default 'info' */
  logLevel: string;
  /** Run the outbox worker in this process. @default true */
  outboxWorker: boolean;
  /** How often the outbox worker polls, in milliseconds. @default 1000 */
  outboxPollMs: number;
  /** Session lifetime in days. @default 30 */
  sessionTtlDays: number;
  /** Mark the session cookie `Secure` (HTTPS only). @default true when PUBLIC_URL is https */
  cookieSecure: boolean;
  /** Bearer token required to read `/metrics`; unset = open. */
  metricsToken: string | null;
  /** Largest accepted request body, in bytes. @default 1048576 */
  bodyLimit: number;
  /**
   * On SIGTERM, how long `/readyz` answers 503 while requests are still served, before the listener
   * closes: long enough for a load balancer to take the instance out of rotation. @default 0
   * @example 10000
   */
  shutdownDrainMs: number;
  /**
   * Folder of the built web console, served at `/` by the same process; null serves the API only.
   * @default '<install folder>/console/dist' (written by `npm run build`)
   */
  consoleDir: string | null;
  /**
   * Invitations an organization may send per window: each created, approved or resent invitation and
   * each invite request counts one; 0 = no limit. @default 50
   */
  inviteLimitPerOrg: number;
  /**
   * Invitations one person may send per window, across all organizations (API keys are held to the
   * per-organization limit only); 0 = no limit. @default 100
   */
  inviteLimitPerInviter: number;
  /** Length of the invitation rate-limit window, in seconds. @default 86400 */
  inviteLimitWindowSeconds: number;
  /** How often expired invitations are marked `expired`, in milliseconds; 0 = never in this process. @default 60000 */
  invitationSweepMs: number;
  /** How often memberships past their expiry are removed and reminders of ending access sent (0: never here). */
  membershipSweepMs: number;
  /**
   * The DNS servers domain verification asks (`host` or `host:port`), in order; empty = the system's
   * resolver (/etc/resolv.conf). @default []
   */
  dnsServers: string[];
  /** How often verified domains' TXT records are checked again, in milliseconds; 0 = never here. @default 3600000 */
  domainRecheckMs: number;
  /** Anonymous requests to join one client IP may make per window; 0 = no limit. @default 5 */
  joinRequestLimitPerIp: number;
  /** Length of that window, in seconds. @default 60 */
  joinRequestLimitWindowSeconds: number;
  /**
   * Failed sign-ins allowed per email address from one client IP per window, whether or not an account
   * has the address: the tight limit on one attacker guessing one account. Past it, sign-in with that
   * address from that IP answers 429 without checking the password; the owner signing in from another
   * IP is not affected. A success clears the count; 0 = no limit. @default 10
   */
  signInLimitPerEmailIp: number;
  /**
   * Failed sign-ins allowed per email address from all client IPs together per window: a higher bar,
   * against guessing spread over many IPs; past it, 429 from every IP. A success clears the count;
   * 0 = no limit. @default 100
   */
  signInLimitPerEmail: number;
  /** Failed sign-ins allowed per client IP per window, over all addresses; 0 = no limit. @default 100 */
  signInLimitPerIp: number;
  /** Length of the sign-in rate-limit window, in seconds. @default 900 */
  signInLimitWindowSeconds: number;
  /**
   * Password-reset links one account may be sent per window (counted from the links themselves);
   * further requests still answer the same 202 and send nothing. 0 = no limit. @default 5
   */
  passwordResetLimitPerEmail: number;
  /** Password-reset requests per client IP per window; past it, 429. 0 = no limit. @default 20 */
  passwordResetLimitPerIp: number;
  /** Length of the password-reset rate-limit window, in seconds. @default 3600 */
  passwordResetLimitWindowSeconds: number;
  /**
   * Let webhook URLs reach loopback, link-local, private and other non-public addresses. Off, Roster
   * refuses them when a URL is registered and again at each delivery (a name may resolve elsewhere
   * later). Turn on only where every receiver is trusted, e.g. a closed network or tests. @default false
   */
  webhookAllowPrivate: boolean;
  /** How long one webhook delivery may take (connect, send, response headers), in ms. @default 10000 */
  webhookTimeoutMs: number;
  /**
   * 32-byte key (base64 or 64 hex characters) encrypting webhook signing secrets at rest with
   * AES-256-GCM. Unset, they are stored as they are. Also the root from which the install's own keys
   * are derived (lib/install-keys.ts); unset, a random root stored in the database stands in.
   * @example 'openssl rand -base64 32'
   */
  secretsKey: Buffer | null;
  /** Also write every analytics event to the log (after its change commits). @default false */
  analyticsLog: boolean;
  /**
   * Lifetime of an OpenID Connect access token, in seconds: the most a host that verifies tokens
   * itself may act on a role that has since changed. @default 300
   */
  oidcAccessTokenTtlSeconds: number;
  /** Lifetime of an OpenID Connect refresh token (each refresh replaces it), in seconds. @default 1209600 */
  oidcRefreshTokenTtlSeconds: number;
  /**
   * How often expired OpenID Connect records (codes, tokens, sessions, interactions) and retired signing
   * keys past the expiry of their last token are deleted, in milliseconds; 0 = not in this process.
   * @default 60000
   */
  oidcSweepMs: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

/** Documentation of every variable, printed by `roster serve --help` and mirrored in the README. */
export const CONFIG_DOC: ReadonlyArray<readonly [name: string, description: string]> = [
  ['PORT', 'TCP port to listen on (default 3000)'],
  ['HOST', 'interface to bind (default 0.0.0.0)'],
  ['ROSTER_DATA_DIR', 'embedded PostgreSQL (PGlite) folder, used without DATABASE_URL (default ./data)'],
  ['DATABASE_URL', 'postgres://user:pass@host:5432/db to use a PostgreSQL server instead of PGlite'],
  ['PUBLIC_URL', 'base URL of links in emails (default http://localhost:$PORT)'],
  ['SMTP_URL', 'smtp://user:pass@host:port or smtps://…; unset = emails are written to the log'],
  ['MAIL_FROM', 'sender address (default "Roster <roster@localhost>")'],
  ['REDIS_URL', 'redis://host:6379 for rate limits shared by several instances'],
  ['TRUST_PROXY', 'trust X-Forwarded-For: false (default), true, a hop count or a list of proxy addresses'],
  ['LOG_LEVEL', 'fatal|error|warn|info|debug|trace (default info)'],
  ['OUTBOX_WORKER', 'true|false: deliver emails from this process (default true)'],
  ['OUTBOX_POLL_MS', 'outbox polling interval in ms (default 1000)'],
  ['SESSION_TTL_DAYS', 'session lifetime in days (default 30)'],
  ['COOKIE_SECURE', 'true|false: Secure session cookie (default: true when PUBLIC_URL is https)'],
  ['METRICS_TOKEN', 'bearer token required by /metrics (default: open)'],
  ['BODY_LIMIT', 'largest request body in bytes (default 1048576)'],
  ['SHUTDOWN_DRAIN_MS', 'on SIGTERM, ms during which /readyz fails before the listener closes (default 0)'],
  [
    'CONSOLE_DIR',
    'folder of the built web console served at / (default: console/dist of the install); off = API only',
  ],
  ['INVITE_LIMIT_PER_ORG', 'invitations an organization may send per window; 0 = no limit (default 50)'],
  [
    'INVITE_LIMIT_PER_INVITER',
    'invitations one person may send per window, all organizations; 0 = no limit (default 100)',
  ],
  ['INVITE_LIMIT_WINDOW_SECONDS', 'length of the invitation rate-limit window in seconds (default 86400)'],
  [
    'INVITATION_SWEEP_MS',
    'how often expired invitations are marked expired, in ms; 0 = not in this process (default 60000)',
  ],
  [
    'MEMBERSHIP_SWEEP_MS',
    'how often memberships past their expiry are removed and people whose access ends within a week are emailed, in ms; 0 = not in this process (default 60000)',
  ],
  [
    'DNS_SERVERS',
    'comma list of DNS servers (host or host:port) domain verification asks; default: the system resolver',
  ],
  [
    'DOMAIN_RECHECK_MS',
    "how often verified domains' TXT records are checked again, in ms; 0 = not in this process (default 3600000)",
  ],
  [
    'JOIN_REQUEST_LIMIT_PER_IP',
    'anonymous requests to join per client IP per window; 0 = no limit (default 5; see TRUST_PROXY)',
  ],
  ['JOIN_REQUEST_LIMIT_WINDOW_SECONDS', 'length of that window in seconds (default 60)'],
  [
    'SIGN_IN_LIMIT_PER_EMAIL_IP',
    'failed sign-ins per email address from one client IP per window, then 429 there; 0 = no limit (default 10)',
  ],
  [
    'SIGN_IN_LIMIT_PER_EMAIL',
    'failed sign-ins per email address from all IPs per window, then 429; 0 = no limit (default 100)',
  ],
  [
    'SIGN_IN_LIMIT_PER_IP',
    'failed sign-ins per client IP per window, all addresses; 0 = no limit (default 100; see TRUST_PROXY)',
  ],
  ['SIGN_IN_LIMIT_WINDOW_SECONDS', 'length of the sign-in rate-limit window in seconds (default 900)'],
  [
    'PASSWORD_RESET_LIMIT_PER_EMAIL',
    'password-reset links one account may be sent per window (more requests still answer 202); 0 = no limit (default 5)',
  ],
  [
    'PASSWORD_RESET_LIMIT_PER_IP',
    'password-reset requests per client IP per window, then 429; 0 = no limit (default 20)',
  ],
  ['PASSWORD_RESET_LIMIT_WINDOW_SECONDS', 'length of the password-reset window in seconds (default 3600)'],
  [
    'WEBHOOK_ALLOW_PRIVATE',
    'true|false: let webhook URLs reach loopback/private/link-local addresses (default false)',
  ],
  ['WEBHOOK_TIMEOUT_MS', 'time limit of one webhook delivery in ms (default 10000)'],
  [
    'SECRETS_KEY',
    "32-byte key, base64 or hex, encrypting webhook signing secrets at rest (default: unset, stored as is); also roots the sign-in counters' key",
  ],
  ['ANALYTICS_LOG', 'true|false: also write analytics events to the log (default false)'],
  [
    'OIDC_ACCESS_TOKEN_TTL_SECONDS',
    'lifetime of OpenID Connect access tokens in seconds: the staleness bound of a role in a token (default 300)',
  ],
  [
    'OIDC_REFRESH_TOKEN_TTL_SECONDS',
    'lifetime of OpenID Connect refresh tokens in seconds, renewed at each refresh (default 1209600, 14 days)',
  ],
  [
    'OIDC_SWEEP_MS',
    'how often expired OpenID Connect codes, tokens and sessions are deleted, in ms; 0 = not in this process (default 60000)',
  ],
];

/** Where `npm run build` writes the web console. */
export const DEFAULT_CONSOLE_DIR = path.join(INSTALL_ROOT, 'console/dist');

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  }
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${env[name]}'`);
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function key32(env: Env, name: string): Buffer | null {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return null;
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw)
    ? Buffer.from(raw, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)
      ? Buffer.from(raw, 'base64')
      : Buffer.alloc(0);
  if (bytes.length !== 32) throw new ConfigError(`${name} must be 32 bytes, as base64 or 64 hex characters`);
  return bytes;
}

/** Names proxy-addr understands besides addresses and CIDR ranges. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(raw: string | undefined): Config['trustProxy'] {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((e) => e.trim());
  for (const entry of entries) {
    const [address, bits, ...more] = entry.split('/');
    const family = isIP(address ?? '');
    const maskOk =
      bits === undefined ||
      (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32)) ||
      isIP(bits) === 4;
    if (!(PROXY_NAMES.has(entry) || (family !== 0 && maskOk && more.length === 0))) {
      throw new ConfigError(
        `TRUST_PROXY must be true, false, a hop count or a comma-separated list of proxy addresses, got '${raw}'`,
      );
    }
  }
  return entries.join(',');
}

function consoleDir(raw: string | undefined): string | null {
  const value = raw?.trim();
  if (value === undefined || value === '') return DEFAULT_CONSOLE_DIR;
  if (['off', 'false', 'none'].includes(value.toLowerCase())) return null;
  return path.resolve(value);
}

/** Reads and validates the configuration; throws {@link ConfigError} naming the variable at fault. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(
    /\/+$/,
    '',
  );
  const config: Config = {
    port,
    host: env.HOST || '0.0.0.0',
    dataDir: path.resolve(env.ROSTER_DATA_DIR || './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:', 'memory:']),
    publicUrl,
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.MAIL_FROM || 'Roster <roster@localhost>',
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    trustProxy: trustProxy(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL || 'info',
    outboxWorker: bool(env, 'OUTBOX_WORKER', true),
    outboxPollMs: int(env, 'OUTBOX_POLL_MS', 1000, 10, 3_600_000),
    sessionTtlDays: int(env, 'SESSION_TTL_DAYS', 30, 1, 3650),
    cookieSecure: bool(env, 'COOKIE_SECURE', publicUrl.startsWith('https:')),
    metricsToken: env.METRICS_TOKEN || null,
    bodyLimit: int(env, 'BODY_LIMIT', 1_048_576, 1024, 100 * 1_048_576),
    shutdownDrainMs: int(env, 'SHUTDOWN_DRAIN_MS', 0, 0, 300_000),
    consoleDir: consoleDir(env.CONSOLE_DIR),
    inviteLimitPerOrg: int(env, 'INVITE_LIMIT_PER_ORG', 50, 0, 1_000_000),
    inviteLimitPerInviter: int(env, 'INVITE_LIMIT_PER_INVITER', 100, 0, 1_000_000),
    inviteLimitWindowSeconds: int(env, 'INVITE_LIMIT_WINDOW_SECONDS', 86_400, 1, 31_536_000),
    invitationSweepMs: int(env, 'INVITATION_SWEEP_MS', 60_000, 0, 86_400_000),
    membershipSweepMs: int(env, 'MEMBERSHIP_SWEEP_MS', 60_000, 0, 86_400_000),
    dnsServers: (env.DNS_SERVERS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    domainRecheckMs: int(env, 'DOMAIN_RECHECK_MS', 3_600_000, 0, 86_400_000),
    joinRequestLimitPerIp: int(env, 'JOIN_REQUEST_LIMIT_PER_IP', 5, 0, 1_000_000),
    joinRequestLimitWindowSeconds: int(env, 'JOIN_REQUEST_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    signInLimitPerEmailIp: int(env, 'SIGN_IN_LIMIT_PER_EMAIL_IP', 10, 0, 1_000_000),
    signInLimitPerEmail: int(env, 'SIGN_IN_LIMIT_PER_EMAIL', 100, 0, 1_000_000),
    signInLimitPerIp: int(env, 'SIGN_IN_LIMIT_PER_IP', 100, 0, 1_000_000),
    signInLimitWindowSeconds: int(env, 'SIGN_IN_LIMIT_WINDOW_SECONDS', 900, 1, 86_400),
    passwordResetLimitPerEmail: int(env, 'PASSWORD_RESET_LIMIT_PER_EMAIL', 5, 0, 1_000_000),
    passwordResetLimitPerIp: int(env, 'PASSWORD_RESET_LIMIT_PER_IP', 20, 0, 1_000_000),
    passwordResetLimitWindowSeconds: int(env, 'PASSWORD_RESET_LIMIT_WINDOW_SECONDS', 3600, 1, 86_400),
    webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    secretsKey: key32(env, 'SECRETS_KEY'),
    analyticsLog: bool(env, 'ANALYTICS_LOG', false),
    oidcAccessTokenTtlSeconds: int(env, 'OIDC_ACCESS_TOKEN_TTL_SECONDS', 300, 10, 86_400),
    oidcRefreshTokenTtlSeconds: int(env, 'OIDC_REFRESH_TOKEN_TTL_SECONDS', 1_209_600, 60, 31_536_000),
    oidcSweepMs: int(env, 'OIDC_SWEEP_MS', 60_000, 0, 86_400_000),
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  return { ...config, ...overrides };
}
