import QRCode from 'qrcode';
import { CliError, EXIT } from '../exit-codes.js';
import { parseExpiry } from '../expiry-option.js';
import { expirySummary } from '../expiry-summary.js';
import type { CliPushKind } from '../push-server.js';
import { newPassphrase } from '../passphrase-input.js';
import { readSecret } from '../secret-input.js';
import { connectNamedServer, notice, type ServerOptions } from '../server-selection.js';

export interface PushOptions extends ServerOptions {
  readonly file?: string;
  readonly views?: number;
  readonly expires?: string;
  readonly passphrase?: boolean;
  readonly retrievalStep?: boolean;
  readonly deletable?: boolean;
  readonly name?: string;
  readonly note?: string;
  readonly kind: CliPushKind;
  readonly json?: boolean;
  readonly qr?: boolean;
}

/**
 * `passdrop push`: reads the secret (stdin, --file or a hidden prompt, never argv), creates the push
 * and prints the link alone on stdout (or --json), the expiry summary on stderr.
 */
export async function pushCommand(options: PushOptions): Promise<void> {
  // Check what can be checked before anyone types a secret.
  const expiry = options.expires === undefined ? undefined : parseExpiry(options.expires, Date.now());
  const server = await connectNamedServer(options);
  const secret = await readSecret(options.file);
  let payload = secret.bytes;
  if (options.kind === 'url') {
    // A URL cannot hold surrounding whitespace; `echo URL |` adds a newline.
    payload = new TextEncoder().encode(new TextDecoder().decode(payload).trim());
  }
  if (payload.length === 0) throw new CliError(`The secret is empty (read from ${secret.source}).`, EXIT.usage);
  const passphrase = options.passphrase ? await newPassphrase('the recipient') : undefined;
  const created = await server.create({
    kind: options.kind,
    payload,
    passphrase,
    expiry,
    views: options.views,
    retrievalStep: options.retrievalStep,
    deletableByViewer: options.deletable,
    name: options.name,
    note: options.note,
  });
  if (options.json) {
    const summary = {
      link: created.link,
      token: created.token,
      server: server.base,
      api: server.flavour,
      kind: options.kind,
      encryption: created.encryption,
      expire_after_views: created.views,
      expires_at: created.expiresAt?.toISOString() ?? null,
      expire_after_days: created.days ?? null,
      passphrase_protected: created.passphrase,
      retrieval_step: created.retrievalStep,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(`${created.link}\n`);
  }
  notice(expirySummary(created, Date.now()));
  notice(
    created.encryption === 'client'
      ? 'Encrypted on this machine: the key is only in the link (after #), so send the whole link.'
      : `Encrypted by the server (${options.kind === 'url' ? 'it must know where to redirect' : 'Password Pusher'}).`,
  );
  if (created.passphrase) notice('The recipient needs the passphrase: tell it through another channel.');
  if (options.qr) process.stderr.write(await QRCode.toString(created.link, { type: 'terminal', small: true, errorCorrectionLevel: 'M' }));
}
