import { answerFileKey, decodeFilesAnswer, importRequesterKey, openAnswer, RequestCryptoError } from '../../../../src/crypto/requests/request-answer-format.js';
import { downloadFiles } from '../file-transfer.js';
import { CliError, EXIT } from '../exit-codes.js';
import { relativeTime, utcTime } from '../expiry-summary.js';
import { parseRequestReference, requesterKeyFrom } from '../request-address.js';
import type { AnswerViewJson, RequestApi } from '../request-api.js';
import { connectRequester, type RequesterOptions } from '../request-connection.js';
import { findRequesterKey, requesterKeyFilePath, saveRequesterKey, storedRequesterKeys, type StoredRequesterKey } from '../requester-key-store.js';
import { notice } from '../server-selection.js';
import { askHidden, askYesNo, withTerminal, type Terminal } from '../terminal-prompts.js';

export interface RequestReadOptions extends RequesterOptions {
  /** The request the answer belongs to, when ANSWER is a bare answer id. */
  readonly request?: string;
  readonly yes?: boolean;
  /** An answer with files: the directory to save them in (default: the current one). */
  readonly output?: string;
}

const ANSWER_ID = /^[A-Za-z0-9_-]{10,64}$/;

/** Finds which request an answer belongs to: `REQUEST/ANSWER`, `--request`, or a search of the requests whose keys are kept here. */
async function locate(answerText: string, options: RequestReadOptions): Promise<{ api: RequestApi; base: string; token: string; answer: AnswerViewJson }> {
  const slash = answerText.lastIndexOf('/');
  const answerId = slash >= 0 ? answerText.slice(slash + 1) : answerText;
  if (!ANSWER_ID.test(answerId)) throw new CliError(`"${answerText}" is not an answer (REQUEST/ANSWER, as passdrop request answers shows).`, EXIT.usage);
  const reference = slash >= 0 ? answerText.slice(0, slash) : options.request;
  if (reference !== undefined) {
    const { server, token } = parseRequestReference(reference);
    const { api, base } = await connectRequester(options, server);
    const answer = (await api.answers(token)).find((entry) => entry.answer_id === answerId);
    if (!answer) throw new CliError(`Request ${token} has no answer ${answerId}.`, EXIT.notFound);
    return { api, base, token, answer };
  }
  const { api, base } = await connectRequester(options);
  for (const key of storedRequesterKeys(requesterKeyFilePath(process.env), base).reverse()) {
    let answers: AnswerViewJson[];
    try {
      answers = await api.answers(key.token);
    } catch (error) {
      // A request deleted on the server (or another account's) is skipped, not fatal.
      if (error instanceof CliError && error.exitCode === EXIT.notFound) continue;
      throw error;
    }
    const answer = answers.find((entry) => entry.answer_id === answerId);
    if (answer) return { api, base, token: key.token, answer };
  }
  throw new CliError(`No request whose key is kept here has an answer ${answerId}: name its request (passdrop request read REQUEST/ANSWER).`, EXIT.notFound);
}

/**
 * The requester key of a request: kept here by `passdrop request`, else PASSDROP_REQUESTER_KEY, else a
 * hidden prompt (the key, or the key link). A key from elsewhere that fits is kept here for next time.
 * The key must fit the public key the server shows: a mismatch means a wrong key or a swapped public key.
 */
async function requesterKeyFor(base: string, token: string, publicKey: string, terminal: () => Terminal | undefined): Promise<{ key: StoredRequesterKey; privateKey: CryptoKey }> {
  const keyFile = requesterKeyFilePath(process.env);
  const stored = findRequesterKey(keyFile, base, token);
  if (stored) {
    if (stored.publicKey !== publicKey) {
      throw new CliError(
        `The server now shows another public key for request ${token} than the one made on this machine: it was swapped. Refusing to go on.`,
        EXIT.damagedLink,
      );
    }
    return { key: stored, privateKey: await importRequesterKey(stored.requesterKey, stored.publicKey) };
  }
  let text = process.env.PASSDROP_REQUESTER_KEY;
  if (!text) {
    const tty = terminal();
    if (!tty) {
      throw new CliError(
        `No requester key for request ${token} on this machine: set PASSDROP_REQUESTER_KEY to the key or the key link, or run this in a terminal.`,
        EXIT.auth,
      );
    }
    text = await askHidden(tty, 'Requester key or key link (hidden)');
  }
  const requesterKey = requesterKeyFrom(text);
  if (!requesterKey) throw new CliError('That is not a requester key (43 characters) nor a key link (…#key=…).', EXIT.auth);
  let privateKey: CryptoKey;
  try {
    privateKey = await importRequesterKey(requesterKey, publicKey);
  } catch (error) {
    if (error instanceof RequestCryptoError) throw new CliError(`That requester key does not belong to request ${token}.`, EXIT.auth);
    throw error;
  }
  const key = { server: base, token, publicKey, requesterKey, name: '', savedAt: new Date().toISOString() };
  saveRequesterKey(keyFile, key);
  notice(`The requester key is now kept in ${keyFile} (readable only by you).`);
  return { key, privateKey };
}

