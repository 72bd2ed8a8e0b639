/**
 * The `roster` command: serve, migrate, api-key create|list|revoke, org create|list|show|delete,
 * invite create|list|resend|revoke.
 */
import { parseArgs } from 'node:util';
import { CONFIG_DOC, type Config, ConfigError, loadConfig } from './config.ts';
import { createContext } from './context.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { operatorAccess } from './features/access/org-access.ts';
import { ROLES, type Role, SCOPES } from './features/access/scopes.ts';
import { createApiKey, listApiKeys, parseScopes, revokeApiKey } from './features/api-keys/api-key.service.ts';
import { SYSTEM_ACTOR } from './features/audit/audit.repository.ts';
import { findUserByEmail } from './features/auth/auth.repository.ts';
import { INVITATION_STATUSES } from './features/invitations/invitation.schemas.ts';
import {
  createInvitation,
  type InvitationLimits,
  invitationLimits,
  listInvitations,
  resendInvitation,
  revokeInvitation,
} from './features/invitations/invitation.service.ts';
import { listAllOrgs, ownerEmails } from './features/organizations/organization.repository.ts';
import { createOrganization, deleteOrganization } from './features/organizations/organization.service.ts';
import { parseToken } from './lib/crypto.ts';
import { normalizeEmail } from './lib/email.ts';
import { AppError } from './lib/errors.ts';
import { createRateLimits } from './lib/rate-limit.ts';
import { startServer } from './server.ts';
import { VERSION } from './version.ts';

const USAGE = `roster ${VERSION}

Usage:
  roster serve                                   start the API (runs pending migrations first)
  roster migrate                                 apply pending database migrations
  roster api-key create --name NAME --scopes S   create an API key; prints the key once
  roster api-key list                            list API keys (never their secrets)
  roster api-key revoke ID                       revoke an API key
  roster org create --name NAME --owner EMAIL [--slug SLUG]
                                                 create an organization owned by an existing user
  roster org list                                list organizations with their active member counts
  roster org show ORG                            one organization (id or slug): settings and owners
  roster org delete ORG --yes                    delete an organization and everything in it
  roster invite create ORG --email EMAIL [--role ROLE] [--message TEXT]
                                                 invite an address (emailed by the running server)
  roster invite list ORG [--status STATUS]       the organization's invitations, newest first
  roster invite resend ORG ID                    a new link, emailed again (the old one stops working)
  roster invite revoke ORG ID                    withdraw a pending invitation
  roster <command> --help                        this help, with the configuration

Scopes: ${SCOPES.join(', ')}
Roles: ${ROLES.join(', ')}. Invitation statuses: ${INVITATION_STATUSES.join(', ')}.
`;

const NAME_WIDTH = Math.max(...CONFIG_DOC.map(([k]) => k.length)) + 2;
const ENV_HELP = `Configuration (environment variables):\n${CONFIG_DOC.map(([k, v]) => `  ${k.padEnd(NAME_WIDTH)}${v}`).join('\n')}\n`;

