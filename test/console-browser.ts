/**
 * The harness of the console's browser tests: Debian's Chromium driven by playwright-core, against a
 * Roster listening on a real port on a fresh database, with a real SMTP server receiving its mail.
 * Without /usr/bin/chromium the browser tests are skipped with a message; in CI (CI=true) they fail.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildConsole } from '../scripts/build-console.mjs';
import { type Config, DEFAULT_CONSOLE_DIR } from '../src/config.ts';
import { addActiveMember, createOrg, createTestApp, signUp, type TestApp, uniqueEmail } from './helpers.ts';
import { freePort } from './roster-process.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CI = process.env.CI === 'true' || process.env.CI === '1';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Run the browser tests: Chromium is here, or this is CI (where its absence must fail). */
export const RUN_BROWSER_TESTS = HAVE_CHROMIUM || CI;
export const PASSWORD = 'correct horse battery';
export const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

if (!RUN_BROWSER_TESTS) {
  console.warn(
    `Skipping the browser tests: no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium).`,
  );
}

export interface ConsoleHarness {
  t: TestApp;
  smtp: TestSmtpServer;
  base: string;
  context: BrowserContext;
  /** Content-Security-Policy violations and uncaught page errors, which no page may cause. */
  pageErrors: string[];
  /**
   * A second browser (another Chromium process with its own profile): another device of the same
   * person, e.g. to see its session end. Its page errors and CSP violations land in `pageErrors` too.
   * Closed with the harness.
   */
  otherBrowser(options?: { userAgent?: string }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export interface ConsoleOptions {
  /**
   * Serve the console at `http://localhost:<port>` (PUBLIC_URL so too), not 127.0.0.1: WebAuthn needs
   * a host name as its relying party ID (an IP address cannot be one), and localhost is a secure
   * context. Chromium is told that localhost is 127.0.0.1, where Roster listens.
   */
  localhost?: boolean;
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Builds the console, starts Roster and an SMTP server, and opens Chromium with a fresh profile.
 * `overrides` change Roster's configuration (e.g. `webhookAllowPrivate` for a receiver on 127.0.0.1);
 * `options.localhost` serves it on localhost (for passkeys).
 */
export async function openConsole(
  overrides: Partial<Config> = {},
  options: ConsoleOptions = {},
): Promise<ConsoleHarness> {
  if (!HAVE_CHROMIUM) throw new Error(`CI needs Debian's Chromium at ${CHROMIUM} (.ci/run installs it)`);
  await buildConsole({ quiet: true });
  await mkdir(SHOTS, { recursive: true });
  const smtp = await startSmtpServer();
  const port = await freePort();
  const base = `http://${options.localhost ? 'localhost' : '127.0.0.1'}:${port}`;
  const args = options.localhost
    ? [...CHROMIUM_ARGS, '--host-resolver-rules=MAP localhost 127.0.0.1']
    : CHROMIUM_ARGS;
  const t = await createTestApp({
    publicUrl: base,
    smtpUrl: smtp.url,
    outboxWorker: true,
    outboxPollMs: 50,
    consoleDir: DEFAULT_CONSOLE_DIR,
    ...overrides,
  });
  await t.app.listen({ port, host: '127.0.0.1' });
  const profile = await mkdtemp(path.join(tmpdir(), 'roster-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport: { width: 1200, height: 800 },
  });
  // Every wait is on a condition (an element, a state); the bound only catches what never comes.
  context.setDefaultTimeout(120_000);
  const pageErrors: string[] = [];
  const watch = (c: BrowserContext) => {
    c.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
    });
    c.on('weberror', (e) => pageErrors.push(String(e.error())));
  };
  watch(context);
  const others: Browser[] = [];
  return {
    t,
    smtp,
    base,
    context,
    pageErrors,
    async otherBrowser({ userAgent } = {}) {
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
      others.push(browser);
      const other = await browser.newContext({ viewport: { width: 1200, height: 800 }, userAgent });
      other.setDefaultTimeout(120_000);
      watch(other);
      return other;
    },
    async close() {
      for (const b of others) await b.close();
      await context.close();
      await t.close();
      await smtp.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A page for a new visitor: no session cookie left from an earlier journey. */
export async function freshPage(
  context: BrowserContext,
  viewport = { width: 1200, height: 800 },
): Promise<Page> {
  await context.clearCookies();
  for (const p of context.pages()) await p.close();
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  return page;
}

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Signs in through the sign-in page of the Roster at `origin` and waits to land on `next`. */
export async function signInAt(page: Page, origin: string, email: string, next = '/') {
  await page.goto(`${origin}/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${origin}${next}`);
}

/** An owner with an organization, an admin and a member, all verified, made through the API. */
export async function seedOrg(t: TestApp, label: string) {
  const owner = await signUp(t.app, uniqueEmail(`${label}-owner`), 'Olivia Owner');
  const org = await createOrg(t.app, owner.token, `${label} Org`);
  const admin = await signUp(t.app, uniqueEmail(`${label}-admin`), 'Adam Admin');
  const member = await signUp(t.app, uniqueEmail(`${label}-member`), 'Mia Member');
  await addActiveMember(t.database, org.id, admin.user.id, 'admin');
  await addActiveMember(t.database, org.id, member.user.id, 'member');
  await t.database.db
    .updateTable('users')
    .set({ email_verified_at: new Date() })
    .where('id', 'in', [owner.user.id, admin.user.id, member.user.id])
    .execute();
  return { owner, org, admin, member };
}

/** The first message `to` received (whose text matches `pattern`), waiting up to 20 s for it. */
export async function waitForMail(smtp: TestSmtpServer, to: string, pattern = /(?:)/) {
  for (let i = 0; i < 400; i++) {
    const m = smtp.to(to).find((x) => pattern.test(x.text ?? ''));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no message matching ${pattern} reached ${to}`);
}

/**
 * A virtual authenticator in `page` (CTAP2, internal, resident keys, user verification that always
 * succeeds), through the DevTools protocol: passkeys created in the page live in it, and only for as
 * long as the page does.
 */
export async function addVirtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
}

/** How far the page is wider than its screen: 0 or less when nothing scrolls sideways. */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The first link in `text` to `path` on the Roster at `base` (from an email's text). */
export function linkIn(text: string | null, base: string, path: string): string {
  const escaped = `${base}${path}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const link = new RegExp(`${escaped}\\?token=[A-Za-z0-9_%.~-]+`).exec(text ?? '')?.[0];
  if (!link) throw new Error(`no link to ${path} in: ${text}`);
  return link;
}