/**
 * `passdrop request read ANSWER`: fetches an answer (which uses one of its views; asks before the last
 * unless --yes), opens it here with the requester key, and writes it to stdout exactly, byte for byte. An
 * answer with files: each file is downloaded, decrypted and checked into --output (paths on stdout).
 */
export async function requestReadCommand(answerText: string, options: RequestReadOptions): Promise<void> {
  const { api, base, token, answer } = await locate(answerText, options);
  if (answer.expired) throw new CliError(`This answer has expired (${answer.expire_reason ?? 'gone'}): it is deleted.`, EXIT.notFound);
  await withTerminal(async (terminal) => {
    const request = await api.show(token);
    // The key is checked before a view is used: a missing key must not cost the answer a view.
    const { key, privateKey } = await requesterKeyFor(base, token, request.public_key, terminal);
    if (answer.views_remaining <= 1 && !options.yes) {
      const tty = terminal();
      if (!tty) throw new CliError('This is the answer\'s last view: reading it deletes it. Run in a terminal to confirm, or pass --yes.', EXIT.confirmationNeeded);
      if (!(await askYesNo(tty, 'This is the last view: the answer is deleted once read. Read it now?'))) {
        throw new CliError('Not read: the view was not used.', EXIT.confirmationNeeded);
      }
    }
    const revealed = await api.reveal(token, answer.answer_id);
    let plaintext: Uint8Array;
    try {
      plaintext = await openAnswer(revealed.ciphertext, { requestToken: token, answerId: answer.answer_id, kind: answer.kind, privateKey, publicKey: key.publicKey });
    } catch (error) {
      if (error instanceof RequestCryptoError) throw new CliError('The answer does not open with this request\'s key: it was altered, or filed under another request.', EXIT.damagedLink);
      throw error;
    }
    if (answer.kind === 'files') {
      // As `get` does for file pushes: the paths written on stdout, the message on stderr.
      const opened = decodeFilesAnswer(plaintext);
      const files = (revealed.files ?? []).map((file) => ({ ...file, name: null, content_type: null }));
      if (files.length !== opened.files) throw new CliError(`The answer names ${opened.files} files but the server lists ${files.length}: not saved.`, EXIT.damagedLink);
      const written = await downloadFiles(
        files,
        { keyFor: (position) => answerFileKey(revealed.ciphertext, { privateKey, publicKey: key.publicKey }, position), headers: api.downloadHeaders() },
        options.output ?? '.',
      );
      if (written.length > 0) process.stdout.write(`${written.join('\n')}\n`);
      if (opened.text !== '') notice(`Message: ${opened.text}`);
      notice(`Saved ${written.length} file${written.length === 1 ? '' : 's'}, decrypted here and checked.`);
    } else {
      process.stdout.write(plaintext);
      // Keep the shell prompt off the answer's last line without adding a byte to stdout.
      if (process.stdout.isTTY && plaintext.at(-1) !== 0x0a) process.stderr.write('\n');
    }
    if (revealed.answer.encryption === 'server') notice('This answer was encrypted by the server (the responder had no JavaScript): the server saw it.');
    if (revealed.answer.expired || revealed.answer.views_remaining === 0) {
      notice('That was the last view: the answer is now deleted.');
    } else {
      const until = new Date(revealed.answer.expires_at);
      notice(`${revealed.answer.views_remaining} view${revealed.answer.views_remaining === 1 ? '' : 's'} left until ${utcTime(until)} (${relativeTime(until, Date.now())}).`);
    }
  });
}
