/**
 * The responder's page: checks the requester's public key against the fingerprint in the link's
 * fragment, refuses to encrypt when they differ or the fragment is missing, and otherwise seals the answer
 * here and posts only the sealed answer (docs/requests-encryption.md). Without JavaScript the form posts
 * the text and the server seals it (the page says so).
 */
import { fingerprintMatches, newAnswerId, sealAnswer } from '../../crypto/requests/request-answer-format.js';
import { fill, jsonHeaders, markBusy, showError, sitePath, strings } from './dom.js';
import { DEFAULT_CHARACTER_OPTIONS, generateCharacterPassword } from './password-generator.js';

const text = strings();
const form = document.querySelector<HTMLFormElement>('form[data-answer-form]');
const answer = document.querySelector<HTMLTextAreaElement>('#answer');

if (form && answer) {
  const token = form.dataset.token ?? '';
  const publicKey = form.dataset.publicKey ?? '';
  const error = form.querySelector<HTMLElement>('[data-form-error]');
  const max = Number(answer.getAttribute('maxlength') ?? '0');
  // The fingerprint is public, but keep it for this tab in case the page is reloaded without it.
  const storageKey = `passdrop-request-fingerprint-${token}`;
  const fromHash = location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : undefined;
  if (fromHash) sessionStorage.setItem(storageKey, fromHash);
  const fingerprint = fromHash ?? sessionStorage.getItem(storageKey) ?? undefined;
  if (!fingerprint) showError(error, text.brokenLink ?? '');

  const counter = document.querySelector<HTMLOutputElement>('[data-counter-for="answer"]');
  const updateCounter = () => {
    if (counter) counter.textContent = fill(text.counter, { count: [...answer.value].length, max });
  };
  answer.addEventListener('input', updateCounter);
  updateCounter();

  const visibility = form.querySelector<HTMLButtonElement>('[data-toggle-visibility]');
  visibility?.addEventListener('click', () => {
    const masked = answer.classList.toggle('masked');
    visibility.setAttribute('aria-pressed', String(masked));
    visibility.textContent = masked ? (text.show ?? 'Show') : (text.hide ?? 'Hide');
  });
  form.querySelector<HTMLButtonElement>('[data-generate-password]')?.addEventListener('click', () => {
    if (answer.value !== '' && !window.confirm(text.confirmOverwrite ?? 'Replace?')) return;
    answer.value = generateCharacterPassword(DEFAULT_CHARACTER_OPTIONS);
    answer.dispatchEvent(new Event('input'));
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (answer.value.trim() === '') {
      showError(error, text.required ?? '');
      answer.focus();
      return;
    }
    if ([...answer.value].length > max) return showError(error, fill(text.tooLong, { max }));
    // The server (or anyone between) could have swapped the key: encrypt only to the key the link names.
    if (!fingerprint) return showError(error, text.brokenLink ?? '');
    if (!(await fingerprintMatches(publicKey, fingerprint))) return showError(error, text.keyMismatch ?? '');
    showError(error, '');
    const done = markBusy(form, text.working);
    try {
      const answerId = newAnswerId();
      const ciphertext = await sealAnswer(answer.value, { requestToken: token, answerId, kind: 'text', publicKey });
      const passphrase = form.querySelector<HTMLInputElement>('#answer-passphrase')?.value;
      const response = await fetch(sitePath(`/api/passdrop/v1/requests/${encodeURIComponent(token)}/answers`), {
        method: 'POST',
        headers: jsonHeaders(),
        body: JSON.stringify({ answer_id: answerId, kind: 'text', ciphertext, ...(passphrase ? { passphrase } : {}) }),
      });
      if (response.status === 201) {
        answer.value = '';
        sessionStorage.removeItem(storageKey);
        const sent = document.querySelector<HTMLElement>('[data-answer-sent]');
        form.remove();
        if (sent) {
          sent.hidden = false;
          sent.querySelector<HTMLElement>('#sent-heading')?.focus();
        }
        return;
      }
      const json = (await response.json()) as { code?: string; details?: Array<{ message: string }> };
      const message =
        json.code === 'REQUEST_PASSPHRASE_REQUIRED' ? text.passphraseRequired
        : json.code === 'REQUEST_PASSPHRASE_INCORRECT' ? text.wrongPassphrase
        : json.code === 'REQUEST_RATE_LIMITED' ? text.tooMany
        : json.code === 'REQUEST_CLOSED' || json.code === 'REQUEST_LOCKED' || json.code === 'REQUEST_NOT_FOUND' ? text.closed
        : (json.details?.map((detail) => detail.message).join(' ') ?? text.failed);
      showError(error, message ?? '');
      done();
    } catch {
      showError(error, text.failed ?? '');
      done();
    }
  });
}
