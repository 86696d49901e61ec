import { fingerprintMatches, newAnswerId, sealAnswer } from '../../../../src/crypto/requests/request-answer-format.js';
import { characterCount } from '../../../../src/pushes/push-validation.js';
import { CliError, EXIT } from '../exit-codes.js';
import { relativeTime, utcTime } from '../expiry-summary.js';
import { passdropFailure } from '../passdrop-server.js';
import { knownPassphrase } from '../passphrase-input.js';
import { parseRequestLink } from '../request-address.js';
import { requestApi } from '../request-api.js';
import { readSecret } from '../secret-input.js';
import { notice } from '../server-selection.js';
import { withTerminal } from '../terminal-prompts.js';

export interface AnswerOptions {
  readonly file?: string;
  readonly json?: boolean;
}

/**
 * `passdrop answer LINK`: answers a request. The requester's public key comes from the server and must
 * match the fingerprint after `#` in the link (docs/requests-encryption.md), else nothing is read or
 * sent. The secret comes from stdin, --file or a hidden prompt (never argv) and is sealed here to that
 * key; the server receives only the sealed answer. No API token is ever sent: answering needs no account.
 */
export async function answerCommand(linkText: string, options: AnswerOptions): Promise<void> {
  const link = parseRequestLink(linkText);
  if (!link) throw new CliError(`"${linkText}" is not a request link (…/req/TOKEN#FINGERPRINT).`, EXIT.usage);
  if (!link.fingerprint) {
    throw new CliError("The link is incomplete: the key's fingerprint (the part after #) is missing, so the answer cannot be checked to reach the right person. Copy the whole link again.", EXIT.damagedLink);
  }
  const api = requestApi(link.server, undefined);
  const form = await api.form(link.token);
  if (!(await fingerprintMatches(form.public_key, link.fingerprint))) {
    throw new CliError(
      "The server's key for this request does not match the link's fingerprint: the link is damaged, or the server swapped the key. Nothing was sent. Ask the requester for the link again.",
      EXIT.damagedLink,
    );
  }
  const closes = new Date(form.expires_at);
  notice(`${form.requester_name} asks you for a secret (open until ${utcTime(closes)}, ${relativeTime(closes, Date.now())}).`);
  if (form.instructions) notice(`Instructions: ${form.instructions}`);

  await withTerminal(async (terminal) => {
    const secret = await readSecret(options.file);
    if (secret.bytes.length === 0) throw new CliError(`The answer is empty (read from ${secret.source}).`, EXIT.usage);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(secret.bytes);
    } catch {
      throw new CliError('Answers are text: this is not UTF-8 (file answers come later).', EXIT.usage);
    }
    if (characterCount(text) > form.max_characters) {
      throw new CliError(`The answer has ${characterCount(text)} characters; this request takes at most ${form.max_characters}.`, EXIT.usage);
    }
    let passphrase = form.passphrase_required ? await knownPassphrase(1, terminal, 'This request') : undefined;
    for (let attempt = 1; ; attempt += 1) {
      // A fresh id for every attempt: the id is bound into the sealed answer, and a refused one is never stored.
      const answerId = newAnswerId();
      const ciphertext = await sealAnswer(secret.bytes, { requestToken: link.token, answerId, kind: 'text', publicKey: form.public_key });
      const response = await api.sendAnswer(link.token, { answer_id: answerId, kind: 'text', ciphertext, ...(passphrase !== undefined ? { passphrase } : {}) });
      const code = (response.body as { code?: string } | undefined)?.code;
      if ((code === 'REQUEST_PASSPHRASE_INCORRECT' || code === 'REQUEST_PASSPHRASE_REQUIRED') && attempt < 3) {
        passphrase = await knownPassphrase(attempt + 1, terminal, 'This request');
        continue;
      }
      if (response.status !== 201) throw passdropFailure(response, 'The server refused the answer');
      if (options.json) process.stdout.write(`${JSON.stringify(response.body, null, 2)}\n`);
      notice(`Sent, encrypted on this machine: only ${form.requester_name} (the holder of the request's key) can read it; the server cannot.`);
      return;
    }
  });
}
