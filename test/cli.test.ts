/**
 * The `roster` command (SPEC §3 CLI, §4 configuration), run as the operator runs it: `node bin/roster.js`
 * in a child process, on an embedded data folder — or, on PostgreSQL runs, a fresh database on the server.
 * A PGlite folder admits one process at a time, so every CLI process has exited before the test opens the
 * folder itself, and the test closes it before the next CLI run.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_DOC, loadConfig } from '../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../src/db/database.ts';
import { SCOPES } from '../src/features/access/scopes.ts';
import { hashSecret } from '../src/lib/crypto.ts';
import {
  bearer,
  createOrg,
  createTestApp,
  emailsTo,
  errorCode,
  signUp,
  TEST_DATABASE_URL,
  tokenOf,
} from './helpers.ts';
import { type CliResult, ROOT, runCli, tempFolder, tempPostgresDatabase } from './roster-process.ts';

/**
 * Where the CLI keeps its data: an empty embedded-database folder, or an empty PostgreSQL database
 * (not migrated: `roster migrate` is under test).
 */
interface DataTarget {
  env: Record<string, string>;
  /** Opens the same data in this process. */
  open(): Promise<DatabaseHandle>;
  dispose(): Promise<void>;
}

async function emptyDataTarget(): Promise<DataTarget> {
  if (!TEST_DATABASE_URL) {
    const folder = await tempFolder('cli');
    return {
      env: { ROSTER_DATA_DIR: folder.dir },
      open: () => openDatabase({ databaseUrl: null, dataDir: folder.dir }),
      dispose: folder.dispose,
    };
  }
  const database = await tempPostgresDatabase(TEST_DATABASE_URL);
  return {
    env: { DATABASE_URL: database.url },
    open: () => openDatabase({ databaseUrl: database.url, dataDir: '' }),
    dispose: database.dispose,
  };
}

/** Opens the target in this process, builds an app on it, runs `fn`, and closes everything. */
async function withApp<T>(
  target: DataTarget,
  fn: (t: Awaited<ReturnType<typeof createTestApp>>) => Promise<T>,
) {
  const database = await target.open();
  try {
    const t = await createTestApp({}, database);
    try {
      return await fn(t);
    } finally {
      await t.close();
    }
  } finally {
    await database.close();
  }
}

describe('roster --help', () => {
  it('lists every configuration variable and every command, without reading the configuration', async () => {
    // PORT=abc would fail any command that loads the configuration: help must not need it.
    const runs = [['--help'], ['serve', '--help'], ['help']];
    const results = await Promise.all(runs.map((args) => runCli(args, { PORT: 'abc' })));
    for (const [i, args] of runs.entries()) {
      const res = results[i] as CliResult;
      expect(res.code, args.join(' ')).toBe(0);
      for (const [name] of CONFIG_DOC) expect(res.stdout, `${args.join(' ')} lists ${name}`).toContain(name);
      for (const command of ['serve', 'migrate', 'api-key create', 'api-key list', 'api-key revoke']) {
        expect(res.stdout).toContain(`roster ${command}`);
      }
      for (const scope of SCOPES) expect(res.stdout).toContain(scope);
    }
  });
});

