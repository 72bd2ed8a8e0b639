/**
 * The transactional outbox against a real SMTP server (SPEC §2 "Events, audit, notifications"):
 * emails are written in the transaction of the change, so a rolled-back change sends nothing; a worker
 * delivers them with retries and backoff; a crash between commit and send loses nothing; a send is
 * never done twice once acknowledged, however many instances drain the same database; and the short
 * leases that let a dead worker's messages come free within seconds are renewed while a send runs,
 * and given up (the send aborted) by a worker that cannot renew them.
 */
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../src/db/database.ts';
import * as spentPayloads from '../src/db/migrations/0005-spent-outbox-payloads.ts';
import { createMailer, type Mailer } from '../src/features/outbox/mailer.ts';
import {
  claimDue,
  type EmailMessage,
  enqueueEmail,
  markFailed,
  markSent,
} from '../src/features/outbox/outbox.repository.ts';
import {
  backoffSeconds,
  createOutboxWorker,
  LEASE_SECONDS,
  leasePlan,
  MAX_ATTEMPTS,
} from '../src/features/outbox/outbox.worker.ts';
import {
  createTestApp,
  errorCode,
  onPostgres,
  signUp,
  TEST_DATABASE_URL,
  type TestApp,
  uniqueEmail,
  waitUntil,
} from './helpers.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.ts';

const MAIL_FROM = 'Roster Outbox <outbox@roster.test>';
const silent = pino({ level: 'silent' });

