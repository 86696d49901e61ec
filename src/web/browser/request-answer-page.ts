/**
 * The responder's page: checks the requester's public key against the fingerprint in the link's
 * fragment, refuses to encrypt when they differ or the fragment is missing, and otherwise seals the answer
 * here and posts only the sealed answer (docs/requests-encryption.md). Without JavaScript the form posts
 * the text and the server seals it (the page says so). When the request takes files, each chosen file is
 * sealed here under a file key from the same ephemeral ECDH secret as the answer (its name, type and size
 * too), uploaded by tus, and the answer (kind `files`) names the uploads.
 */
import { sealE2eFileMetadata } from '../../crypto/e2e/e2e-files.js';
import { encodeFilesAnswer, fingerprintMatches, newAnswerId, sealAnswer, startAnswer } from '../../crypto/requests/request-answer-format.js';
import { fill, jsonHeaders, linkFragment, markBusy, showError, sitePath, strings } from './dom.js';
import { formatBytes } from './file-sizes.js';
import { startSealedUpload } from './sealed-upload.js';
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
  const fromHash = linkFragment();
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

  const fileInput = form.querySelector<HTMLInputElement>('#answer-files');
  const fileList = form.querySelector<HTMLUListElement>('[data-file-list]');
  const maxFiles = Number(form.dataset.maxFiles ?? '0');
  const maxFileBytes = Number(form.dataset.maxFileBytes ?? '0');
  const maxTotalBytes = Number(form.dataset.maxTotalBytes ?? '0');
  const chosen: File[] = [];
  const statusOf = new Map<File, HTMLElement>();
  const renderFiles = () => {
    if (!fileList) return;
    fileList.replaceChildren();
    statusOf.clear();
    for (const file of chosen) {
      const item = document.createElement('li');
      const status = Object.assign(document.createElement('span'), { className: 'file-status hint' });
      const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary small', textContent: text.remove ?? 'Remove' });
      remove.addEventListener('click', () => {
        chosen.splice(chosen.indexOf(file), 1);
        renderFiles();
      });
      item.append(
        Object.assign(document.createElement('span'), { className: 'file-name', textContent: file.name }),
        ' ',
        Object.assign(document.createElement('span'), { className: 'file-size hint', textContent: formatBytes(file.size) }),
        ' ',
        remove,
        ' ',
        status,
      );
      fileList.append(item);
      statusOf.set(file, status);
    }
  };
  fileInput?.addEventListener('change', () => {
    for (const file of fileInput.files ?? []) chosen.push(file);
    fileInput.value = '';
    renderFiles();
  });
  const fileProblem = (): string | undefined => {
    if (chosen.length > maxFiles) return text.tooManyFiles;
    const big = chosen.find((file) => file.size > maxFileBytes);
    if (big) return fill(text.fileTooLarge, { name: big.name });
    if (chosen.reduce((sum, file) => sum + file.size, 0) > maxTotalBytes) return text.tooManyFiles;
    return undefined;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const issue = chosen.length > 0 ? fileProblem() : undefined;
    if (issue) return showError(error, issue);
    if (answer.value.trim() === '' && chosen.length === 0) {
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
      let sealed: { kind: 'text' | 'files'; ciphertext: string; files?: Array<{ upload_id: string; sealed_metadata: string }> };
      if (chosen.length === 0) {
        sealed = { kind: 'text', ciphertext: await sealAnswer(answer.value, { requestToken: token, answerId, kind: 'text', publicKey }) };
      } else {
        // One ephemeral key for the files and the answer: the files' keys come from the answer's ECDH secret.
        const writer = await startAnswer(publicKey);
        const files: Array<{ upload_id: string; sealed_metadata: string }> = [];
        for (const [index, file] of chosen.entries()) {
          const fileKey = await writer.fileKey(index);
          const uploadId = await uploadFile(token, file, fileKey, statusOf.get(file));
          const metadata = await sealE2eFileMetadata({ name: file.name, type: file.type, size: file.size }, fileKey);
          files.push({ upload_id: uploadId, sealed_metadata: base64Url(metadata) });
        }
        sealed = { kind: 'files', ciphertext: await writer.seal(encodeFilesAnswer(answer.value, chosen.length), { requestToken: token, answerId, kind: 'files' }), files };
      }
      const passphrase = form.querySelector<HTMLInputElement>('#answer-passphrase')?.value;
      const response = await fetch(sitePath(`/api/passdrop/v1/requests/${encodeURIComponent(token)}/answers`), {
        method: 'POST',
        headers: jsonHeaders(),
        body: JSON.stringify({ answer_id: answerId, ...sealed, ...(passphrase ? { passphrase } : {}) }),
      });
      if (response.status === 201) {
        answer.value = '';
        chosen.splice(0);
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

/** Seals one file here and uploads its record stream by tus for this request; resolves with the upload id. */
function uploadFile(token: string, file: File, fileKey: Uint8Array, status: HTMLElement | undefined): Promise<string> {
  return startSealedUpload(file, {
    fileKey,
    metadata: { request: token },
    retryDelays: [0, 1_000, 3_000, 5_000, 10_000],
    onProgress(sent, total) {
      if (status) status.textContent = fill(text.uploading, { name: file.name, percent: total === 0 ? 100 : Math.floor((sent / total) * 100) });
    },
  }).done;
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
