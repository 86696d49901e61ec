import QRCode from 'qrcode';
import { generateRequesterKeyPair, keyFingerprint } from '../../../../src/crypto/requests/request-answer-format.js';
import { CliError, EXIT } from '../exit-codes.js';
import { parseExpiry, type Expiry } from '../expiry-option.js';
import { relativeTime, utcTime } from '../expiry-summary.js';
import { newPassphrase } from '../passphrase-input.js';
import { connectRequester, type RequesterOptions } from '../request-connection.js';
import { requesterKeyFilePath, saveRequesterKey } from '../requester-key-store.js';
import { notice } from '../server-selection.js';

export interface RequestCreateOptions extends RequesterOptions {
  readonly name?: string;
  readonly from?: string;
  readonly instructions?: string;
  readonly expires?: string;
  readonly answers?: number;
  readonly passphrase?: boolean;
  readonly answerExpires?: string;
  readonly answerViews?: number;
  readonly saveKey: boolean;
  readonly showKey?: boolean;
  readonly json?: boolean;
  readonly qr?: boolean;
}

/** A lifetime in whole minutes, the unit of the request API (an absolute time is rounded up to the minute). */
function minutesOf(expiry: Expiry, now: number): number {
  if ('days' in expiry) return expiry.days * 1440;
  if ('minutes' in expiry) return expiry.minutes;
  return Math.ceil((expiry.at.getTime() - now) / 60_000);
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** "1 day", "12 hours", "30 minutes": an answer's lifetime, for the summary. */
function duration(minutes: number): string {
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

/**
 * `passdrop request [create]`: makes an ECDH P-256 key pair here (the shared request format,
 * docs/requests-encryption.md), sends the server only the public key, keeps the requester key in the
 * data directory (mode 0600) unless `--no-save-key`, and prints the request link alone on stdout with
 * the fingerprint of the key made here after `#` (never one the server computed), as the web does.
 * `--show-key` also prints the one-time requester key link (for another device) on stderr.
 */
export async function requestCreateCommand(options: RequestCreateOptions): Promise<void> {
  if (!options.saveKey && !options.showKey) {
    throw new CliError('--no-save-key without --show-key would leave nobody able to read the answers: add --show-key and keep the key it prints.', EXIT.usage);
  }
  const now = Date.now();
  // Check what can be checked before anything is asked or made.
  const linkLifetime = options.expires === undefined ? undefined : minutesOf(parseExpiry(options.expires, now), now);
  const answerLifetime = options.answerExpires === undefined ? undefined : minutesOf(parseExpiry(options.answerExpires, now), now);
  const { api, base } = await connectRequester(options);
  const passphrase = options.passphrase ? await newPassphrase('responders') : undefined;
  const keys = await generateRequesterKeyPair();
  const created = await api.create({
    public_key: keys.publicKey,
    key_algorithm: 'P-256',
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.from !== undefined ? { requester_name: options.from } : {}),
    ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    ...(linkLifetime !== undefined ? { expire_after_minutes: linkLifetime } : {}),
    ...(options.answers !== undefined ? { answers_allowed: options.answers } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(answerLifetime !== undefined ? { answer_expire_after_minutes: answerLifetime } : {}),
    ...(options.answerViews !== undefined ? { answer_expire_after_views: options.answerViews } : {}),
  });
  // The server knows its public address; the fingerprint is the one of the key made here.
  const siteRoot = created.url.slice(0, created.url.lastIndexOf(`/req/${created.token}`));
  const link = `${siteRoot}/req/${created.token}#${await keyFingerprint(keys.publicKey)}`;
  const keyLink = `${siteRoot}/dashboard/requests/${created.token}#key=${keys.requesterKey}`;
  const keyFile = requesterKeyFilePath(process.env);
  if (options.saveKey) {
    saveRequesterKey(keyFile, { server: base, token: created.token, publicKey: keys.publicKey, requesterKey: keys.requesterKey, name: created.name, savedAt: new Date(now).toISOString() });
  }

  if (options.json) {
    const summary = {
      link,
      token: created.token,
      server: base,
      name: created.name,
      requester_name: created.requester_name,
      answers_allowed: created.answers_allowed,
      expires_at: created.expires_at,
      passphrase_protected: created.passphrase_protected,
      answer_expire_after_minutes: created.answer_expire_after_minutes,
      answer_expire_after_views: created.answer_expire_after_views,
      key_fingerprint: created.key_fingerprint,
      requester_key_file: options.saveKey ? keyFile : null,
      ...(options.showKey ? { requester_key_link: keyLink } : {}),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(`${link}\n`);
  }
  const closes = new Date(created.expires_at);
  notice(`Takes ${plural(created.answers_allowed, 'answer')} until ${utcTime(closes)} (${relativeTime(closes, Date.now())}).`);
  notice(`Each answer is kept for ${plural(created.answer_expire_after_views, 'view')} or ${duration(created.answer_expire_after_minutes)}, whichever comes first.`);
  notice('Answers are encrypted on the responder\'s side to a key made here: the server cannot read them.');
  if (options.saveKey) notice(`The requester key is saved in ${keyFile} (readable only by you): passdrop request read uses it.`);
  if (options.showKey) {
    notice(`Requester key link, to read the answers on another device (keep it secret, like a password):\n${keyLink}`);
  }
  notice('Without the requester key nobody can ever read the answers: not the server, not its administrators.');
  if (created.passphrase_protected) notice('Responders need the passphrase: tell it through another channel.');
  if (options.qr) process.stderr.write(await QRCode.toString(link, { type: 'terminal', small: true, errorCorrectionLevel: 'M' }));
}
