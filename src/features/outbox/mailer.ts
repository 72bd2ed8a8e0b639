/**
 * Delivers an email: through SMTP with nodemailer when SMTP_URL is set; otherwise into the log
 * (recipient, subject and links) so a trial user can follow the links without a mail server.
 */
import type { SendMailOptions, Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { EmailMessage } from './outbox.repository.ts';

export interface Mailer {
  /** Sends one email; `signal` aborts it (the SMTP connection carrying it is closed). */
  send(message: EmailMessage, messageId: string, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * SMTP time limits, in milliseconds. Nodemailer's defaults (2 min to connect, 10 min of silence) would
 * let one stuck server hold a message, and an SMTP connection, for many minutes.
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
    async send(message, messageId, signal) {
      const mail: SendMailOptions & { signal?: AbortSignal } = {
        from: opts.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // A stable Message-ID lets a receiving server drop a duplicate if a retry follows a lost ack.
        messageId: `<${messageId}@roster>`,
        // Nodemailer (10.x) fails the message and closes the pooled connection carrying it (its
        // types do not list the option yet).
        signal,
      };
      await (await connect()).sendMail(mail);
    },
    close() {
      transport?.then((t) => t.close()).catch(() => {});
    },
  };
}
