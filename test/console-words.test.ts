/**
 * The console's words: a rate-limit refusal (console/src/api.ts) — what was limited, read from the
 * limit's name in the error's details, and the wait in the unit that suits it —, every audit action
 * the server writes (console/src/audit-words.ts, checked against the server's sources), the roles
 * and scopes the console mirrors (console/src/access.ts), and validation messages in words.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_DEFS,
  CUSTOM_ROLE_SCOPES,
  canManageRole,
  grantableRoles,
  memberActions,
  ROLE_KEY_PATTERN,
  ROLE_SCOPES,
  type RoleDef,
  roleAbilities,
  roleLimitNote,
  SCOPE_WORDS,
  SCOPES,
  withArticle,
} from '../console/src/access.ts';
import {
  APP_SCOPES,
  ApiError,
  duration,
  explain,
  fieldErrors,
  issueInWords,
  SOURCE_LABELS,
} from '../console/src/api.ts';
import { AUDIT_ACTIONS, describeEntry } from '../console/src/audit-words.ts';
import { checkDomains, parseDomains } from '../console/src/checks.ts';
import {
  grantForRole,
  APP_SCOPES as SERVER_APP_SCOPES,
  CUSTOM_ROLE_SCOPES as SERVER_CUSTOM_ROLE_SCOPES,
  ROLE_KEY_PATTERN as SERVER_ROLE_KEY_PATTERN,
  SCOPES as SERVER_SCOPES,
  scopesForRole,
  canManageRole as serverCanManageRole,
} from '../src/features/access/scopes.ts';
import { JoinLinkErrors } from '../src/features/join-links/join-link.errors.ts';
import { OwnershipTransferErrors } from '../src/features/ownership-transfers/ownership-transfer.errors.ts';
import { RoleErrors } from '../src/features/roles/role.errors.ts';

const limited = (details?: unknown) =>
  new ApiError(429, { code: 'RATE_LIMITED', message: 'Too many requests; retry later.', details });

describe('rate-limit refusals in words', () => {
  it('says what was limited, by the name of the limit', () => {
    for (const limit of ['sign-in-email', 'sign-in-ip', 'sign-in-email-ip'])
      expect(explain(limited({ limit, retryAfterSeconds: 600 }))).toBe(
        'Too many sign-in attempts. Try again in 10 minutes.',
      );
    expect(explain(limited({ limit: 'invite-org', retryAfterSeconds: 78_720 }))).toBe(
      'This organization reached its limit of invitations for now. Try again in 22 hours.',
    );
    expect(explain(limited({ limit: 'invite-user', retryAfterSeconds: 45 }))).toBe(
      'You reached your limit of invitations for now. Try again in 45 seconds.',
    );
    expect(explain(limited({ limit: 'join-ip', retryAfterSeconds: 3600 }))).toBe(
      'Too many requests to join from your network. Try again in 60 minutes.',
    );
    expect(explain(limited({ limit: 'join-link-ip', retryAfterSeconds: 30 }))).toBe(
      'Too many join links opened from your network. Try again in 30 seconds.',
    );
  });

  it('keeps general words for a limit it does not know, or without details', () => {
    expect(explain(limited({ limit: 'export-org', retryAfterSeconds: 120 }))).toBe(
      'Too many requests. Try again in 2 minutes.',
    );
    expect(explain(limited({ limit: 'sign-in-email' }))).toBe(
      'Too many sign-in attempts. Wait a little and try again.',
    );
    expect(explain(limited())).toBe('Too many requests. Wait a little and try again.');
  });

  it('counts seconds below 90 s, minutes below 90 min, hours beyond', () => {
    expect(duration(0.2)).toBe('1 second');
    expect(duration(89)).toBe('89 seconds');
    expect(duration(90)).toBe('2 minutes');
    expect(duration(5399)).toBe('90 minutes');
    expect(duration(5400)).toBe('2 hours');
    expect(duration(86_400)).toBe('24 hours');
  });
});

/** Every audit action the server's sources write: `action: '…'` (or a choice of two), and MFA's `recordChange`. */
function auditActionsInSources(): Set<string> {
  const found = new Set<string>();
  const dotted = /'([a-z_]+\.[a-z_]+)'/g;
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file.includes(`${path.sep}client${path.sep}`)) continue;
    const text = readFileSync(file, 'utf8');
    const expressions = [
      ...text.matchAll(/\baction:\s*([^,\n}]+)/g),
      ...text.matchAll(/\bconst action = ([^;]+);/g),
      ...text.matchAll(/recordChange\(\s*(?:[^,()]+,\s*){4}('[^']+')/g),
    ].map((m) => m[1] as string);
    for (const e of expressions) for (const m of e.matchAll(dotted)) found.add(m[1] as string);
  }
  return found;
}