describe('roster --help lays out the configuration', () => {
  it('every variable on its own line, descriptions in one column at least two spaces after the longest name', async () => {
    const res = await runCli(['--help'], {});
    expect(res.code, res.stderr).toBe(0);
    const part = res.stdout.slice(res.stdout.indexOf('Configuration (environment variables):\n'));
    const lines = part.trimEnd().split('\n').slice(1);
    expect(lines).toHaveLength(CONFIG_DOC.length);
    const columns = new Set<number>();
    for (const [i, line] of lines.entries()) {
      const [name, description] = CONFIG_DOC[i] as readonly [string, string];
      const m = /^ {2}([A-Z0-9_]+)( {2,})(\S.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect([m?.[1], m?.[3]]).toEqual([name, description]);
      columns.add(line.length - description.length);
    }
    expect(columns.size).toBe(1);
  });
});

describe('configuration is read from documented variables only', () => {
  it('loadConfig reads no environment variable that --help does not list', () => {
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get(_target, name) {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(env);
    const documented = new Set(CONFIG_DOC.map(([name]) => name));
    expect(read.size).toBeGreaterThan(10);
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !read.has(name))).toEqual([]);
  });

  it("the README's configuration table lists exactly the variables --help lists", async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
    );
    const inTable = [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(inTable.length).toBeGreaterThan(10);
    expect([...inTable].sort()).toEqual(CONFIG_DOC.map(([name]) => name).sort());
  });
});

