import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly to: string[];
  readonly raw: string;
  /** The raw message with quoted-printable soft breaks and escapes undone (for matching words and links). */
  readonly text: string;
}

export interface MailSink {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** PASSDROP_SMTP_URL for a server that should send here. */
  readonly smtpUrl: string;
  /** Resolves once `predicate` holds for the mails received (checked on each arrival). */
  until(predicate: (mails: readonly ReceivedMail[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

function decodeQuotedPrintable(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < joined.length; index++) {
    const hex = joined[index] === '=' ? /^[0-9A-F]{2}$/.exec(joined.slice(index + 1, index + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(joined[index]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** An in-process SMTP sink (smtp-server) on a loopback port: what the server sends is kept for the test to read. */
export async function startMailSink(): Promise<MailSink> {
  const mails: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw, text: decodeQuotedPrintable(raw) });
        callback();
        for (const waiter of waiters.splice(0)) waiter();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    mails,
    smtpUrl: `smtp://127.0.0.1:${port}?tls=off`,
    until: (predicate) =>
      new Promise((resolve) => {
        const check = () => (predicate(mails) ? resolve() : waiters.push(check));
        check();
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