const SRC = path.resolve(import.meta.dirname, '../src');

describe('the audit log in words (console/src/audit-words.ts)', () => {
  it('has words for every action the server writes, and none it does not', () => {
    const written = auditActionsInSources();
    // The scan finds the actions of every feature (a broken scan would pass trivially).
    for (const a of ['member.role_changed', 'invitation.link_created', 'user.passkey_added', 'app.created'])
      expect(written).toContain(a);
    expect([...written].filter((a) => !(a in AUDIT_ACTIONS)).sort()).toEqual([]);
    expect(
      Object.keys(AUDIT_ACTIONS)
        .filter((a) => !written.has(a))
        .sort(),
    ).toEqual([]);
  });

  it('says role entries as sentences: defined, changed, deleted with what moved', () => {
    expect(
      describeEntry(
        { action: 'role.created', data: { name: 'Auditor', scopes: ['org:read', 'audit:read'] } },
        'auditor',
      ),
    ).toBe('Defined the role “Auditor”, which can see the organization and its settings; read the audit log');
    expect(
      describeEntry(
        {
          action: 'role.updated',
          data: {
            fields: ['name', 'scopes'],
            before: { name: 'Auditor', description: '', scopes: ['org:read'] },
            after: { name: 'Auditors', description: '', scopes: ['org:read', 'audit:read'] },
          },
        },
        'auditor',
      ),
    ).toBe(
      'Changed the role “Auditors”: renamed it from “Auditor” to “Auditors”; it can now see the organization and its settings; read the audit log',
    );
    expect(
      describeEntry(
        {
          action: 'role.deleted',
          data: {
            name: 'Auditor',
            scopes: ['org:read'],
            replaceWith: 'member',
            moved: { members: 2, invitations: 1, joinLinks: 0 },
          },
        },
        'auditor',
      ),
    ).toBe('Deleted the role “Auditor”; 2 members, 1 pending invitation moved to member');
    expect(
      describeEntry(
        { action: 'role.deleted', data: { name: 'Auditor', replaceWith: null, moved: { members: 0 } } },
        'x',
      ),
    ).toBe('Deleted the role “Auditor”');
    expect(
      describeEntry(
        { action: 'member.role_changed', data: { from: 'auditor', to: 'member', reason: 'role_deleted' } },
        'Mia',
      ),
    ).toBe('Changed Mia’s role from “auditor” to member, as its role was deleted');
    expect(
      describeEntry({ action: 'invitation.created', data: { email: 'a@example.com', role: 'auditor' } }, 'x'),
    ).toBe('Invited a@example.com as the role “auditor”');
  });

  it('says an entry as a sentence from its data and its target', () => {
    expect(
      describeEntry({ action: 'member.role_changed', data: { from: 'member', to: 'admin' } }, 'Mia'),
    ).toBe('Changed Mia’s role from member to admin');
    expect(
      describeEntry(
        {
          action: 'organization.updated',
          data: { changes: { name: { from: 'A', to: 'B' }, mfaRequired: { from: false, to: true } } },
        },
        'x',
      ),
    ).toBe('Changed settings: name to “B”, two-factor requirement on');
    expect(
      describeEntry({ action: 'member.removed', data: { status: 'pending', role: 'member' } }, 'Ada'),
    ).toBe('Withdrew Ada’s membership before it was answered');
    expect(describeEntry({ action: 'something.new', data: {} }, 'x')).toBe('something.new');
  });
});

