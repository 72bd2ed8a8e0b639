/**
 * Emails leave through a real SMTP server (SPEC §2 "Events, audit, notifications"): the verification
 * email written by sign-up reaches the server as one message with text and HTML parts, from MAIL_FROM,
 * and its link verifies the address. Without SMTP_URL the same email is written to the log instead.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/database.ts';
import {
  bearer,
  createTestApp,
  errorCode,
  freshDatabase,
  signUp,
  type TestApp,
  uniqueEmail,
  waitUntil,
} from './helpers.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.ts';

const MAIL_FROM = 'Roster Test <no-reply@roster.test>';
const LINK = /http:\/\/roster\.test\/verify-email\?token=([A-Za-z0-9_%-]+)/g;

async function outboxRows(t: TestApp, to: string) {
  return t.database.db
    .selectFrom('outbox')
    .selectAll()
    .where(sql<string>`payload->>'to'`, '=', to)
    .orderBy('created_at')
    .execute();
}

function links(text: string | null): string[] {
  return [...(text ?? '').matchAll(LINK)].map((m) => m[0]);
}

function tokenOf(link: string): string {
  return decodeURIComponent(new URL(link).searchParams.get('token') ?? '');
}

async function verify(t: TestApp, token: string) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
}

// One database for the file (starting an embedded one is the costly part of a test app); each
// describe builds its own app on it, with its own mailer and log. Tests look at their own addresses.
let database: DatabaseHandle;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database?.close());

describe('verification email through SMTP', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ smtpUrl: smtp.url, mailFrom: MAIL_FROM }, database);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('sign-up delivers exactly one message to the user, with text and HTML parts, from MAIL_FROM', async () => {
    const email = uniqueEmail('verify');
    await signUp(t.app, email, 'Ada Lovelace');
    expect(smtp.to(email)).toHaveLength(0); // nothing leaves before the worker runs
    expect(await t.app.outbox.drain()).toBeGreaterThanOrEqual(1);

    const received = smtp.to(email);
    expect(received).toHaveLength(1);
    const m = received[0];
    if (!m) throw new Error('no message');
    expect(m.envelopeTo).toEqual([email]);
    expect(m.envelopeFrom).toBe('no-reply@roster.test');
    expect(m.from).toBe(MAIL_FROM);
    expect(m.to).toBe(email);
    expect(m.subject).toBe('Verify your email address');
    expect(m.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(m.partTypes).toEqual(['text/plain', 'text/html']);
    expect(m.text).toContain('Welcome, Ada Lovelace');
    expect(m.html).toContain('<h1 style="font-size:20px">Welcome, Ada Lovelace</h1>');

    // The outbox row is marked sent, and its id is the Message-ID (receivers can drop a duplicate).
    const [row, ...others] = await outboxRows(t, email);
    expect(others).toHaveLength(0);
    expect(row?.status).toBe('sent');
    expect(row?.attempts).toBe(1);
    expect(row?.sent_at).not.toBeNull();
    expect(m.messageId).toBe(`<${row?.id}@roster>`);
  });

  it('the link in the delivered message (text and HTML alike) verifies the address, once', async () => {
    const email = uniqueEmail('link');
    const { token: session, user } = await signUp(t.app, email);
    await t.app.outbox.drain();
    const [m] = smtp.to(email);
    const textLinks = links(m?.text ?? null);
    expect(textLinks).toHaveLength(1);
    expect(links(m?.html ?? null)).toEqual(textLinks);
    expect(m?.html).toContain(`href="${textLinks[0]}"`);
    const link = textLinks[0] as string;
    expect(link.startsWith('http://roster.test/verify-email?token=')).toBe(true);

    const res = await verify(t, tokenOf(link));
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ id: user.id, email, emailVerified: true });
    const me = await t.app.inject({ url: '/v1/me', headers: bearer(session) });
    expect(me.json().emailVerified).toBe(true);

    const again = await verify(t, tokenOf(link));
    expect(again.statusCode).toBe(400);
    expect(errorCode(again)).toBe('VERIFICATION_TOKEN_INVALID');
    // Verifying sends nothing further.
    await t.app.outbox.drain();
    expect(smtp.to(email)).toHaveLength(1);
  });

  it('resending the verification delivers a second message with a new, working link', async () => {
    const email = uniqueEmail('resend');
    const { token: session } = await signUp(t.app, email);
    await t.app.outbox.drain();
    const resend = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/verify-email/resend',
      headers: bearer(session),
    });
    expect(resend.statusCode).toBe(202);
    await t.app.outbox.drain();
    const received = smtp.to(email);
    expect(received).toHaveLength(2);
    const [first, second] = received.map((m) => links(m.text)[0] as string);
    expect(second).not.toBe(first);
    expect((await verify(t, tokenOf(second as string))).statusCode).toBe(200);
  });

  it('escapes the user-chosen name in the HTML part and keeps non-ASCII text intact', async () => {
    const email = uniqueEmail('escape');
    const name = 'Zoë <img src=x onerror=alert(1)> & "Co"';
    await signUp(t.app, email, name);
    await t.app.outbox.drain();
    const [m] = smtp.to(email);
    expect(m?.text).toContain(`Welcome, ${name}`);
    expect(m?.html).toContain('Welcome, Zoë &lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;');
    expect(m?.html).not.toContain('<img');
  });
});

describe('without SMTP_URL, emails are written to the log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ smtpUrl: null }, database);
  });
  afterAll(() => t.close());

  const mailLines = (to: string) =>
    t.logs.filter((l) => (l.mail as { to?: string } | undefined)?.to === to) as Array<{
      level: number;
      msg: string;
      mail: { to: string; subject: string; links: string[] };
    }>;

  it('logs recipient, subject and link of each email at info level, and the logged link works', async () => {
    const email = uniqueEmail('logged');
    const { user } = await signUp(t.app, email);
    expect(mailLines(email)).toHaveLength(0);
    await t.app.outbox.drain();

    const lines = mailLines(email);
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line?.level).toBe(30);
    expect(line?.msg).toMatch(/SMTP_URL not set/);
    expect(line?.mail.subject).toBe('Verify your email address');
    expect(line?.mail.links).toHaveLength(1);
    const link = line?.mail.links[0] as string;
    expect(link).toMatch(/^http:\/\/roster\.test\/verify-email\?token=/);

    const [row] = await outboxRows(t, email);
    expect(row?.status).toBe('sent');

    const res = await verify(t, tokenOf(link));
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ id: user.id, emailVerified: true });

    // A later drain logs nothing again.
    await t.app.outbox.drain();
    expect(mailLines(email)).toHaveLength(1);
  });

  it('logs one line per email, each with its own link', async () => {
    const emails = [uniqueEmail('log-a'), uniqueEmail('log-b'), uniqueEmail('log-c')];
    for (const email of emails) await signUp(t.app, email);
    await t.app.outbox.drain();
    const logged = emails.map((email) => mailLines(email));
    expect(logged.map((l) => l.length)).toEqual([1, 1, 1]);
    const all = logged.map((l) => l[0]?.mail.links[0]);
    expect(new Set(all).size).toBe(3);
  });
});

describe('with the outbox worker running', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    // Polling once an hour: only the wake-up after the commit can deliver within the test.
    t = await createTestApp({ smtpUrl: smtp.url, outboxWorker: true, outboxPollMs: 3_600_000 }, database);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('an email committed by a request leaves right away, without waiting for the next poll', async () => {
    const email = uniqueEmail('kick');
    await signUp(t.app, email);
    // The next poll is an hour away: any wait shorter than the test's timeout proves the wake-up.
    await waitUntil(async () => (await outboxRows(t, email))[0]?.status === 'sent');
    expect(smtp.to(email)).toHaveLength(1);
  });
});
