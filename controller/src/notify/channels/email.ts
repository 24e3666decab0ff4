import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parseDuration } from '@portwarden/common/duration';
import { emailChannelSchema } from '@portwarden/common/policy/schema';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { ChannelConfigError, classifySmtpError } from '../retry.js';
import type { Channel } from './channel.js';
import { buildEmailMessage, DEFAULT_EMAIL_SUBJECT } from './email-message.js';

export type EmailSecurity = 'starttls' | 'tls' | 'none';

export interface EmailConfig {
  to: string[];
  from: string;
  /** @default DEFAULT_EMAIL_SUBJECT */
  subject: string;
  smtp: {
    host: string;
    /** @default 587 for starttls, 465 for tls, 25 for none */
    port: number;
    /** @default 'starttls' */
    security: EmailSecurity;
    /** Both or neither. The password is never logged nor put in an error. */
    auth?: { user: string; pass: string };
    /** The whole delivery, connection to last reply. @default 30000 */
    timeoutMs: number;
    /** Trusted instead of the system's CAs: PEM text, or a file read when sending. */
    ca?: { pem: string } | { file: string };
  };
}

export const DEFAULT_EMAIL_TIMEOUT_MS = 30_000;
export const DEFAULT_SMTP_PORTS: Readonly<Record<EmailSecurity, number>> = {
  starttls: 587,
  tls: 465,
  none: 25,
};

/**
 * Sends one mail per incident event through an SMTP server (nodemailer, one connection per mail).
 * `starttls` requires the upgrade, certificates are always verified, and the resolved mail
 * replies to the opened one. Failures are classified by `classifySmtpError` (`../retry.ts`).
 */
export const emailChannel: Channel<EmailConfig> = {
  kind: 'email',

  parseConfig(raw) {
    const parsed = emailChannelSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // The message only: zod may quote the value, and smtp.password is a secret.
      throw new ChannelConfigError(`invalid email channel: ${issue?.path.join('.') ?? ''} ${issue?.message}`);
    }
    const { to, from, subject = DEFAULT_EMAIL_SUBJECT, smtp } = parsed.data;
    const security = smtp.security ?? 'starttls';
    const ca = smtp.ca?.startsWith('-----BEGIN') ? { pem: smtp.ca } : smtp.ca ? { file: smtp.ca } : undefined;
    return {
      to: typeof to === 'string' ? [to] : to,
      from,
      subject,
      smtp: {
        host: smtp.host,
        port: smtp.port ?? DEFAULT_SMTP_PORTS[security],
        security,
        ...(smtp.username !== undefined && { auth: { user: smtp.username, pass: smtp.password ?? '' } }),
        timeoutMs:
          smtp.timeout === undefined ? DEFAULT_EMAIL_TIMEOUT_MS : parseDuration(smtp.timeout, 'smtp timeout'),
        ...(ca && { ca }),
      },
    };
  },

  async send(notification, config, context) {
    const { smtp } = config;
    const where = `SMTP ${smtp.host.includes(':') ? `[${smtp.host}]` : smtp.host}:${smtp.port}`;
    const message = buildEmailMessage(notification.event, context.externalUrl, config.subject);
    const transport = nodemailer.createTransport(await transportOptions(smtp));
    try {
      const info = await transport.sendMail({
        from: config.from,
        to: config.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
        ...(message.inReplyTo && { inReplyTo: message.inReplyTo, references: message.references }),
        headers: message.headers,
        disableFileAccess: true,
        disableUrlAccess: true,
        // One budget for the whole delivery, however the server drips its replies.
        signal: AbortSignal.timeout(smtp.timeoutMs),
      } as SMTPTransport.Options);
      // Some recipients refused, others took it: sending again would duplicate it for those.
      if (info.rejected.length > 0) {
        context.logger.warn(
          {
            channel: notification.channelKey,
            rejected: info.rejected.map(String),
            where,
          },
          'email: the server refused some recipients; the others got the mail',
        );
      }
    } catch (error) {
      throw classifySmtpError(error, where, smtp.timeoutMs);
    } finally {
      transport.close();
    }
  },
};

/** The PEM text of `smtp.ca`, read from its file at each send (a renewed CA needs no restart). */
async function readCa(ca: EmailConfig['smtp']['ca']): Promise<string | undefined> {
  if (!ca) return undefined;
  if ('pem' in ca) return ca.pem;
  try {
    return await readFile(ca.file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ChannelConfigError(`invalid email channel: smtp.ca: cannot read ${ca.file} (${code})`);
  }
}

async function transportOptions(smtp: EmailConfig['smtp']): Promise<SMTPTransport.Options> {
  const ca = await readCa(smtp.ca);
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    // none: plain text, even when the server offers STARTTLS (a local relay with its own certificate).
    ignoreTLS: smtp.security === 'none',
    ...(smtp.auth && { auth: smtp.auth, forceAuth: true }),
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    dnsTimeout: smtp.timeoutMs,
    tls: {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      // SNI takes a host name only; an IP address is checked against the certificate's IP SANs.
      ...(isIP(smtp.host) === 0 && { servername: smtp.host }),
      ...(ca && { ca }),
    },
    logger: false,
    debug: false,
  };
}
