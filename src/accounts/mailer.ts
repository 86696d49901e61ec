import type { Transporter } from 'nodemailer';

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export type SendResult = { ok: true } | { ok: false; reason: string };

export interface Mailer {
  /** False when no SMTP server is configured: then no email is ever sent. */
  readonly enabled: boolean;
  /** Sends one message; a failure is a value with a reason fit for the log (never the message body). */
  send(message: MailMessage): Promise<SendResult>;
}

/**
 * Sends the account emails over SMTP with nodemailer. Timeouts are short: a person is waiting on the
 * page, and an unreachable server must become a clear message, not a hung request. nodemailer (about
 * 14 MB of memory) is loaded on the first email, so servers without SMTP never load it.
 */
export function createMailer(config: { smtpUrl: string | undefined; from: string }): Mailer {
  const { smtpUrl } = config;
  if (smtpUrl === undefined) {
    return { enabled: false, send: async () => ({ ok: false, reason: 'no SMTP server is configured' }) };
  }
  let transport: Promise<Transporter> | undefined;
  const openTransport = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    const url = new URL(smtpUrl);
    return nodemailer.createTransport({
      host: url.hostname,
      port: url.port === '' ? (url.protocol === 'smtps:' ? 465 : 587) : Number(url.port),
      secure: url.protocol === 'smtps:',
      ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
      // A loopback or private relay may run plain SMTP; `?tls=off` says so explicitly.
      ignoreTLS: url.searchParams.get('tls') === 'off',
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 15_000,
    });
  };
  return {
    enabled: true,
    async send(message) {
      try {
        transport ??= openTransport();
        await (await transport).sendMail({ from: config.from, to: message.to, subject: message.subject, text: message.text });
        return { ok: true };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return { ok: false, reason: typeof code === 'string' ? code : (error as Error).message };
      }
    },
  };
}
