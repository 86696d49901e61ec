import QRCode from 'qrcode';
import { CliError, EXIT } from '../exit-codes.js';
import { parseExpiry } from '../expiry-option.js';
import { expirySummary } from '../expiry-summary.js';
import { basename } from 'node:path';
import type { Expiry } from '../expiry-option.js';
import { checkFiles } from '../file-transfer.js';
import { newPendingPushId, pendingPushDirectory, pendingPushExists, removePendingPush } from '../pending-pushes.js';
import type { CliPushKind, CreatedPush, PushServer } from '../push-server.js';
import { newPassphrase } from '../passphrase-input.js';
import { readSecret } from '../secret-input.js';
import { connectNamedServer, notice, type ServerOptions } from '../server-selection.js';

export interface PushOptions extends ServerOptions {
  /** --file, as often as given. */
  readonly file?: readonly string[];
  readonly views?: number;
  readonly expires?: string;
  readonly passphrase?: boolean;
  readonly retrievalStep?: boolean;
  readonly deletable?: boolean;
  readonly name?: string;
  readonly note?: string;
  readonly kind: CliPushKind | 'file';
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
  const paths = options.file ?? [];
  if (options.kind === 'file' || paths.length > 1) {
    if (paths.length === 0) throw new CliError('A file push needs at least one --file PATH.', EXIT.usage);
    await checkFiles(paths);
    await pushFiles(await connectNamedServer(options), paths, options, expiry);
    return;
  }
  const server = await connectNamedServer(options);
  const secret = await readSecret(paths[0]);
  let payload = secret.bytes;
  if (options.kind === 'url') {
    // A URL cannot hold surrounding whitespace; `echo URL |` adds a newline.
    payload = new TextEncoder().encode(new TextDecoder().decode(payload).trim());
  }
  if (payload.length === 0) throw new CliError(`The secret is empty (read from ${secret.source}).`, EXIT.usage);
  const passphrase = options.passphrase ? await newPassphrase('the recipient') : undefined;
  const created = await server.create({
    kind: options.kind as CliPushKind,
    payload,
    ...pushSettings(options, expiry, passphrase),
  });
  await report(created, server, options);
}

/** The lifecycle settings every kind of push takes from the command line. */
function pushSettings(options: PushOptions, expiry: Expiry | undefined, passphrase: string | undefined) {
  return {
    passphrase,
    expiry,
    views: options.views,
    retrievalStep: options.retrievalStep,
    deletableByViewer: options.deletable,
    name: options.name,
    note: options.note,
  };
}

/** `passdrop push --file A --file B`: a file push, every file encrypted here and uploaded resumably. */
async function pushFiles(server: PushServer, paths: readonly string[], options: PushOptions, expiry: Expiry | undefined): Promise<void> {
  if (!server.createFilePush) throw new CliError(`${server.base} is a Password Pusher server: push files to it with pwpush-cli push-file.`, EXIT.usage);
  const sizes = await checkFiles(paths);
  const passphrase = options.passphrase ? await newPassphrase('the recipient') : undefined;
  const progress = progressReporter(paths, sizes);
  const directory = pendingPushDirectory(process.env);
  const id = newPendingPushId();
  const created = await whileResumable(directory, id, true, () =>
    server.createFilePush!({
      paths,
      ...pushSettings(options, expiry, passphrase),
      pending: { directory, id, output: { json: options.json === true, qr: options.qr === true } },
      onProgress: progress,
    }),
  );
  await report(created, server, options);
}

/**
 * Runs the uploads of pending push `id`, telling the person how to continue when they are cut short: by
 * Ctrl-C (exit 130) or by the network (exit 5; tus-js-client has retried for about two minutes by then).
 * A failure resuming cannot mend (the server refused the files) forgets the push when `forgetOnRefusal`.
 */
export async function whileResumable<T>(directory: string, id: string, forgetOnRefusal: boolean, run: () => Promise<T>): Promise<T> {
  const interrupted = () => {
    if (pendingPushExists(directory, id)) {
      process.stderr.write(`\npassdrop: interrupted. The files sent so far stay on the server for a while: finish the push with\n  passdrop resume ${id}\n`);
    }
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await run();
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.network && pendingPushExists(directory, id)) {
      throw new CliError(`${error.message}\nFinish the push once the server is reachable again with\n  passdrop resume ${id}`, error.exitCode);
    }
    if (forgetOnRefusal) removePendingPush(directory, id);
    throw error;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

/** Progress on stderr when it is a terminal: each file's percentage, speed and time left. */
export function progressReporter(paths: readonly string[], sizes: readonly number[]): (index: number, sent: number, total: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  const started = Date.now();
  let last = 0;
  return (index, sent, total) => {
    const now = Date.now();
    if (now - last < 200 && sent < total) return;
    last = now;
    const seconds = Math.max(0.001, (now - started) / 1000);
    const rate = sent / seconds;
    const left = rate > 0 ? Math.ceil((total - sent) / rate) : 0;
    const percent = total === 0 ? 100 : Math.floor((sent / total) * 100);
    process.stderr.write(`\r${basename(paths[index]!)} (${index + 1}/${paths.length}, ${sizes[index]} bytes): ${percent}% at ${(rate / 1048576).toFixed(1)} MiB/s, ${left}s left   `);
    if (sent === total) process.stderr.write('\n');
  };
}

/** Prints a created push: the link alone on stdout (or --json), the summary on stderr (also used by resume). */
export async function report(created: CreatedPush, server: PushServer, options: Pick<PushOptions, 'json' | 'qr' | 'kind'>): Promise<void> {
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