describe('roles and scopes in words (console/src/access.ts)', () => {
  it("mirrors the server's roles and scopes", () => {
    expect(SCOPES).toEqual([...SERVER_SCOPES]);
    for (const role of ['owner', 'admin', 'member'] as const)
      expect([...ROLE_SCOPES[role]], role).toEqual([...scopesForRole(role)]);
    expect(Object.keys(APP_SCOPES).sort()).toEqual([...SERVER_APP_SCOPES].sort());
    expect([...CUSTOM_ROLE_SCOPES]).toEqual([...SERVER_CUSTOM_ROLE_SCOPES]);
    expect(ROLE_KEY_PATTERN.source).toBe(SERVER_ROLE_KEY_PATTERN);
    expect(SCOPE_WORDS['role:admin']).toBe("define the organization's own roles and change what they can do");
    expect(roleAbilities({ key: 'admin', scopes: ROLE_SCOPES.admin })).toContain(
      "define the organization's own roles and change what they can do",
    );
  });

  it('offers only what the rules allow: no owner for an admin, nothing on an owner, no step-down for the last owner', () => {
    const admin = { role: 'admin' as const, scopes: ROLE_SCOPES.admin, userId: 'a' };
    const owner = { role: 'owner' as const, scopes: ROLE_SCOPES.owner, userId: 'o' };
    const member = { role: 'member' as const, scopes: ROLE_SCOPES.member, userId: 'm' };
    const anOwner = { userId: 'o', role: 'owner' as const, status: 'active' as const, name: 'O' };
    const aMember = { userId: 'x', role: 'member' as const, status: 'active' as const, name: 'X' };
    const none = { changeRole: false, remove: false, setExpiry: false, transfer: false };
    expect(memberActions(admin, anOwner, false)).toEqual({
      ...none,
      why: 'Only an owner can change or remove an owner.',
    });
    expect(memberActions(admin, aMember, false)).toEqual({
      changeRole: true,
      remove: true,
      setExpiry: true,
      transfer: false,
      why: null,
    });
    expect(memberActions(member, aMember, false)).toEqual({ ...none, why: null });
    expect(memberActions(owner, anOwner, true).why).toContain('You are the only owner');
    // An owner's access never ends on its own, and an owner is not offered to become one.
    expect(memberActions(owner, anOwner, false)).toEqual({
      changeRole: true,
      remove: false,
      setExpiry: false,
      transfer: false,
      why: null,
    });
    expect(memberActions(owner, aMember, false)).toMatchObject({ setExpiry: true, transfer: true });
    expect(memberActions(owner, { ...aMember, status: 'pending' }, false)).toMatchObject({
      setExpiry: false,
      transfer: false,
    });
    expect(grantableRoles(admin, BUILT_IN_DEFS).map((r) => r.key)).toEqual(['admin', 'member']);
    expect(roleLimitNote(admin, BUILT_IN_DEFS)).toBe('Only an owner can make someone an owner.');
    expect(roleLimitNote(owner, BUILT_IN_DEFS)).toBeUndefined();
  });

  /** An organization's own roles beside the built-in ones. */
  const support: RoleDef = {
    key: 'support',
    name: 'Support agent',
    builtIn: false,
    scopes: ['org:read', 'member:read', 'member:invite', 'member:admin'],
  };
  const auditor: RoleDef = {
    key: 'auditor',
    name: 'Auditor',
    builtIn: false,
    scopes: ['org:read', 'audit:read'],
  };
  const roles = [...BUILT_IN_DEFS, support, auditor];

  it('decides who may give a role by its scopes (a set rule), as the server does', () => {
    const viewers = {
      owner: { role: 'owner', scopes: ROLE_SCOPES.owner },
      admin: { role: 'admin', scopes: ROLE_SCOPES.admin },
      member: { role: 'member', scopes: ROLE_SCOPES.member },
      support: { role: 'support', scopes: support.scopes },
      auditor: { role: 'auditor', scopes: auditor.scopes },
    };
    for (const [name, viewer] of Object.entries(viewers)) {
      const grant = grantForRole(viewer.role, viewer.scopes);
      for (const role of roles)
        expect(canManageRole(viewer, role), `${name} → ${role.key}`).toBe(serverCanManageRole(grant, role));
    }
    // Support agents (member:admin, no audit:read) give members and their own role, never auditors.
    expect(grantableRoles(viewers.support, roles).map((r) => r.key)).toEqual(['member', 'support']);
    expect(roleLimitNote(viewers.support, roles)).toBe(
      'Only an owner can make someone an owner. Roles that can do something your role cannot are not offered.',
    );
    expect(grantableRoles(viewers.admin, roles).map((r) => r.key)).toEqual([
      'admin',
      'member',
      'support',
      'auditor',
    ]);
  });

  it('offers actions on a member by their role’s scopes, and names a custom role in words', () => {
    const supportViewer = { role: 'support', scopes: support.scopes, userId: 's' };
    const anAuditor = { userId: 'x', role: 'auditor', status: 'active' as const, name: 'X' };
    const aMember = { userId: 'm', role: 'member', status: 'active' as const, name: 'M' };
    expect(memberActions(supportViewer, aMember, false, roles)).toMatchObject({
      changeRole: true,
      remove: true,
    });
    expect(memberActions(supportViewer, anAuditor, false, roles)).toEqual({
      changeRole: false,
      remove: false,
      setExpiry: false,
      transfer: false,
      why: 'Only someone whose role can do everything an Auditor can do may change or remove them.',
    });
    // A role the list does not hold (yet): nothing is offered on it.
    expect(memberActions(supportViewer, { ...aMember, role: 'gone' }, false, roles)).toMatchObject({
      changeRole: false,
      why: null,
    });
    expect(withArticle('support', roles)).toBe('a Support agent');
    expect(withArticle('auditor', roles)).toBe('an Auditor');
    expect(withArticle('admin', roles)).toBe('an admin');
    expect(withArticle('unknown-role')).toBe('an unknown-role');
  });
});