/** Blocks this process's event loop for `ms`, as a long GC pause, a CPU-bound stretch or a paused VM would. */
function freeze(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A logger that keeps what it writes, parsed. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

function message(to: string, subject = 'Outbox test'): EmailMessage {
  return { to, subject, text: `Hello ${to}`, html: `<p>Hello ${to}</p>`, links: [] };
}

/** Enqueues one email per address in one committed transaction; returns the row ids in order. */
async function enqueue(t: TestApp, to: string[]): Promise<string[]> {
  await t.app.ctx.transaction(async (trx) => {
    for (const address of to) await enqueueEmail(trx, null, message(address));
  });
  const rows = await t.database.db
    .selectFrom('outbox')
    .select(['id', sql<string>`payload->>'to'`.as('to')])
    .where(sql<string>`payload->>'to'`, 'in', to)
    .execute();
  const byTo = new Map(rows.map((r) => [r.to, r.id]));
  return to.map((address) => byTo.get(address) as string);
}

async function row(t: TestApp, id: string) {
  return t.database.db
    .selectFrom('outbox')
    .select([
      'id',
      'status',
      'attempts',
      'last_error',
      'sent_at',
      'locked_until',
      sql<number>`extract(epoch from next_attempt_at - now())::float8`.as('due_in'),
    ])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function payloadOf(t: TestApp, id: string) {
  const r = await t.database.db
    .selectFrom('outbox')
    .select('payload')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return r.payload;
}

async function rowsTo(t: TestApp, to: string) {
  return t.database.db
    .selectFrom('outbox')
    .select(['id', 'status'])
    .where(sql<string>`payload->>'to'`, '=', to)
    .execute();
}

/** Makes a waiting message due now, as if its backoff had elapsed. */
async function makeDue(t: TestApp, id: string) {
  await t.database.db
    .updateTable('outbox')
    .set({ next_attempt_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

describe('backoffSeconds', () => {
  const middle = () => 0.5;

  it('starts at 5 seconds and doubles with each failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffSeconds(a, middle))).toEqual([5, 10, 20, 40, 80]);
    for (let a = 1; a < 10; a++) {
      expect(backoffSeconds(a + 1, middle) as number).toBeGreaterThan(backoffSeconds(a, middle) as number);
    }
  });

  it('is capped at one hour (before jitter)', () => {
    expect(backoffSeconds(10, middle)).toBe(2560);
    expect(backoffSeconds(11, middle)).toBe(3600);
    for (let a = 1; a < MAX_ATTEMPTS; a++) {
      expect(backoffSeconds(a, middle) as number).toBeLessThanOrEqual(3600);
      expect(backoffSeconds(a, () => 0.999999) as number).toBeLessThanOrEqual(3600 * 1.2);
    }
  });

  it('adds ±20 % jitter, so retries from many messages spread out', () => {
    expect(backoffSeconds(3, () => 0)).toBe(16);
    expect(backoffSeconds(3, () => 0.999999)).toBe(24);
    const spread = new Set(Array.from({ length: 200 }, () => backoffSeconds(6)));
    expect(spread.size).toBeGreaterThan(20);
    for (const s of spread) expect(s as number).toBeGreaterThanOrEqual(128);
  });

  it(`returns null (give up) from attempt ${MAX_ATTEMPTS} on`, () => {
    expect(backoffSeconds(MAX_ATTEMPTS - 1, middle)).not.toBeNull();
    expect(backoffSeconds(MAX_ATTEMPTS, middle)).toBeNull();
    expect(backoffSeconds(MAX_ATTEMPTS + 5, middle)).toBeNull();
  });

  it('keeps retrying for more than two hours before a message is given up', () => {
    let total = 0;
    for (let a = 1; a < MAX_ATTEMPTS; a++) total += backoffSeconds(a, middle) as number;
    expect(total).toBeGreaterThan(2 * 3600);
  });
});

describe('outbox leases: short, renewed while the work runs', () => {
  it('a claim holds a message for seconds (a dead worker’s messages come free that soon), renewed five times per lease', () => {
    expect(LEASE_SECONDS).toBeLessThanOrEqual(30);
    const plan = leasePlan();
    expect(plan.leaseMs).toBe(LEASE_SECONDS * 1000);
    expect(plan.renewEveryMs).toBe(plan.leaseMs / 5);
    // A send starts on a lease renewed within the last two heartbeats …
    expect(plan.startWithAtLeastMs).toBe(plan.leaseMs - 2 * plan.renewEveryMs);
    // … and is aborted while two heartbeats of an unrenewed lease are left: one check at least falls
    // in that window before the lease can run out.
    expect(plan.abortBelowMs).toBe(2 * plan.renewEveryMs);
    expect(plan.abortBelowMs).toBeLessThan(plan.startWithAtLeastMs);
  });

  it('a worker refuses a lease that is not a positive number of seconds', () => {
    const mailer: Mailer = { async send() {}, close() {} };
    for (const leaseSeconds of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        createOutboxWorker({ db: undefined as never, mailer, log: silent, pollMs: 1000, leaseSeconds }),
      ).toThrow(/lease/);
    }
  });
});

describe('outbox delivery through SMTP', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ smtpUrl: smtp.url, mailFrom: MAIL_FROM });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('a sent email keeps only its recipient and subject: its links (live tokens) leave with it', async () => {
    const email = uniqueEmail('spent');
    await signUp(t.app, email);
    const [waiting] = await t.database.db
      .selectFrom('outbox')
      .select(['id', 'payload'])
      .where(sql<string>`payload->>'to'`, '=', email)
      .execute();
    if (!waiting) throw new Error('no verification email');
    const link = (waiting.payload as { links: string[] }).links[0] as string;
    expect(link).toContain('token=');
    await t.app.outbox.drain();
    expect(smtp.to(email)[0]?.text).toContain(link);
    expect((await row(t, waiting.id)).status).toBe('sent');
    const spent = await payloadOf(t, waiting.id);
    expect(Object.keys(spent).sort()).toEqual(['subject', 'to']);
    expect(spent.to).toBe(email);
    expect(JSON.stringify(spent)).not.toContain(new URL(link).searchParams.get('token'));
  });

  it('migration 0005 cuts down the messages spent before it, and leaves waiting ones whole', async () => {
    const [spentId, waitingId] = (await enqueue(t, [
      uniqueEmail('old-sent'),
      uniqueEmail('old-waiting'),
    ])) as [string, string];
    // A message sent before the rule existed still holds everything.
    await t.database.db.updateTable('outbox').set({ status: 'sent' }).where('id', '=', spentId).execute();
    const before = await payloadOf(t, waitingId);
    await spentPayloads.up(t.database.db as never);
    expect(Object.keys(await payloadOf(t, spentId)).sort()).toEqual(['subject', 'to']);
    expect(await payloadOf(t, waitingId)).toEqual(before);
  });

  it('a failed sign-up (email already registered, 409) writes no email', async () => {
    const email = uniqueEmail('dup');
    await signUp(t.app, email);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email: `  ${email.toUpperCase()} `, password: 'correct horse battery', name: 'Again' },
    });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('EMAIL_TAKEN');
    expect(await rowsTo(t, email)).toHaveLength(1);
    await t.app.outbox.drain();
    expect(smtp.to(email)).toHaveLength(1);
  });

  it('a transaction that enqueues an email and then fails leaves no outbox row, and nothing reaches SMTP', async () => {
    const to = uniqueEmail('rollback');
    let seenInside = -1;
    await expect(
      t.app.ctx.transaction(async (trx) => {
        await enqueueEmail(trx, null, message(to));
        const inside = await trx
          .selectFrom('outbox')
          .select('id')
          .where(sql<string>`payload->>'to'`, '=', to)
          .execute();
        seenInside = inside.length;
        throw new Error('the change fails after its email was written');
      }),
    ).rejects.toThrow(/the change fails/);
    expect(seenInside).toBe(1); // the email was written, inside the transaction
    expect(await rowsTo(t, to)).toHaveLength(0);
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(0);
  });

  it('an SMTP refusal (451 at RCPT) leaves the message pending with backoff; after recovery it is delivered once', async () => {
    const to = uniqueEmail('refused');
    const [id] = (await enqueue(t, [to])) as [string];
    smtp.fail({ stage: 'rcpt', code: 451, message: 'Mailbox busy, try later', recipient: to });
    const refusedBefore = smtp.refused;
    await t.app.outbox.drain();
    expect(smtp.refused).toBe(refusedBefore + 1);
    expect(smtp.to(to)).toHaveLength(0);

    let r = await row(t, id);
    expect(r.status).toBe('pending');
    expect(r.attempts).toBe(1);
    expect(r.last_error).toMatch(/451/);
    expect(r.locked_until).toBeNull();
    // First backoff: 5 s ± 20 %.
    expect(r.due_in).toBeGreaterThan(2);
    expect(r.due_in).toBeLessThanOrEqual(6);

    // The server recovers, but the message is not due yet: nothing is sent.
    smtp.accept();
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(0);
    expect((await row(t, id)).attempts).toBe(1);

    // Its backoff elapses: delivered once, marked sent.
    await makeDue(t, id);
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(1);
    r = await row(t, id);
    expect(r.status).toBe('sent');
    expect(r.attempts).toBe(2);
    expect(r.last_error).toBeNull();
    expect(r.sent_at).not.toBeNull();

    // A sent message is never sent again, even when it looks due and unleased.
    await makeDue(t, id);
    await t.app.outbox.drain();
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(1);
    expect((await row(t, id)).attempts).toBe(2);
  });

  it('an SMTP refusal at the end of DATA is retried the same way', async () => {
    const to = uniqueEmail('refused-data');
    const [id] = (await enqueue(t, [to])) as [string];
    smtp.fail({ stage: 'data', code: 452, message: 'Insufficient storage', recipient: to });
    await t.app.outbox.drain();
    const r = await row(t, id);
    expect([r.status, r.attempts]).toEqual(['pending', 1]);
    expect(r.last_error).toMatch(/452/);
    expect(r.due_in).toBeGreaterThan(2);
    smtp.accept();
    await makeDue(t, id);
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(1);
    expect((await row(t, id)).status).toBe('sent');
  });

  it(`a message refused ${MAX_ATTEMPTS} times is dead and never retried`, async () => {
    const to = uniqueEmail('dead');
    const [id] = (await enqueue(t, [to])) as [string];
    smtp.fail({ stage: 'rcpt', code: 451, message: 'Still busy', recipient: to });
    let previousDelay = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await makeDue(t, id);
      await t.app.outbox.drain();
      const r = await row(t, id);
      expect(r.attempts).toBe(attempt);
      if (attempt < MAX_ATTEMPTS) {
        expect(r.status).toBe('pending');
        if (attempt <= 9) expect(r.due_in).toBeGreaterThan(previousDelay); // backoff grows (jitter < doubling)
        previousDelay = r.due_in;
      }
    }
    const dead = await row(t, id);
    expect(dead.status).toBe('dead');
    expect(await payloadOf(t, id)).toEqual({ to, subject: 'Outbox test' }); // its text is not kept
    expect(dead.last_error).toMatch(/451/);
    expect(dead.locked_until).toBeNull();

    // Not retried, even after the server recovers and the row looks due.
    smtp.accept();
    await makeDue(t, id);
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(0);
    expect((await row(t, id)).attempts).toBe(MAX_ATTEMPTS);

    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/roster_outbox_deliveries_total\{result="dead"\} 1\b/);
    expect(
      t.logs.some((l) => l.outboxId === id && l.msg === 'outbox delivery failed for the last time'),
    ).toBe(true);
  });

  it('a message claimed by a worker that died is delivered once its lease runs out', async () => {
    const to = uniqueEmail('crash');
    const [id] = (await enqueue(t, [to])) as [string];
    // A worker claims it and dies before sending or recording anything.
    const claimed = await claimDue(t.database.db, 100, LEASE_SECONDS);
    expect(claimed.map((c) => c.id)).toContain(id);
    let r = await row(t, id);
    expect(r.locked_until).not.toBeNull();

    // While the lease holds, no other worker touches it.
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(0);
    expect((await row(t, id)).attempts).toBe(1);

    // The lease runs out: the next drain delivers it, once.
    await t.database.db
      .updateTable('outbox')
      .set({ locked_until: sql`now() - interval '1 second'` })
      .where('id', '=', id)
      .execute();
    await t.app.outbox.drain();
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(1);
    r = await row(t, id);
    expect(r.status).toBe('sent');
    expect(r.attempts).toBe(2);
  });

  it('a worker whose lease was taken over cannot undo the new holder’s delivery (fencing by attempt)', async () => {
    const to = uniqueEmail('stale');
    const [id] = (await enqueue(t, [to])) as [string];
    const [stale] = (await claimDue(t.database.db, 100, LEASE_SECONDS)).filter((c) => c.id === id);
    expect(stale?.attempts).toBe(1);
    // Its lease runs out while it is stuck; another worker delivers the message.
    await t.database.db
      .updateTable('outbox')
      .set({ locked_until: sql`now() - interval '1 second'` })
      .where('id', '=', id)
      .execute();
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(1);

    // The stale worker finally reports a failure: it must not put the message back in the queue …
    expect(await markFailed(t.database.db, id, 1, 'timeout', 5)).toBe(false);
    // … nor declare it dead, nor re-mark it.
    expect(await markFailed(t.database.db, id, 1, 'timeout', null)).toBe(false);
    expect(await markSent(t.database.db, id, 1)).toBe(false);
    const r = await row(t, id);
    expect([r.status, r.attempts, r.last_error]).toEqual(['sent', 2, null]);
    await makeDue(t, id);
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(1);
  });

  it('sends that outlast the lease are covered by its renewals: no other worker takes them, each starts on a fresh lease, each is delivered once', async () => {
    const to = [uniqueEmail('slow'), uniqueEmail('slow')];
    const ids = await enqueue(t, to);
    const LEASE = 2;
    const plan = leasePlan(LEASE);
    smtp.slow(LEASE * 1000 + 500); // each send takes longer than a whole lease
    const real = createMailer({ smtpUrl: smtp.url, from: MAIL_FROM, log: silent });
    const leaseLeftAtStart: number[] = [];
    // The real SMTP mailer, instrumented: how much of its lease does each message have when its send starts?
    const mailer: Mailer = {
      async send(m, id, signal) {
        const { left } = await t.database.db
          .selectFrom('outbox')
          .select(sql<number>`extract(epoch from locked_until - now())::float8`.as('left'))
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        leaseLeftAtStart.push(left);
        await real.send(m, id, signal);
      },
      close: () => real.close(),
    };
    const worker = createOutboxWorker({
      db: t.database.db,
      mailer,
      log: silent,
      pollMs: 1000,
      leaseSeconds: LEASE,
      concurrency: 1,
    });
    const pass = worker.drain();
    // Once it holds them, another worker drains the same outbox over and over: it must find nothing to take.
    await waitUntil(() => leaseLeftAtStart.length > 0);
    let done = false;
    const rival = (async () => {
      while (!done) {
        await t.app.outbox.drain();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      expect(await pass).toBe(2);
    } finally {
      done = true;
      await rival;
      smtp.accept();
      mailer.close();
    }
    // Every send started on a lease renewed within two heartbeats (less the time this probe takes to ask).
    expect(leaseLeftAtStart).toHaveLength(2);
    for (const left of leaseLeftAtStart) expect(left).toBeGreaterThan(plan.startWithAtLeastMs / 1000 - 0.5);
    for (const address of to) expect(smtp.to(address)).toHaveLength(1);
    for (const id of ids) {
      const r = await row(t, id);
      // One claim each: never taken over, though each send lasted longer than a lease.
      expect([r.status, r.attempts]).toEqual(['sent', 1]);
    }
  });

  it('a worker frozen past its lease aborts its send when it wakes and starts nothing on the leases it held; each message is delivered once', async () => {
    const to = [uniqueEmail('frozen'), uniqueEmail('frozen')];
    const ids = (await enqueue(t, to)) as [string, string];
    smtp.hang();
    const real = createMailer({ smtpUrl: smtp.url, from: MAIL_FROM, log: silent });
    const LEASE = 1;
    const plan = leasePlan(LEASE);
    const starts: Array<{ id: string; attempts: number; left: number }> = [];
    const mailer: Mailer = {
      async send(m, id, signal) {
        const { attempts, left } = await t.database.db
          .selectFrom('outbox')
          .select(['attempts', sql<number>`extract(epoch from locked_until - now())::float8`.as('left')])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        starts.push({ id, attempts, left });
        if (starts.length > 1) smtp.accept(); // after the freeze, the server answers again
        await real.send(m, id, signal);
      },
      close: () => real.close(),
    };
    const { log, lines } = capturingLogger();
    const worker = createOutboxWorker({
      db: t.database.db,
      mailer,
      log,
      pollMs: 1000,
      leaseSeconds: LEASE,
      concurrency: 1,
    });
    try {
      const pass = worker.drain();
      // The first send is under way (the SMTP server will not answer its end of data) …
      await waitUntil(() => starts.length === 1);
      // … when the process stops for longer than the lease: no heartbeat, no check, nothing runs.
      freeze(LEASE * 1000 + 500);
      await pass;
    } finally {
      smtp.accept();
      mailer.close();
    }
    // Awake, it gave up both leases it held: the send in flight was aborted, the other message was
    // handed back untried (no attempt counted) …
    expect(
      lines.filter((l) => l.msg === 'outbox: stopped working on a message whose lease could not be kept'),
    ).toHaveLength(2);
    expect(smtp.to(to[0] as string)).toHaveLength(0);
    const first = await row(t, ids[0]);
    expect([first.status, first.attempts, first.locked_until]).toEqual(['pending', 1, null]);
    expect(first.last_error).toMatch(/^aborted: its lease could not be renewed in time/);
    // … and claimed again on a fresh lease, sent once: no send started on a lease held through the freeze.
    expect(starts.map((s) => [s.id, s.attempts])).toEqual([
      [ids[0], 1],
      [ids[1], 1],
    ]);
    for (const s of starts) expect(s.left).toBeGreaterThan(plan.startWithAtLeastMs / 1000 - 0.5);
    expect(smtp.to(to[1] as string)).toHaveLength(1);
    expect([(await row(t, ids[1])).status, (await row(t, ids[1])).attempts]).toEqual(['sent', 1]);

    await makeDue(t, ids[0]);
    await t.app.outbox.drain();
    for (const address of to) expect(smtp.to(address)).toHaveLength(1);
    expect((await row(t, ids[0])).status).toBe('sent');
  });

  it('a stuck SMTP server times out instead of holding the message', async () => {
    const to = uniqueEmail('stuck');
    const [id] = (await enqueue(t, [to])) as [string];
    smtp.hang();
    const mailer = createMailer({
      smtpUrl: smtp.url,
      from: MAIL_FROM,
      log: silent,
      timeouts: { connectMs: 500, idleMs: 500 },
    });
    const worker = createOutboxWorker({ db: t.database.db, mailer, log: silent, pollMs: 1000 });
    const started = Date.now();
    try {
      await worker.drain();
    } finally {
      mailer.close();
      smtp.accept();
    }
    expect(Date.now() - started).toBeLessThan(15_000); // nodemailer's own default would wait 10 minutes
    const r = await row(t, id);
    expect([r.status, r.attempts]).toEqual(['pending', 1]);
    expect(r.last_error).toMatch(/timeout/i);
    expect(r.locked_until).toBeNull();
    await makeDue(t, id);
    await t.app.outbox.drain();
    expect(smtp.to(to)).toHaveLength(1);
  });

  it('an unreachable SMTP server loses nothing: the message waits and leaves when mail is back', async () => {
    const down = await startSmtpServer();
    const downUrl = down.url;
    await down.close(); // nothing listens on this port any more
    const offline = await createTestApp({ smtpUrl: downUrl, mailFrom: MAIL_FROM }, t.database);
    try {
      const to = uniqueEmail('offline');
      const [id] = (await enqueue(offline, [to])) as [string];
      await offline.app.outbox.drain();
      const r = await row(t, id);
      expect([r.status, r.attempts]).toEqual(['pending', 1]);
      expect(r.last_error).toMatch(/ECONNREFUSED|connect/i);
      await makeDue(t, id);
      await t.app.outbox.drain();
      expect(smtp.to(to)).toHaveLength(1);
      expect((await row(t, id)).status).toBe('sent');
    } finally {
      await offline.close();
    }
  });
});

