/**
 * Delivers an email: through SMTP with nodemailer when SMTP_URL is set; otherwise into the log
 * (recipient, subject and links) so a trial user can follow the links without a mail server.
 */
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { EmailMessage } from './outbox.repository.ts';

export interface Mailer {
  send(message: EmailMessage, messageId: string): Promise<void>;
  close(): void;
}

/**
 * SMTP time limits, in milliseconds. Nodemailer's defaults (2 min to connect, 10 min of silence) would
 * let one stuck server hold a message past its outbox lease, and another worker would send it again.
 */
export interface SmtpTimeouts {
  /** DNS, TCP connection and SMTP greeting together. @default 15000 */
  connectMs: number;
  /** Silence from the server during the conversation. @default 30000 */
  idleMs: number;
}

export const SMTP_TIMEOUTS: SmtpTimeouts = { connectMs: 15_000, idleMs: 30_000 };

/** SMTP connections kept open and reused (servers often pause before greeting a new connection). */
export const SMTP_CONNECTIONS = 5;

/** The longest one send can take with these limits: connecting, then EHLO, MAIL, RCPT, DATA and the end of data. */
export function sendBudgetMs(timeouts: SmtpTimeouts = SMTP_TIMEOUTS): number {
  return timeouts.connectMs + 5 * timeouts.idleMs;
}

export function createMailer(opts: {
  smtpUrl: string | null;
  from: string;
  log: Logger;
  timeouts?: SmtpTimeouts;
}): Mailer {
  if (!opts.smtpUrl) {
    return {
      async send(message) {
        opts.log.info(
          { mail: { to: message.to, subject: message.subject, links: message.links } },
          'email (SMTP_URL not set, so it is logged instead of sent)',
        );
      },
      close() {},
    };
  }
  const timeouts = opts.timeouts ?? SMTP_TIMEOUTS;
  const smtpUrl = opts.smtpUrl;
  // nodemailer loads with the first email, not with the server.
  let transport: Promise<Transporter> | null = null;
  const connect = () => {
    transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: smtpUrl,
        pool: true,
        maxConnections: SMTP_CONNECTIONS,
        connectionTimeout: timeouts.connectMs,
        greetingTimeout: timeouts.connectMs,
        socketTimeout: timeouts.idleMs,
        dnsTimeout: timeouts.connectMs,
      }),
    );
    return transport;
  };
  return {
    async send(message, messageId) {
      await (await connect()).sendMail({
        from: opts.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // A stable Message-ID lets a receiving server drop a duplicate if a retry follows a lost ack.
        messageId: `<${messageId}@roster>`,
      });
    },
    close() {
      transport?.then((t) => t.close()).catch(() => {});
    },
  };
}
