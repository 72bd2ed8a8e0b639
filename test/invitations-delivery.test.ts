/**
 * The invitation email through a real SMTP server, and the link in the delivered message used as
 * an invitee would; and no log line ever holding an invitation token (SPEC §3: "Tokens in URL paths
 * (invitation links) are redacted from every log line").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../src/lib/redact.ts';
import { bearer, createOrg, createTestApp, type SignedUp, type TestApp, uniqueEmail } from './helpers.ts';
import { accept, invite, tokenOf, validate, verifiedUser } from './invitation-helpers.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.ts';

const LINK = /http:\/\/roster\.test\/invitations\/accept\?token=[A-Za-z0-9_%-]+/g;

let smtp: TestSmtpServer;
let t: TestApp;
let owner: SignedUp;
let org: { id: string; slug: string; name: string };

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({
    smtpUrl: smtp.url,
    mailFrom: 'Roster <no-reply@roster.test>',
    logLevel: 'trace',
    invitationSweepMs: 0,
  });
  owner = await verifiedUser(t, uniqueEmail('owner'), 'Grace Hopper');
  org = await createOrg(t.app, owner.token, 'Delivery Corp');
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

async function deliveredLink(email: string): Promise<string> {
  await t.app.outbox.drain();
  const [m, ...more] = smtp.to(email);
  expect(more).toHaveLength(0);
  if (!m) throw new Error(`nothing delivered to ${email}`);
  const textLinks = [...(m.text ?? '').matchAll(LINK)].map((x) => x[0]);
  const htmlLinks = [...(m.html ?? '').matchAll(LINK)].map((x) => x[0]);
  expect(textLinks).toHaveLength(1);
  expect(htmlLinks).toEqual(textLinks);
  return textLinks[0] as string;
}

describe('invitation email through SMTP', () => {
  it('is delivered once with text and HTML parts naming org, inviter, role, message and expiry; its link accepts', async () => {
    const invitee = await verifiedUser(t, uniqueEmail('smtp'));
    await t.app.outbox.drain();
    const res = await invite(t.app, owner, org.id, {
      email: invitee.user.email,
      role: 'admin',
      message: 'See you on Monday',
    });
    expect(res.statusCode).toBe(201);
    expect(smtp.to(invitee.user.email).filter((m) => m.subject.includes('invited'))).toHaveLength(0);
    await t.app.outbox.drain();
    const [m] = smtp.to(invitee.user.email).filter((x) => x.subject.includes('invited'));
    expect(m?.subject).toBe('Grace Hopper invited you to join Delivery Corp');
    expect(m?.partTypes).toEqual(['text/plain', 'text/html']);
    expect(m?.from).toBe('Roster <no-reply@roster.test>');
    for (const part of [m?.text, m?.html]) {
      expect(part).toContain('Delivery Corp');
      expect(part).toContain('Grace Hopper');
      expect(part).toContain('an admin');
      expect(part).toContain('See you on Monday');
      expect(part).toContain(res.json().invitation.expiresAt.slice(0, 10));
    }
    const link = [...(m?.text ?? '').matchAll(LINK)].map((x) => x[0])[0] as string;
    expect(link).toBe(res.json().acceptUrl);
    const accepted = await accept(t.app, invitee.token, tokenOf(link));
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().membership.role).toBe('admin');
  });

  it('a new person follows the delivered link: validate, then sign up with the token, and is a member', async () => {
    const email = uniqueEmail('newcomer');
    await invite(t.app, owner, org.id, { email, role: 'member' });
    const link = await deliveredLink(email);
    const token = tokenOf(link);
    const check = await validate(t.app, token);
    expect(check.json()).toMatchObject({ valid: true, email, organization: { name: 'Delivery Corp' } });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email, password: 'correct horse battery', name: 'Newcomer', invitationToken: token },
    });
    expect(res.statusCode, res.body).toBe(201);
    const orgs = await t.app.inject({
      method: 'GET',
      url: '/v1/me/organizations',
      headers: bearer(res.json().session.token),
    });
    expect(orgs.json().data.map((d: { organization: { slug: string } }) => d.organization.slug)).toEqual([
      org.slug,
    ]);
    // No verification email: the invitation verified the address.
    await t.app.outbox.drain();
    expect(smtp.to(email).map((x) => x.subject)).toEqual(['Grace Hopper invited you to join Delivery Corp']);
  });
});

describe('logs', () => {
  it('never contain an invitation token, whichever way it travels (path, body, sign-up), at trace level', async () => {
    const tokens: string[] = [];
    const email = uniqueEmail('logged');
    const u = await verifiedUser(t, email);
    const created = await invite(t.app, owner, org.id, { email, role: 'member' });
    tokens.push(tokenOf(created.json().acceptUrl));
    await validate(t.app, tokens[0] as string);
    const resent = await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${org.id}/invitations/${created.json().invitation.id}/resend`,
      headers: bearer(owner.token),
    });
    tokens.push(tokenOf(resent.json().acceptUrl));
    // The old token, in a path and with a query string; a malformed one too.
    await accept(t.app, u.token, tokens[0] as string);
    await t.app.inject({ method: 'GET', url: `/v1/invitations/${tokens[0]}?token=${tokens[0]}` });
    await t.app.inject({ method: 'GET', url: '/v1/invitations/ri_not-a-real-token' });
    await t.app.inject({
      method: 'POST',
      url: '/v1/invitations/accept',
      headers: bearer(u.token),
      payload: { token: tokens[1] },
    });
    const other = uniqueEmail('logged-signup');
    const forSignUp = await invite(t.app, owner, org.id, { email: other, role: 'member' });
    tokens.push(tokenOf(forSignUp.json().acceptUrl));
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email: other, password: 'correct horse battery', name: 'Other', invitationToken: tokens[2] },
    });
    await t.app.outbox.drain();

    const logged = JSON.stringify(t.logs);
    expect(t.logs.length).toBeGreaterThan(10);
    for (const token of tokens) {
      expect(logged).not.toContain(token);
      expect(logged).not.toContain(token.slice(35)); // the secret part alone
      expect(logged).not.toContain(encodeURIComponent(token));
    }
    expect(logged).not.toContain('ri_not-a-real-token');
    const urls = t.logs.map((l) => (l.req as { url?: string } | undefined)?.url).filter(Boolean);
    expect(urls).toContain('/v1/invitations/[REDACTED]');
    expect(urls).toContain('/v1/invitations/[REDACTED]/accept');
    expect(urls).toContain('/v1/invitations/accept');
  });

  it('redactUrl covers every token position under /v1/invitations/', () => {
    const token = `ri_${'a'.repeat(32)}${'B'.repeat(43)}`;
    expect(redactUrl(`/v1/invitations/${token}`)).toBe('/v1/invitations/[REDACTED]');
    expect(redactUrl(`/v1/invitations/${token}/accept`)).toBe('/v1/invitations/[REDACTED]/accept');
    expect(redactUrl('/v1/invitations/whatever-was-pasted?x=1')).toBe('/v1/invitations/[REDACTED]?x=1');
    expect(redactUrl(`/invitations/accept?token=${token}`)).toBe('/invitations/accept?token=[REDACTED]');
    expect(redactUrl('/v1/invitations/accept')).toBe('/v1/invitations/accept');
    expect(redactUrl(`/v1/invitations/acceptx${token}`)).not.toContain(token);
  });
});