describe('validation in words (console/src/api.ts)', () => {
  const invalid = (field: string, message: string) =>
    new ApiError(400, {
      code: 'VALIDATION_FAILED',
      message: `${field}: ${message}`,
      details: [{ field, message }],
    });

  it("turns the validator's phrases into words", () => {
    expect(issueInWords('must NOT have fewer than 1 characters')).toBe('cannot be empty');
    expect(issueInWords('must NOT have more than 100 characters')).toBe('can be at most 100 characters long');
    expect(issueInWords('must be <= 365')).toBe('must be at most 365');
    expect(issueInWords('must be integer or null')).toBe('must be a whole number');
    expect(issueInWords('must match format "email"')).toBe('is not a valid email address');
    expect(issueInWords('is not a valid email address')).toBe('is not a valid email address');
  });

  it('names the field in a sentence, and gives each field its own', () => {
    expect(explain(invalid('name', 'must NOT have fewer than 1 characters'))).toBe(
      'The name cannot be empty.',
    );
    expect(explain(invalid('inviteExpiryDays', 'must be >= 1'))).toBe(
      'The invitation expiry must be at least 1.',
    );
    expect(fieldErrors(invalid('name', 'must NOT have fewer than 1 characters'))).toEqual({
      name: 'Cannot be empty.',
    });
  });
});

describe("the organization's own roles in words", () => {
  it('explains each code of roles in words of its own (not the API message)', () => {
    expect(Object.keys(RoleErrors).length).toBeGreaterThan(0);
    for (const [code, factory] of Object.entries(RoleErrors)) {
      const said = explain(new ApiError(factory.status, { code, message: 'the API message' }));
      expect(said, code).not.toBe('the API message');
    }
  });

  it('names an unknown role key and a refused replacement in a sentence', () => {
    const invalid = (field: string, message: string) =>
      new ApiError(400, {
        code: 'VALIDATION_FAILED',
        message: `${field}: ${message}`,
        details: [{ field, message }],
      });
    expect(explain(invalid('role', "'gone' is not a role of this organization"))).toBe(
      "The role 'gone' is not a role of this organization.",
    );
    expect(explain(invalid('key', 'must match pattern "^[a-z][a-z0-9_-]{1,39}$"'))).toBe(
      'The key is not in the expected form.',
    );
    expect(explain(invalid('replaceWith', 'is the role being deleted'))).toBe(
      'The replacement role is the role being deleted.',
    );
  });
});