describe.skipIf(!onPostgres)('several instances cooperate on one PostgreSQL database', () => {
  const INSTANCES = 4;
  const ROUNDS = 5;
  const PER_ROUND = 100;
  let smtp: TestSmtpServer;
  let t: TestApp;
  const others: TestApp[] = [];
  const handles: DatabaseHandle[] = [];
  const figures: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ smtpUrl: smtp.url, mailFrom: MAIL_FROM });
    // The other instances reach the same database through their own connection pools, as processes would.
    const { name } = await sql<{ name: string }>`SELECT current_database() AS name`
      .execute(t.database.db)
      .then((r) => r.rows[0] as { name: string });
    const url = new URL(TEST_DATABASE_URL as string);
    url.pathname = `/${name}`;
    for (let i = 1; i < INSTANCES; i++) {
      const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
      handles.push(handle);
      others.push(await createTestApp({ smtpUrl: smtp.url, mailFrom: MAIL_FROM }, handle));
    }
  });
  afterAll(async () => {
    for (const o of others) await o.close();
    for (const h of handles) await h.close();
    await t?.close();
    await smtp?.close();
    if (figures.length) console.info(`outbox figures (PostgreSQL):\n  ${figures.join('\n  ')}`);
  });

  it(`${INSTANCES} instances draining ${PER_ROUND} queued emails at once deliver each exactly once`, async () => {
    const apps = [t, ...others];
    let delivered = 0;
    let duplicates = 0;
    const perInstance = apps.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      const to = Array.from({ length: PER_ROUND }, () => uniqueEmail(`coop${round}`));
      const ids = await enqueue(t, to);
      const before = smtp.messages.length;
      const attempts = await Promise.all(apps.map((a) => a.app.outbox.drain()));
      attempts.forEach((n, i) => {
        perInstance[i] = (perInstance[i] as number) + n;
      });
      expect(attempts.reduce((a, b) => a + b, 0)).toBe(PER_ROUND);

      const received = smtp.messages.slice(before);
      const byId = new Map<string, number>();
      for (const m of received) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
      duplicates += [...byId.values()].filter((n) => n > 1).length;
      delivered += received.length;
      expect(received).toHaveLength(PER_ROUND);
      expect(new Set(ids.map((id) => `<${id}@roster>`))).toEqual(new Set(byId.keys()));
      for (const address of to) expect(smtp.to(address)).toHaveLength(1);

      const states = await t.database.db
        .selectFrom('outbox')
        .select(['status', 'attempts', sql<number>`count(*)::int`.as('n')])
        .where('id', 'in', ids)
        .groupBy(['status', 'attempts'])
        .execute();
      expect(states).toEqual([{ status: 'sent', attempts: 1, n: PER_ROUND }]);
    }
    expect(duplicates).toBe(0);
    // The work was actually shared.
    expect(perInstance.filter((n) => n > 0).length).toBeGreaterThan(1);
    figures.push(
      `${ROUNDS} rounds × ${PER_ROUND} emails, ${INSTANCES} instances: ${delivered} delivered, ${duplicates} duplicates, per instance ${perInstance.join('/')}`,
    );
  });

  it('concurrent claims never hand one message to two workers (FOR UPDATE SKIP LOCKED)', async () => {
    let claimedTotal = 0;
    let overlaps = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ids = await enqueue(
        t,
        Array.from({ length: PER_ROUND }, () => uniqueEmail(`claim${round}`)),
      );
      const pools = [t.database, ...handles];
      const claims = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          claimDue((pools[i % pools.length] as DatabaseHandle).db, 7, LEASE_SECONDS),
        ),
      );
      const all = claims.flat().map((c) => c.id);
      overlaps += all.length - new Set(all).size;
      claimedTotal += all.length;
      expect(new Set(all)).toEqual(new Set(ids));
      expect(all).toHaveLength(PER_ROUND);
      // Leave no leased rows behind for the other tests.
      await t.database.db.updateTable('outbox').set({ status: 'dead' }).where('id', 'in', ids).execute();
    }
    expect(overlaps).toBe(0);
    figures.push(
      `${ROUNDS} rounds × 24 parallel claims of ≤7 over ${PER_ROUND} due rows: ${claimedTotal} claimed, ${overlaps} claimed twice`,
    );
  });

  it('concurrent sign-ups with one email: one succeeds, one verification email is sent', async () => {
    let created = 0;
    let conflicts = 0;
    for (let round = 0; round < 8; round++) {
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          t.app.inject({
            method: 'POST',
            url: '/v1/auth/sign-up',
            payload: { email, password: 'correct horse battery', name: 'Racer' },
          }),
        ),
      );
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([201, 409, 409, 409]);
      created += 1;
      conflicts += 3;
      expect(await rowsTo(t, email)).toHaveLength(1);
      await Promise.all([t, ...others].map((a) => a.app.outbox.drain()));
      expect(smtp.to(email)).toHaveLength(1);
    }
    figures.push(
      `8 rounds × 4 parallel sign-ups with one email: ${created} created, ${conflicts} 409s, 8 emails`,
    );
  });
});
