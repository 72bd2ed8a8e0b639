/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. It checks every request's Standard Webhooks
 * signature on its own (HMAC-SHA256 of "id.timestamp.body" keyed with the base64-decoded `whsec_`
 * secret, compared in constant time, timestamp within 5 minutes) — no Roster code involved — and
 * answers 200 unless told to fail, or to hang until the connection is dropped.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A parsed JSON body, read freely by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever fields a webhook body carries
export type Json = any;

export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: {
    id: string;
    type: string;
    timestamp: string;
    organizationId: string | null;
    data: Json;
    actor: Json;
  };
  /** The signature checked out with the secret registered for the path. */
  verified: boolean;
  /** What the receiver answered (0: it never answered). */
  answered: number;
}

type Plan = { status: number; body?: string | Buffer } | { hang: true };

export interface TestReceiver {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  received: ReceivedWebhook[];
  /** Requests to `path` are verified with `secret`. */
  setSecret(path: string, secret: string): void;
  /** The next `times` requests to `path` get `status`. */
  fail(path: string, status: number, times?: number): void;
  /** The next request to `path` gets `status` with `body` (instead of `ok` or `no`). */
  answer(path: string, status: number, body: string | Buffer): void;
  /** The next request to `path` is held without an answer until `dropHung()`. */
  hang(path: string): void;
  /** Drops the connections of held requests, as a receiver that dies would. */
  dropHung(): void;
  /** Requests to `path` so far. */
  to(path: string): ReceivedWebhook[];
  /** Resolves once `predicate` holds for the received list (polling), or rejects after `ms`. */
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Standard Webhooks verification, written from the specification. */
export function verifySignature(
  secret: string,
  id: string,
  timestamp: string,
  body: string,
  header: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!secret.startsWith('whsec_')) return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(' ').some((part) => {
    const [version, sig] = part.split(',');
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export async function startReceiver(): Promise<TestReceiver> {
  const secrets = new Map<string, string>();
  const plans = new Map<string, Plan[]>();
  const received: ReceivedWebhook[] = [];
  const hung: http.ServerResponse[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const timestamp = String(req.headers['webhook-timestamp'] ?? '');
      const signature = String(req.headers['webhook-signature'] ?? '');
      const secret = secrets.get(path);
      let json: ReceivedWebhook['json'];
      try {
        json = JSON.parse(body);
      } catch {
        json = {} as ReceivedWebhook['json'];
      }
      const entry: ReceivedWebhook = {
        path,
        id,
        timestamp,
        signature,
        body,
        json,
        verified: secret !== undefined && verifySignature(secret, id, timestamp, body, signature),
        answered: 0,
      };
      received.push(entry);
      const plan = plans.get(path)?.shift();
      if (plan && 'hang' in plan) {
        hung.push(res);
        return;
      }
      // A receiver refuses what it cannot verify.
      const status = plan ? plan.status : entry.verified ? 200 : 401;
      entry.answered = status;
      const answer = plan?.body ?? (status < 300 ? 'ok' : 'no');
      res.writeHead(status, { 'content-type': 'text/plain' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const queue = (path: string, plan: Plan) => {
    const list = plans.get(path) ?? [];
    list.push(plan);
    plans.set(path, list);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    setSecret: (path, secret) => secrets.set(path, secret),
    fail(path, status, times = 1) {
      for (let i = 0; i < times; i++) queue(path, { status });
    },
    answer: (path, status, body) => queue(path, { status, body }),
    hang: (path) => queue(path, { hang: true }),
    dropHung() {
      for (const res of hung.splice(0)) res.socket?.destroy();
    },
    to: (path) => received.filter((r) => r.path === path),
    // The bound only catches a delivery that never comes; a busy machine is slow, not wrong.
    async waitFor(predicate, ms = 120_000) {
      const until = Date.now() + ms;
      while (!predicate(received)) {
        if (Date.now() > until) throw new Error(`receiver: condition not met within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      for (const res of hung.splice(0)) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