describe('roster with a bad invocation exits with code 2', () => {
  it('names the variable at fault when the configuration is invalid (PORT=abc)', async () => {
    const res = await runCli(['migrate'], { PORT: 'abc', DATABASE_URL: 'memory://' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/PORT/);
    expect(res.stderr).toContain("'abc'");
    expect(res.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('names DATABASE_URL when it is not a PostgreSQL URL', async () => {
    const res = await runCli(['migrate'], { DATABASE_URL: 'mysql://localhost/db' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/DATABASE_URL/);
  });

  it('names TRUST_PROXY when it is neither a boolean, a hop count nor a list of addresses', async () => {
    const res = await runCli(['serve'], { TRUST_PROXY: 'the-load-balancer', DATABASE_URL: 'memory://' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/TRUST_PROXY/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports an unreachable database in one line naming DATABASE_URL, exit 2', async () => {
    const res = await runCli(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/roster' });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'error: DATABASE_URL: nothing accepts connections at 127.0.0.1:1/roster (connection refused)\n',
    );
  });

  it('rejects an unknown command, naming it and showing the usage', async () => {
    const res = await runCli(['frobnicate'], { PORT: 'abc' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("unknown command 'frobnicate'");
    expect(res.stderr).toContain('roster migrate');
  });

  it('rejects an unknown option and an unknown api-key verb', async () => {
    const [option, verb] = await Promise.all([
      runCli(['api-key', 'list', '--frob'], { DATABASE_URL: 'memory://' }),
      runCli(['api-key', 'rotate'], { DATABASE_URL: 'memory://' }),
    ]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('--frob');
    expect(option.stderr).not.toMatch(/\n\s+at /);
    expect(verb.code).toBe(2);
    expect(verb.stderr).toContain('usage: roster api-key');
  });
});

describe('roster says what was meant', () => {
  it('a mistyped option, verb or command is named with the nearest known one, exit 2', async () => {
    const [option, verb, command, other] = await Promise.all([
      runCli(['invite', 'create', 'acme', '--email', 'a@example.com', '--rol', 'admin'], {}),
      runCli(['org', 'creat', '--name', 'Acme'], {}),
      runCli(['invites', 'list', 'acme'], {}),
      runCli(['org', 'list', '--colour'], {}),
    ]);
    expect(option.code).toBe(2);
    expect(option.stderr.split('\n')[0]).toBe('error: unknown option --rol (did you mean --role?)');
    expect(option.stderr).toContain('usage: roster invite create ORG --email EMAIL [--role ROLE]');
    expect(verb.code).toBe(2);
    expect(verb.stderr.split('\n')[0]).toBe(
      "error: unknown verb 'creat' for roster org (did you mean create?)",
    );
    expect(command.code).toBe(2);
    expect(command.stderr.split('\n')[0]).toBe("error: unknown command 'invites' (did you mean invite?)");
    // Nothing near: no guess, but where the option is unknown.
    expect(other.stderr.split('\n')[0]).toBe('error: unknown option --colour for roster org list');
  });

  it('<command> <verb> --help prints that verb: its synopsis, what it does and its options', async () => {
    const [create, org] = await Promise.all([
      runCli(['org', 'create', '--help'], {}),
      runCli(['org', '--help'], {}),
    ]);
    expect(create.code).toBe(0);
    expect(create.stdout).toMatch(/^usage: roster org create --name NAME --owner EMAIL \[--slug SLUG\]\n/);
    expect(create.stdout).toMatch(/^ {2}--owner EMAIL {2}the email of an existing account/m);
    expect(create.stdout).not.toContain('invite create');
    expect(create.stdout).not.toContain('PORT');
    expect(org.code).toBe(0);
    for (const verb of ['create', 'list', 'show', 'delete'])
      expect(org.stdout).toContain(`roster org ${verb}`);
    expect(org.stdout).not.toContain('roster invite');
  });
});

describe('roster migrate and roster api-key on one database', () => {
  let target: DataTarget;
  beforeAll(async () => {
    target = await emptyDataTarget();
  });
  afterAll(() => target.dispose());

  const cli = (...args: string[]) => runCli(args, target.env);
  const keys: Record<string, { id: string; token: string }> = {};

  it('migrate applies the migrations, then says the database is up to date', async () => {
    const first = await cli('migrate');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^applied: 0001-foundation/);
    const second = await cli('migrate');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('database is up to date\n');
  });

  it('api-key create prints the key once, with its id, name and scopes', async () => {
    for (const [name, scopes] of [
      ['host-app', 'member:read'],
      ['reader', 'org:read'],
    ] as const) {
      const res = await cli('api-key', 'create', '--name', name, '--scopes', scopes);
      expect(res.code, res.stderr).toBe(0);
      const token = /^key:\s+(rk_\S+)$/m.exec(res.stdout)?.[1];
      const id = /^id:\s+(\S+)$/m.exec(res.stdout)?.[1];
      expect(token).toMatch(/^rk_[0-9a-f]{32}[A-Za-z0-9_-]{43}$/);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.stdout).toMatch(new RegExp(`^name:\\s+${name}$`, 'm'));
      expect(res.stdout).toMatch(new RegExp(`^scopes:\\s+${scopes}$`, 'm'));
      expect(res.stdout.split(token as string)).toHaveLength(2); // printed exactly once
      expect(res.stderr).toMatch(/cannot show it again/);
      keys[name] = { id: id as string, token: token as string };
    }
  });

  it('api-key create with an unknown scope exits 2 naming the scope, and creates nothing', async () => {
    const [res, noName, noScopes] = await Promise.all([
      cli('api-key', 'create', '--name', 'bad', '--scopes', 'member:read,members:destroy'),
      cli('api-key', 'create', '--scopes', 'member:read'),
      cli('api-key', 'create', '--name', 'empty'),
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("'members:destroy'");
    expect(res.stdout).not.toContain('rk_');
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('--name');
    expect(noScopes.code).toBe(2);
    expect(noScopes.stderr).toContain('scopes');
  });

  it('api-key list shows each key with its status, never a secret', async () => {
    const res = await cli('api-key', 'list');
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const [name, key] of Object.entries(keys)) {
      const line = lines.find((l) => l.startsWith(key.id));
      expect(line).toContain(name);
      expect(line).toContain('active');
      expect(res.stdout).not.toContain(key.token.slice(-43));
    }
    expect(res.stdout).not.toContain('rk_');
    expect(res.stdout).not.toContain('bad');
  });

  it('the database holds only the hash of the key, and the key works on the permission check', async () => {
    const hostApp = keys['host-app'] as { id: string; token: string };
    const reader = keys.reader as { id: string; token: string };
    await withApp(target, async (t) => {
      const rows = await t.database.db.selectFrom('api_keys').selectAll().execute();
      expect(rows).toHaveLength(2);
      const row = rows.find((r) => r.id === hostApp.id);
      expect(Buffer.from(row?.secret_hash as Uint8Array).equals(hashSecret(hostApp.token.slice(-43)))).toBe(
        true,
      );
      const dump = JSON.stringify(rows, (_k, v) =>
        v && typeof v === 'object' && v.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v,
      );
      expect(dump).not.toContain(hostApp.token.slice(-43));
      expect(dump).not.toContain(reader.token.slice(-43));

      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner.token);
      const url = `/v1/organizations/${org.id}/members/${owner.user.id}/permissions`;
      const ok = await t.app.inject({ url, headers: bearer(hostApp.token) });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'active', role: 'owner' });
      expect(ok.json().scopes).toContain('member:read');

      // A key without member:read may not ask; a forged secret on a real id is not a key.
      const denied = await t.app.inject({ url, headers: bearer(reader.token) });
      expect(denied.statusCode).toBe(403);
      const last = hostApp.token.slice(-1) === 'A' ? 'B' : 'A';
      const forged = await t.app.inject({ url, headers: bearer(`${hostApp.token.slice(0, -1)}${last}`) });
      expect(forged.statusCode).toBe(401);
    });
  });

  it('api-key revoke ID revokes the key: list shows it revoked and the API refuses it', async () => {
    const hostApp = keys['host-app'] as { id: string; token: string };
    const res = await cli('api-key', 'revoke', hostApp.id);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(`revoked ${hostApp.id}\n`);

    const again = await cli('api-key', 'revoke', hostApp.id);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('no active key');

    const notAnId = await cli('api-key', 'revoke', 'not-a-uuid');
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain("'not-a-uuid'");
    expect(notAnId.stderr).not.toMatch(/\n\s+at /);

    const list = await cli('api-key', 'list');
    expect(list.stdout.split('\n').find((l) => l.startsWith(hostApp.id))).toContain('revoked');
    expect(list.stdout.split('\n').find((l) => l.startsWith((keys.reader as { id: string }).id))).toContain(
      'active',
    );

    await withApp(target, async (t) => {
      const owner = await signUp(t.app);
      const org = await createOrg(t.app, owner.token);
      const res2 = await t.app.inject({
        url: `/v1/organizations/${org.id}/members/${owner.user.id}/permissions`,
        headers: bearer(hostApp.token),
      });
      expect(res2.statusCode).toBe(401);
      expect(errorCode(res2)).toBe('UNAUTHENTICATED');
    });
  });
});

describe('roster org: the operator creates, lists, shows and deletes organizations', () => {
  let target: DataTarget;
  let ownerEmail: string;
  beforeAll(async () => {
    target = await emptyDataTarget();
    const migrated = await runCli(['migrate'], target.env);
    expect(migrated.code, migrated.stderr).toBe(0);
    ownerEmail = await withApp(
      target,
      async (t) => (await signUp(t.app, 'Ops.Owner@Example.com')).user.email,
    );
  });
  afterAll(() => target.dispose());

  const cli = (...args: string[]) => runCli(args, target.env);

  it('org create makes an existing user the owner, audited as the operator (system)', async () => {
    const res = await cli('org', 'create', '--name', 'Acme Ops', '--owner', ' OPS.owner@example.com ');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      /^id: {4}[0-9a-f-]{36}\nslug: {2}acme-ops\nname: {2}Acme Ops\nowner: ops\.owner@example\.com\n$/,
    );
    const orgId = /^id:\s+(\S+)/.exec(res.stdout)?.[1] as string;

    await withApp(target, async (t) => {
      const members = await t.database.db
        .selectFrom('memberships')
        .select(['role', 'status', 'source'])
        .where('organization_id', '=', orgId)
        .execute();
      expect(members).toEqual([{ role: 'owner', status: 'active', source: 'created_org' }]);
      const audit = await t.database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_type', 'actor_id'])
        .where('organization_id', '=', orgId)
        .orderBy('id')
        .execute();
      expect(audit.map((a) => a.action)).toEqual(['organization.created', 'member.added']);
      expect(audit.every((a) => a.actor_type === 'system' && a.actor_id === null)).toBe(true);
    });
  });

  it('org create refuses an unknown owner, a taken slug and a missing name, creating nothing', async () => {
    const unknown = await cli('org', 'create', '--name', 'Ghost', '--owner', 'nobody@example.com');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no account with the email 'nobody@example.com'");
    const taken = await cli('org', 'create', '--name', 'Again', '--slug', 'acme-ops', '--owner', ownerEmail);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toBe('error: Another organization already uses this slug. (SLUG_TAKEN)\n');
    const noName = await cli('org', 'create', '--owner', ownerEmail);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('--name is required');
    const list = await cli('org', 'list');
    expect(list.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('org list and org show (by slug or id) print what the database holds', async () => {
    const list = await cli('org', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^[0-9a-f-]{36} {2}acme-ops {2}Acme Ops {2}1 members {2}\d{4}-/);
    const id = list.stdout.split(' ')[0] as string;
    for (const ref of ['acme-ops', id]) {
      const show = await cli('org', 'show', ref);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain(`id:                  ${id}\n`);
      expect(show.stdout).toContain('owners:              ops.owner@example.com\n');
      expect(show.stdout).toContain('join requests:       off\n');
    }
    const missing = await cli('org', 'show', 'no-such-org');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: .*\(ORGANIZATION_NOT_FOUND\)\n$/);
  });

  it('org delete asks for --yes, then deletes the organization and its memberships', async () => {
    const refused = await cli('org', 'delete', 'acme-ops');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await cli('org', 'list')).stdout).toContain('acme-ops');

    const res = await cli('org', 'delete', 'acme-ops', '--yes');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^deleted acme-ops \(/);
    expect((await cli('org', 'list')).stdout).toBe('no organizations\n');
    await withApp(target, async (t) => {
      const left = await t.database.db.selectFrom('memberships').select('id').execute();
      expect(left).toEqual([]);
      const audit = await t.database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_type'])
        .where('action', '=', 'organization.deleted')
        .execute();
      expect(audit).toEqual([{ action: 'organization.deleted', actor_type: 'system' }]);
    });
  });

  it('org create, when the URL name its name gives is taken, says which one it chose', async () => {
    const first = await cli('org', 'create', '--name', 'Twice', '--owner', ownerEmail);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const second = await cli('org', 'create', '--name', 'Twice', '--owner', ownerEmail);
    expect(second.code, second.stderr).toBe(0);
    const chosen = /^slug:\s+(\S+)$/m.exec(second.stdout)?.[1] as string;
    expect(chosen).toMatch(/^twice-[0-9a-f]{6}$/);
    expect(second.stderr).toBe(`The URL name 'twice' was taken, so this organization is '${chosen}'.\n`);
  });
});

describe('roster invite: the operator invites, lists, resends and revokes', () => {
  let target: DataTarget;
  /** Invitations made through the API in beforeAll, one organization per test that needs them. */
  const seeded = {} as Record<'listed' | 'revoked' | 'resent' | 'toRevoke', { id: string; link: string }>;
  beforeAll(async () => {
    target = await emptyDataTarget();
    const migrated = await runCli(['migrate'], target.env);
    expect(migrated.code, migrated.stderr).toBe(0);
    await withApp(target, async (t) => {
      const owner = await signUp(t.app, 'invite.owner@example.com');
      const invite = async (org: string, email: string) => {
        const res = await t.app.inject({
          method: 'POST',
          url: `/v1/organizations/${org}/invitations`,
          headers: bearer(owner.token),
          payload: { email, role: 'admin' },
        });
        expect(res.statusCode, res.body).toBe(201);
        return { id: res.json().invitation.id as string, link: res.json().acceptUrl as string };
      };
      // Slugs follow the names: invite-create, invite-message, invite-list, invite-resend, invite-revoke.
      for (const name of ['Create', 'Message', 'List', 'Resend', 'Revoke'])
        await createOrg(t.app, owner.token, `Invite ${name}`);
      seeded.listed = await invite('invite-list', 'listed@example.com');
      seeded.revoked = await invite('invite-list', 'withdrawn@example.com');
      const revoked = await t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/invite-list/invitations/${seeded.revoked.id}`,
        headers: bearer(owner.token),
      });
      expect(revoked.statusCode, revoked.body).toBe(200);
      seeded.resent = await invite('invite-resend', 'resent@example.com');
      seeded.toRevoke = await invite('invite-revoke', 'revoked@example.com');
    });
  });
  afterAll(() => target.dispose());

  const cli = (...args: string[]) => runCli(args, target.env);

  it('invite create writes one pending invitation and its email, audited as the operator, and prints its link', async () => {
    const res = await cli(
      'invite',
      'create',
      'invite-create',
      '--email',
      'New.Person@Example.com',
      '--role',
      'admin',
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^id: {6}[0-9a-f-]{36}\nemail: {3}new\.person@example\.com\nrole: {4}admin\n/);
    const link = /^link: +(\S+)$/m.exec(res.stdout)?.[1] as string;
    expect(link).toMatch(/\/invitations\/accept\?token=ri_/);
    await withApp(target, async (t) => {
      const check = await t.app.inject({ url: `/v1/invitations/${encodeURIComponent(tokenOf(link))}` });
      expect(check.json()).toMatchObject({ valid: true, role: 'admin', inviter: null });
      const mails = await t.database.db
        .selectFrom('outbox')
        .select('status')
        .where(sql<string>`payload->>'to'`, '=', 'new.person@example.com')
        .execute();
      expect(mails).toEqual([{ status: 'pending' }]);
      const audit = await t.database.db
        .selectFrom('audit_log')
        .innerJoin('organizations', 'organizations.id', 'audit_log.organization_id')
        .select(['action', 'actor_type'])
        .where('organizations.slug', '=', 'invite-create')
        .where('action', '=', 'invitation.created')
        .execute();
      expect(audit).toEqual([{ action: 'invitation.created', actor_type: 'system' }]);
    });
    // The rules hold for the operator too: one pending invitation per address.
    const again = await cli('invite', 'create', 'invite-create', '--email', 'new.person@example.com');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/\(INVITATION_EXISTS\)\n$/);
  });

  it('refuses a bad role, a missing email, an unknown status or organization, naming what is wrong', async () => {
    const role = await cli('invite', 'create', 'invite-create', '--email', 'x@example.com', '--role', 'Boss');
    expect([role.code, role.stderr]).toEqual([
      2,
      "error: --role must be one of owner, admin, member or a key of the organization's own roles\n",
    ]);
    const undefinedRole = await cli(
      'invite',
      'create',
      'invite-create',
      '--email',
      'x@example.com',
      '--role',
      'boss',
    );
    expect(undefinedRole.code).not.toBe(0);
    expect(undefinedRole.stderr).toContain("'boss' is not a role of this organization");
    const email = await cli('invite', 'create', 'invite-create');
    expect([email.code, email.stderr]).toEqual([2, 'error: --email is required\n']);
    const status = await cli('invite', 'list', 'invite-create', '--status', 'lost');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('--status must be one of pending, accepted, expired, revoked');
    const org = await cli('invite', 'list', 'no-such-org');
    expect(org.code).toBe(2);
    expect(org.stderr).toMatch(/\(ORGANIZATION_NOT_FOUND\)\n$/);
    const verb = await cli('invite', 'resend', 'invite-create');
    expect(verb.code).toBe(2);
    expect(verb.stderr).toContain('usage: roster invite');
  });

  it("a message over 1,000 characters is refused by the API's rule (VALIDATION_FAILED, exit 2), creating nothing", async () => {
    const long = await cli(
      'invite',
      'create',
      'invite-message',
      '--email',
      'long@example.com',
      '--message',
      'x'.repeat(1001),
    );
    expect([long.code, long.stderr]).toEqual([
      2,
      'error: message: must be at most 1000 characters (VALIDATION_FAILED)\n',
    ]);
    expect((await cli('invite', 'list', 'invite-message')).stdout).toBe('no invitations\n');
    // 1,000 characters fit, counted as the database counts them (each of these is 2 UTF-16 units).
    const note = '😀'.repeat(1000);
    const fits = await cli(
      'invite',
      'create',
      'invite-message',
      '--email',
      'fits@example.com',
      '--message',
      ` ${note} `,
    );
    expect(fits.code, fits.stderr).toBe(0);
    await withApp(target, async (t) => {
      const row = await t.database.db
        .selectFrom('invitations')
        .select('message')
        .where('email', '=', 'fits@example.com')
        .executeTakeFirst();
      expect(row?.message).toBe(note);
    });
  });

  it('invite list prints the invitations, newest first, filtered by status', async () => {
    const all = await cli('invite', 'list', 'invite-list');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^${seeded.revoked.id} {2}withdrawn@example\\.com {2}admin {2}revoked {2}expires \\d{4}-`),
      ),
      expect.stringMatching(
        new RegExp(`^${seeded.listed.id} {2}listed@example\\.com {2}admin {2}pending {2}expires \\d{4}-`),
      ),
    ]);
    const pending = await cli('invite', 'list', 'invite-list', '--status', 'pending');
    expect(pending.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${seeded.listed.id} `)),
    ]);
    const accepted = await cli('invite', 'list', 'invite-list', '--status', 'accepted');
    expect(accepted.stdout).toBe('no invitations\n');
  });

  it('invite resend prints a new link and emails it again; the old link stops working', async () => {
    const { id, link: oldLink } = seeded.resent;
    const resent = await cli('invite', 'resend', 'invite-resend', id);
    expect(resent.code, resent.stderr).toBe(0);
    expect(resent.stdout).toContain(`id:      ${id}\n`);
    const newLink = /^link: +(\S+)$/m.exec(resent.stdout)?.[1] as string;
    expect(newLink).toMatch(/\/invitations\/accept\?token=ri_/);
    expect(newLink).not.toBe(oldLink);
    await withApp(target, async (t) => {
      const validate = async (link: string) =>
        (await t.app.inject({ url: `/v1/invitations/${encodeURIComponent(tokenOf(link))}` })).json();
      expect(await validate(oldLink)).toMatchObject({ valid: false });
      expect(await validate(newLink)).toMatchObject({ valid: true, role: 'admin' });
      const mails = await emailsTo(t, 'resent@example.com');
      expect(mails).toHaveLength(2);
      expect(mails[0]?.links).toContain(oldLink);
      expect(mails[1]?.links).toContain(newLink);
    });
  });

  it('invite revoke withdraws a pending invitation; a second revoke is refused', async () => {
    const { id, link } = seeded.toRevoke;
    const revoked = await cli('invite', 'revoke', 'invite-revoke', id);
    expect([revoked.code, revoked.stdout]).toEqual([0, `revoked ${id} (revoked@example.com)\n`]);
    expect((await cli('invite', 'list', 'invite-revoke', '--status', 'pending')).stdout).toBe(
      'no invitations\n',
    );
    expect((await cli('invite', 'list', 'invite-revoke')).stdout).toContain('  revoked  ');
    await withApp(target, async (t) => {
      const check = await t.app.inject({ url: `/v1/invitations/${encodeURIComponent(tokenOf(link))}` });
      expect(check.json()).toMatchObject({ valid: false, reason: 'revoked' });
    });
    const twice = await cli('invite', 'revoke', 'invite-revoke', id);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/\(INVITATION_NOT_PENDING\)\n$/);
  });
});