async function withDatabase<T>(
  config: Config,
  fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>,
) {
  const handle = await openDatabase(config);
  try {
    await migrateToLatest(handle.db);
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

/** A mistake in how the command was called: exit code 2, like a bad configuration. */
class UsageError extends Error {}

const COMMANDS = new Set(['serve', 'migrate', 'api-key', 'org', 'invite']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parse(rest: string[]) {
  try {
    return parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        owner: { type: 'string' },
        slug: { type: 'string' },
        email: { type: 'string' },
        role: { type: 'string' },
        message: { type: 'string' },
        status: { type: 'string' },
        yes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** Runs one command; returns the exit code, or -1 when the process keeps running (`serve`). */
export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out.write(`${USAGE}\n${ENV_HELP}`);
    return 0;
  }
  if (!COMMANDS.has(command)) {
    err.write(`error: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parse(rest);
  if (values.help) {
    out.write(`${USAGE}\n${ENV_HELP}`);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await startServer(config);
      return -1; // keeps running
    case 'migrate': {
      const handle = await openDatabase(config);
      try {
        const result = await migrateToLatest(handle.db);
        const applied = result.results?.map((r) => r.migrationName) ?? [];
        out.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await handle.close();
      }
      return 0;
    }
    case 'org':
      return orgCommand(config, positionals, values, out, err);
    case 'invite':
      return inviteCommand(config, positionals, values, out, err);
    default: {
      const [verb, arg] = positionals;
      if (verb === 'create') {
        if (!values.name?.trim()) throw new UsageError('--name is required');
        const scopes = parseScopes(values.scopes ?? '');
        const key = await withDatabase(config, (db) => createApiKey(db, values.name as string, scopes));
        out.write(
          `id:     ${key.id}\nname:   ${key.name}\nscopes: ${key.scopes.join(',')}\nkey:    ${key.token}\n`,
        );
        err.write('Store the key now: Roster keeps only its hash and cannot show it again.\n');
        return 0;
      }
      if (verb === 'list') {
        const keys = await withDatabase(config, listApiKeys);
        if (keys.length === 0) out.write('no API keys\n');
        for (const k of keys) {
          const status = k.revoked_at ? 'revoked' : 'active';
          out.write(`${k.id}  ${k.name}  ${k.scopes.join(',')}  ${status}  ${k.created_at.toISOString()}\n`);
        }
        return 0;
      }
      if (verb === 'revoke' && arg) {
        // The key itself is accepted too: its first part is the id.
        const id = parseToken('rk', arg)?.id ?? arg;
        if (!UUID.test(id))
          throw new UsageError(`'${arg}' is not an API key id (a UUID, as 'api-key list' shows)`);
        const ok = await withDatabase(config, (db) => revokeApiKey(db, id));
        out.write(ok ? `revoked ${id}\n` : `no active key ${id}\n`);
        return ok ? 0 : 1;
      }
      err.write('usage: roster api-key create --name NAME --scopes a,b | list | revoke ID\n');
      return 2;
    }
  }
}

type Values = ReturnType<typeof parse>['values'];

/** `roster org …`: the operator's verbs, through the same services (and rules) as the API. */
async function orgCommand(
  config: Config,
  positionals: string[],
  values: Values,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const [verb, ref] = positionals;
  const usage =
    'usage: roster org create --name NAME --owner EMAIL [--slug SLUG] | list | show ORG | delete ORG --yes\n';
  if (verb === 'create') {
    if (!values.name?.trim()) throw new UsageError('--name is required');
    if (!values.owner?.trim()) throw new UsageError('--owner EMAIL is required (an existing account)');
    return withDatabase(config, async (db) => {
      const ctx = createContext(db, config, () => {});
      const owner = await findUserByEmail(db, normalizeEmail(values.owner as string));
      if (!owner) throw new UsageError(`no account with the email '${values.owner}'`);
      const org = await createOrganization(
        ctx,
        owner.id,
        { name: values.name as string, slug: values.slug },
        SYSTEM_ACTOR,
      );
      out.write(`id:    ${org.id}\nslug:  ${org.slug}\nname:  ${org.name}\nowner: ${owner.email}\n`);
      return 0;
    });
  }
  if (verb === 'list') {
    const orgs = await withDatabase(config, listAllOrgs);
    if (orgs.length === 0) out.write('no organizations\n');
    for (const o of orgs) {
      out.write(
        `${o.id}  ${o.slug}  ${o.name}  ${o.active_members} members  ${o.created_at.toISOString()}\n`,
      );
    }
    return 0;
  }
  if ((verb === 'show' || verb === 'delete') && ref) {
    return withDatabase(config, async (db) => {
      const ctx = createContext(db, config, () => {});
      const access = await operatorAccess(ctx, ref);
      if (verb === 'show') {
        const o = access.org;
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
        out.write(`${lines.join('\n')}\n`);
        return 0;
      }
      if (!values.yes) {
        err.write(
          `This deletes '${access.org.slug}' and all its members and invitations. Repeat with --yes.\n`,
        );
        return 2;
      }
      await deleteOrganization(ctx, access);
      out.write(`deleted ${access.org.slug} (${access.org.id})\n`);
      return 0;
    });
  }
  err.write(usage);
  return 2;
}

/**
 * `roster invite …`: the operator invites as the system, through the same service as the API, so the
 * same rules hold (one pending invitation per address, seats, members). The operator is not rate
 * limited. The email is written to the outbox; a running Roster sends it.
 */
async function inviteCommand(
  config: Config,
  positionals: string[],
  values: Values,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const [verb, ref, id] = positionals;
  const usage =
    'usage: roster invite create ORG --email EMAIL [--role ROLE] [--message TEXT] | list ORG [--status STATUS] | resend ORG ID | revoke ORG ID\n';
  const known = verb === 'create' || verb === 'list' || ((verb === 'resend' || verb === 'revoke') && id);
  if (!known || !ref) {
    err.write(usage);
    return 2;
  }
  if (verb === 'create' && !values.email?.trim()) throw new UsageError('--email is required');
  const role = (values.role ?? 'member') as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const status = values.status as (typeof INVITATION_STATUSES)[number] | undefined;
  if (status !== undefined && !INVITATION_STATUSES.includes(status)) {
    throw new UsageError(`--status must be one of ${INVITATION_STATUSES.join(', ')}`);
  }
  if (id !== undefined && !UUID.test(id)) {
    throw new UsageError(`'${id}' is not an invitation id (a UUID, as 'invite list' shows)`);
  }
  return withDatabase(config, async (db) => {
    const ctx = createContext(db, config, () => {});
    const access = await operatorAccess(ctx, ref);
    const unlimited: InvitationLimits = invitationLimits(createRateLimits({ db }), {
      inviteLimitPerOrg: 0,
      inviteLimitPerInviter: 0,
      inviteLimitWindowSeconds: 1,
    });
    if (verb === 'list') {
      let cursor: string | undefined;
      let shown = 0;
      do {
        const page = await listInvitations(ctx, access, { limit: 100, cursor, status });
        for (const i of page.data) {
          out.write(
            `${i.id}  ${i.email}  ${i.role}  ${i.status}  expires ${i.expiresAt?.toISOString() ?? '—'}\n`,
          );
        }
        shown += page.data.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (shown === 0) out.write('no invitations\n');
      return 0;
    }
    if (verb === 'revoke') {
      const invitation = await revokeInvitation(ctx, access, id as string);
      out.write(`revoked ${invitation.id} (${invitation.email})\n`);
      return 0;
    }
    const { invitation, acceptUrl } =
      verb === 'create'
        ? await createInvitation(ctx, unlimited, access, {
            email: values.email as string,
            role,
            message: values.message,
          })
        : await resendInvitation(ctx, unlimited, access, id as string);
    out.write(
      `id:      ${invitation.id}\nemail:   ${invitation.email}\nrole:    ${invitation.role}\nexpires: ${invitation.expiresAt?.toISOString() ?? '—'}\nlink:    ${acceptUrl}\n`,
    );
    err.write(
      'The email leaves with the next outbox poll of a running Roster; the link works until then too.\n',
    );
    return 0;
  });
}

function isSystemError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

export async function run(argv: string[]) {
  try {
    const code = await main(argv);
    if (code >= 0) process.exitCode = code;
  } catch (e) {
    if (e instanceof AppError) {
      // The API's rule said no: its message, and the stable code a script can match.
      process.stderr.write(`error: ${e.message} (${e.code})\n`);
      process.exitCode = 2;
    } else if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 2;
    } else if (isSystemError(e)) {
      // EADDRINUSE, ECONNREFUSED…: the message says it all; a stack would only bury it.
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    }
  }
}