describe('join links in words', () => {
  it('explains each code of join links in words of its own (not the API message)', () => {
    expect(Object.keys(JoinLinkErrors).length).toBeGreaterThan(0);
    for (const [code, factory] of Object.entries(JoinLinkErrors)) {
      const said = explain(new ApiError(factory.status, { code, message: 'the API message' }));
      expect(said, code).not.toBe('the API message');
    }
    expect(SOURCE_LABELS.join_link).toBe('Join link');
  });

  it('says join-link entries of the audit log as sentences', () => {
    expect(
      describeEntry(
        {
          action: 'join_link.created',
          data: { role: 'member', requireApproval: true, maxUses: 10, allowedDomains: ['example.com'] },
        },
        'a join link',
      ),
    ).toBe(
      'Made a join link that admits people as members (an admin approves each person; up to 10 uses; for addresses at example.com)',
    );
    expect(describeEntry({ action: 'join_link.created', data: { role: 'admin' } }, 'x')).toBe(
      'Made a join link that admits people as admins',
    );
    expect(describeEntry({ action: 'join_link.used', data: { status: 'active', role: 'admin' } }, 'x')).toBe(
      'Joined through a join link, as an admin',
    );
    expect(describeEntry({ action: 'join_link.used', data: { status: 'pending' } }, 'x')).toBe(
      'Asked to join through a join link',
    );
    expect(describeEntry({ action: 'join_link.revoked', data: { uses: 1 } }, 'x')).toBe(
      'Revoked a join link used 1 time',
    );
    expect(
      describeEntry({ action: 'member.added', data: { source: 'join_link', role: 'member' } }, 'Jay'),
    ).toBe('Jay joined as a member, through a join link');
    expect(describeEntry({ action: 'join_request.created', data: { kind: 'user', linkId: 'l' } }, 'x')).toBe(
      'Asked to join through a join link',
    );
  });

  it('reads email domains in any shape, and says what is wrong with them', () => {
    expect(parseDomains(' Example.com, @example.com;example.org.\nexample.net ')).toEqual([
      'example.com',
      'example.org',
      'example.net',
    ]);
    expect(checkDomains(parseDomains('example.com example.org'))).toBeUndefined();
    expect(checkDomains(['ann@example.com'])).toBe(
      'Enter the domain only, without the name before @: example.com.',
    );
    expect(checkDomains(['localhost'])).toBe('“localhost” is not a domain name, like example.com.');
    expect(checkDomains(Array.from({ length: 21 }, (_, i) => `d${i}.example.com`))).toBe(
      'Enter at most 20 domains (there are 21).',
    );
  });

  it('names the item of a list the API refused, in a sentence', () => {
    const refused = new ApiError(400, {
      code: 'VALIDATION_FAILED',
      message: 'allowedDomains.0: is not a domain name (like example.com)',
      details: [{ field: 'allowedDomains.0', message: 'is not a domain name (like example.com)' }],
    });
    expect(explain(refused)).toBe('The list of domains: item 1 is not a domain name (like example.com).');
  });
});

describe('ownership transfers and access that ends, in words', () => {
  it('explains each code of ownership transfers in words of its own (not the API message)', () => {
    expect(Object.keys(OwnershipTransferErrors).length).toBeGreaterThan(0);
    for (const [code, factory] of Object.entries(OwnershipTransferErrors)) {
      const said = explain(new ApiError(factory.status, { code, message: 'the API message' }));
      expect(said, code).not.toBe('the API message');
    }
  });

  it('says what is wrong with a proposal to oneself, and an end date on an owner', () => {
    const invalid = (field: string, message: string) =>
      new ApiError(400, {
        code: 'VALIDATION_FAILED',
        message: `${field}: ${message}`,
        details: [{ field, message }],
      });
    expect(explain(invalid('userId', 'is you: propose another member'))).toBe(
      'The member is you: propose another member.',
    );
    expect(explain(invalid('expiresAt', "an owner's membership does not expire"))).toBe(
      "The expiry cannot be set: an owner's access does not end.",
    );
    expect(explain(invalid('expiresAt', 'must be in the future'))).toBe('The expiry must be in the future.');
  });
});
