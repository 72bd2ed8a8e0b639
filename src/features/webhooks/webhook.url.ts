/** Checks a webhook URL when it is registered: its shape, then every address its host resolves to. */
import { invalidField } from '../../lib/errors.ts';
import { isForbiddenAddress, literalAddress, resolveAll } from './ssrf.ts';
import { WebhookErrors } from './webhook.errors.ts';

export const MAX_URL_LENGTH = 2048;

/**
 * The URL as it will be called, or a 400 naming `field`: WEBHOOK_URL_INVALID (not an absolute http(s)
 * URL, or one carrying credentials or a fragment), WEBHOOK_URL_UNRESOLVABLE, WEBHOOK_URL_FORBIDDEN
 * (it names or resolves to a non-public address, unless `allowPrivate`).
 */
export async function checkWebhookUrl(raw: string, field: string, allowPrivate: boolean): Promise<string> {
  const invalid = (message: string) => WebhookErrors.WEBHOOK_URL_INVALID([{ field, message }]);
  if (raw.length > MAX_URL_LENGTH) throw invalidField(field, `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('must start with http:// or https://');
  if (url.username || url.password) throw invalid('must not carry a user name or password');
  if (url.hash) throw invalid('must not carry a #fragment');
  if (!url.hostname) throw invalid('must name a host');
  if (allowPrivate) return url.toString();
  const literal = literalAddress(url);
  const addresses = literal
    ? [literal]
    : await resolveAll(url.hostname).then(
        (list) => list.map((a) => a.address),
        () => {
          throw WebhookErrors.WEBHOOK_URL_UNRESOLVABLE([
            { field, message: `${url.hostname} does not resolve` },
          ]);
        },
      );
  const bad = addresses.find(isForbiddenAddress);
  if (bad !== undefined) {
    throw WebhookErrors.WEBHOOK_URL_FORBIDDEN([
      { field, message: `reaches ${bad}, a loopback, private or link-local address` },
    ]);
  }
  return url.toString();
}
