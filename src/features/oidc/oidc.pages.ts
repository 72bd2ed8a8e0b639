/**
 * The provider's own pages, in Roster's words: the confirmation of an application's logout request
 * (RP-initiated logout) and the page shown after signing out when the application gave no address to
 * return to. The engine's defaults load a web font from a third party, name the host instead of the
 * application, and print a notice to stdout (outside the JSON log) each time they are drawn.
 *
 * These pages make no request of their own and carry a Content-Security-Policy of their own: nothing
 * but their one inline style (allowed by its hash), no framing. No `form-action`: the confirmation posts
 * to Roster, whose answer redirects to the application's post-logout address, on another origin, and
 * browsers hold such a redirect to `form-action` too.
 */
import { createHash } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';

const STYLE =
  'body{margin:0;padding:2rem 1rem;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.45;color:#1c2330;background:#f6f7f9}' +
  'main{max-width:28rem;margin:0 auto;padding:1rem 1.25rem;background:#fff;border:1px solid #d9dee6;border-radius:8px;overflow-wrap:anywhere}' +
  'h1{font-size:1.3rem;margin:0 0 .75rem}p{margin:0 0 1rem}' +
  'button{font:inherit;margin:0 .5rem .5rem 0;padding:.5rem .9rem;border:1px solid #d9dee6;border-radius:6px;background:#fff;color:#1c2330;cursor:pointer}' +
  'button[name=logout]{background:#2f5bd3;border-color:#2f5bd3;color:#fff}';

/** The pages' Content-Security-Policy: their inline style, by its hash, and nothing else. */
export const PROVIDER_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const html = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function draw(koa: KoaContextWithOIDC, title: string, body: string) {
  koa.set('content-security-policy', PROVIDER_PAGE_CSP);
  koa.set('x-frame-options', 'DENY');
  koa.set('referrer-policy', 'no-referrer');
  koa.set('x-content-type-options', 'nosniff');
  koa.type = 'html';
  koa.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${html(title)} · Roster</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** The application that asked, by name, when the request names one. */
const asking = (koa: KoaContextWithOIDC) => {
  const name = koa.oidc.client?.clientName;
  return name ? `<strong>${html(name)}</strong>` : 'An application';
};

/**
 * "Sign out of Roster?" — `form` is the engine's (its xsrf field); "Yes, sign me out" sends
 * `logout=yes`, which ends the Roster session too (oidc.provider.ts).
 */
export async function logoutSource(koa: KoaContextWithOIDC, form: string): Promise<void> {
  draw(
    koa,
    'Sign out',
    `<h1>Sign out of Roster?</h1><p>${asking(koa)} asks to sign you out. Signing out ends your Roster session in this browser too.</p>${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button><button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

/** After signing out, when the application gave no address to go back to. */
export async function postLogoutSuccessSource(koa: KoaContextWithOIDC): Promise<void> {
  const name = koa.oidc.client?.clientName;
  draw(
    koa,
    'Signed out',
    `<h1>You are signed out</h1><p>${name ? `You signed out of <strong>${html(name)}</strong>.` : 'You signed out.'} You can close this page.</p>`,
  );
}
