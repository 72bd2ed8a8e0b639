/**
 * A real SMTP server for tests, on a random local port, built with the `smtp-server` package: it keeps
 * every message it accepts (envelope, raw source, and the decoded headers, text and HTML parts), and can
 * be told to refuse recipients or data with an SMTP error, to be slow or to hang, until told to accept again.
 * No TLS and no authentication: the app reaches it with `smtp://127.0.0.1:<port>`.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMessage {
  /** MAIL FROM of the envelope. */
  envelopeFrom: string;
  /** RCPT TO of the envelope. */
  envelopeTo: string[];
  raw: string;
  /** Top-level headers, names lowercased, encoded words decoded. */
  headers: Record<string, string>;
  subject: string;
  from: string;
  to: string;
  messageId: string;
  /** Content types of the leaf parts, in order, e.g. `['text/plain', 'text/html']`. */
  partTypes: string[];
  text: string | null;
  html: string | null;
}

export type SmtpFailureStage = 'rcpt' | 'data';

export interface SmtpFailure {
  stage: SmtpFailureStage;
  /** SMTP reply code, e.g. 451 (try again later) or 550 (rejected). */
  code: number;
  message: string;
  /** Only for this recipient; every recipient when omitted. */
  recipient?: string;
}

export interface TestSmtpServer {
  readonly port: number;
  /** `smtp://127.0.0.1:<port>`, for `createTestApp({ smtpUrl })`. */
  readonly url: string;
  /** Every accepted message, in arrival order. */
  readonly messages: ReceivedMessage[];
  /** How many transactions were refused (RCPT or DATA answered with an error). */
  readonly refused: number;
  /** Accepted messages with this envelope recipient (case-insensitive). */
  to(address: string): ReceivedMessage[];
  /** Refuse matching messages from now on. */
  fail(failure: SmtpFailure): void;
  /** Never answer the end of DATA (a stuck server), until `accept()`. */
  hang(): void;
  /** Take `ms` to accept each message (a slow server), until `accept()`. */
  slow(ms: number): void;
  /** Accept everything again (and release hung sessions with an error). */
  accept(): void;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  let failure: SmtpFailure | null = null;
  let hanging = false;
  let delayMs = 0;
  let refused = 0;
  const hung: Array<(err: Error) => void> = [];

  const refuses = (stage: SmtpFailureStage, recipients: string[]) =>
    failure !== null &&
    failure.stage === stage &&
    (failure.recipient === undefined ||
      recipients.some((r) => r.toLowerCase() === failure?.recipient?.toLowerCase()));

  function accept() {
    failure = null;
    hanging = false;
    delayMs = 0;
    for (const release of hung.splice(0)) release(smtpError(421, 'released'));
  }

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    disableReverseLookup: true,
    onRcptTo(address, _session, callback) {
      if (failure && refuses('rcpt', [address.address])) {
        refused += 1;
        return callback(smtpError(failure.code, failure.message));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelopeTo = session.envelope.rcptTo.map((a) => a.address);
        if (failure && refuses('data', envelopeTo)) {
          refused += 1;
          return callback(smtpError(failure.code, failure.message));
        }
        if (hanging) {
          hung.push((err) => callback(err));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const mailFrom = session.envelope.mailFrom;
        const receive = () => {
          messages.push({
            envelopeFrom: mailFrom ? mailFrom.address : '',
            envelopeTo,
            raw,
            ...parseMessage(raw),
          });
          callback();
        };
        if (delayMs > 0) setTimeout(receive, delayMs);
        else receive();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get refused() {
      return refused;
    },
    to(address) {
      return messages.filter((m) => m.envelopeTo.some((r) => r.toLowerCase() === address.toLowerCase()));
    },
    fail(f) {
      failure = f;
    },
    hang() {
      hanging = true;
    },
    slow(ms) {
      delayMs = ms;
    },
    accept,
    async close() {
      accept();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// --- A small MIME reader: enough for what nodemailer writes (multipart, quoted-printable, base64). ---

interface Part {
  headers: Record<string, string>;
  body: string;
}

function splitHeaders(source: string): Part {
  const end = source.search(/\r?\n\r?\n/);
  const head = end === -1 ? source : source.slice(0, end);
  const body = end === -1 ? '' : source.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in headers)) headers[name] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(input: string): string {
  const soft = input.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function param(header: string | undefined, name: string): string | undefined {
  const match = header?.match(new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i'));
  return match?.[1];
}

function leaves(part: Part): Array<{ type: string; content: string }> {
  const contentType = part.headers['content-type'] ?? 'text/plain';
  const type = (contentType.split(';')[0] as string).trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = param(contentType, 'boundary');
    if (!boundary) return [];
    const sections = part.body.split(`--${boundary}`).slice(1);
    return sections
      .filter((s) => !s.startsWith('--'))
      .flatMap((s) => leaves(splitHeaders(s.replace(/^\r?\n/, ''))));
  }
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const body = part.body.replace(/\r?\n$/, '');
  const content =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : body;
  return [{ type, content }];
}

export function parseMessage(
  raw: string,
): Pick<
  ReceivedMessage,
  'headers' | 'subject' | 'from' | 'to' | 'messageId' | 'partTypes' | 'text' | 'html'
> {
  const root = splitHeaders(raw);
  const parts = leaves(root);
  return {
    headers: root.headers,
    subject: root.headers.subject ?? '',
    from: root.headers.from ?? '',
    to: root.headers.to ?? '',
    messageId: root.headers['message-id'] ?? '',
    partTypes: parts.map((p) => p.type),
    text: parts.find((p) => p.type === 'text/plain')?.content ?? null,
    html: parts.find((p) => p.type === 'text/html')?.content ?? null,
  };
}
