/**
 * One request's page for its owner: finds the request's private key in this browser (or takes the
 * requester key from a key link or the form), checks the shown link against it, and opens answers here
 * (each open uses one of the answer's views).
 */
import { base64UrlDecode } from '../../crypto/e2e/e2e-format.js';
import { decryptE2eFile, openE2eFileMetadata, type FileMetadata } from '../../crypto/e2e/e2e-files.js';
import {
  answerFileKey,
  decodeFilesAnswer,
  importRequesterKey,
  keyFingerprint,
  openAnswer,
  openAnswerText,
  RequestCryptoError,
  requesterKeyMatches,
} from '../../crypto/requests/request-answer-format.js';
import { copyText, fill, jsonHeaders, pluralFill, showError, sitePath, strings } from './dom.js';
import { downloadWorker, hasSavePicker, savePlaintextFile } from './download-stream.js';
import { formatBytes } from './file-sizes.js';
import { loadRequestKey, saveRequestKey } from './request-key-store.js';

const text = strings();
const section = document.querySelector<HTMLElement>('[data-request-key]');

function element<K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<HTMLElementTagNameMap[K]> = {}): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), properties);
}

if (section) {
  const token = section.dataset.token ?? '';
  const publicKey = section.dataset.publicKey ?? '';
  const status = section.querySelector<HTMLElement>('[data-key-status]');
  const keyForm = section.querySelector<HTMLFormElement>('[data-key-form]');
  const mismatch = section.querySelector<HTMLElement>('[data-key-mismatch]');
  let privateKey: CryptoKey | undefined;

  const say = (message: string | undefined) => {
    if (status) status.textContent = message ?? '';
  };

  /** The link on this page must carry the fingerprint of the key this browser holds: else the server changed something. */
  async function checkLink(heldPublicKey: string): Promise<void> {
    const link = section!.dataset.link ?? '';
    const fragment = link.includes('#') ? link.slice(link.indexOf('#') + 1) : '';
    const good = heldPublicKey === publicKey && fragment === (await keyFingerprint(heldPublicKey));
    if (mismatch) mismatch.hidden = good;
  }

  async function adopt(requesterKey: string): Promise<boolean> {
    try {
      const key = await importRequesterKey(requesterKey, publicKey);
      privateKey = key;
      try {
        await saveRequestKey(token, publicKey, key);
      } catch {
        say(text.noKeyStorage);
      }
      return true;
    } catch (failure) {
      if (!(failure instanceof RequestCryptoError)) throw failure;
      return false;
    }
  }

  async function start(): Promise<void> {
    // A key link (…/dashboard/requests/TOKEN#key=…) hands this browser the requester key; take it out of the address bar at once.
    const fromLink = location.hash.startsWith('#key=') ? decodeURIComponent(location.hash.slice(5)) : undefined;
    if (fromLink) history.replaceState(null, '', location.pathname + location.search);
    if (fromLink && (await adopt(fromLink))) {
      say(text.keyAdded);
      await checkLink(publicKey);
      return;
    }
    let stored;
    try {
      stored = await loadRequestKey(token);
    } catch {
      stored = undefined;
    }
    if (stored && (await requesterKeyMatches(stored.privateKey, publicKey).catch(() => false))) {
      privateKey = stored.privateKey;
      say(text.keyHere);
      await checkLink(stored.publicKey);
      return;
    }
    if (stored) {
      // The key kept here does not fit the public key the server shows now: the server swapped it.
      if (mismatch) mismatch.hidden = false;
    }
    say(fromLink ? text.keyWrong : text.keyAbsent);
    if (keyForm) keyForm.hidden = false;
  }

  keyForm?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = keyForm.querySelector<HTMLInputElement>('input[name="requester_key"]');
    const error = keyForm.querySelector<HTMLElement>('[data-form-error]');
    if (await adopt(input?.value ?? '')) {
      showError(error, '');
      keyForm.hidden = true;
      say(text.keyAdded);
      await checkLink(publicKey);
    } else {
      showError(error, text.keyWrong ?? '');
    }
  });

  const opened = document.querySelector<HTMLElement>('[data-opened-answers]');
  const openError = document.querySelector<HTMLElement>('[data-open-error]');
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-open-answer]')) {
    button.addEventListener('click', async () => {
      const answerId = button.dataset.openAnswer ?? '';
      if (!privateKey) return showError(openError, text.cannotOpen ?? '');
      showError(openError, '');
      const label = button.textContent;
      button.disabled = true;
      button.textContent = text.working ?? '…';
      try {
        const response = await fetch(sitePath(`/api/passdrop/v1/requests/${encodeURIComponent(token)}/answers/${encodeURIComponent(answerId)}/reveal`), {
          method: 'POST',
          headers: jsonHeaders(),
          body: '{}',
        });
        const json = (await response.json()) as {
          ciphertext?: string;
          code?: string;
          answer?: { kind: 'text' | 'files'; views_remaining: number; expired: boolean; created_at: string };
          files?: AnswerFile[];
          files_available_until?: string | null;
        };
        if (!response.ok || !json.ciphertext || !json.answer) {
          showError(openError, json.code === 'ANSWER_EXPIRED' ? (text.answerExpired ?? '') : (text.failed ?? ''));
          return;
        }
        let secret: string;
        const files: OpenedFile[] = [];
        try {
          if (json.answer.kind === 'files') {
            const opened = decodeFilesAnswer(await openAnswer(json.ciphertext, { requestToken: token, answerId, kind: 'files', privateKey, publicKey }));
            secret = opened.text;
            for (const file of json.files ?? []) {
              const key = await answerFileKey(json.ciphertext, { privateKey, publicKey }, file.position);
              files.push({ file, key, metadata: await openE2eFileMetadata(base64UrlDecode(file.sealed_metadata), key) });
            }
            // The answer says how many files it has: one the server held back is noticed.
            if (opened.files !== files.length) throw new RequestCryptoError('malformed', 'files are missing');
          } else {
            secret = await openAnswerText(json.ciphertext, { requestToken: token, answerId, kind: json.answer.kind, privateKey, publicKey });
          }
        } catch {
          showError(openError, text.cannotOpen ?? '');
          return;
        }
        showAnswer(answerId, secret, json.answer, files, json.files_available_until ?? null);
      } catch {
        showError(openError, text.failed ?? '');
      } finally {
        button.disabled = false;
        button.textContent = label;
      }
    });
  }

  function showAnswer(answerId: string, secret: string, answer: { views_remaining: number; expired: boolean; created_at: string }, files: OpenedFile[] = [], filesUntil: string | null = null): void {
    const when = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(answer.created_at));
    const block = element('article', { className: 'opened-answer' });
    block.dataset.openedAnswer = answerId;
    const heading = element('h3', { textContent: fill(text.answerFrom, { time: when }) });
    const details = element('details', { className: 'secret', open: true });
    const pre = element('pre', { className: 'secret-text', textContent: secret });
    pre.id = `answer-${answerId}`;
    details.append(element('summary', { textContent: text.showAnswer ?? '' }), pre);
    const copy = element('button', { type: 'button', className: 'secondary', textContent: text.copy ?? 'Copy' });
    copy.addEventListener('click', async () => {
      if (!(await copyText(secret))) return;
      copy.textContent = text.copied ?? 'Copied';
    });
    const left = answer.expired ? text.lastView : pluralFill(text, 'viewsLeft', answer.views_remaining);
    block.append(heading, details, copy, element('p', { className: 'hint', textContent: left ?? '' }));
    if (files.length > 0) block.append(fileSection(files, filesUntil));
    opened?.querySelector(`[data-opened-answer="${answerId}"]`)?.remove();
    opened?.prepend(block);
    const row = document.querySelector<HTMLElement>(`[data-answer-row="${answerId}"]`);
    const views = row?.querySelector<HTMLElement>('[data-views-left]');
    if (views) views.textContent = answer.expired ? '—' : String(answer.views_remaining);
    if (answer.expired) row?.querySelector('.actions')?.remove();
    heading.tabIndex = -1;
    heading.focus();
  }

  void start();
}

interface AnswerFile {
  readonly position: number;
  readonly size: number;
  readonly sealed_metadata: string;
  readonly url: string;
}

interface OpenedFile {
  readonly file: AnswerFile;
  readonly key: Uint8Array;
  readonly metadata: FileMetadata;
}

/** An opened answer's files: names and sizes from their sealed metadata, a download button each (decrypted here). */
function fileSection(files: readonly OpenedFile[], filesUntil: string | null): HTMLElement {
  // Starts the download worker early where downloads will need it (it is registered once per page).
  if (files.length > 0 && !hasSavePicker()) void downloadWorker();
  const section = element('section', { className: 'answer-files' });
  section.append(element('h4', { textContent: text.filesHeading ?? '' }));
  if (filesUntil) {
    const when = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(filesUntil));
    section.append(element('p', { className: 'hint', textContent: fill(text.filesUntil, { time: when }) }));
  }
  const list = element('ul', { className: 'file-list' });
  for (const entry of files) {
    const status = element('span', { className: 'file-status hint' });
    status.setAttribute('aria-live', 'polite');
    const button = element('button', { type: 'button', className: 'primary small', textContent: fill(text.downloadFile, { name: entry.metadata.name }) });
    button.dataset.downloadPosition = String(entry.file.position);
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.textContent = '';
      try {
        await saveFile(entry);
      } catch {
        status.textContent = text.fileCannotOpen ?? '';
      } finally {
        button.disabled = false;
      }
    });
    const item = element('li');
    item.append(element('span', { className: 'file-name', textContent: entry.metadata.name }), ' ', element('span', { className: 'file-size hint', textContent: formatBytes(entry.metadata.size) }), ' ', button, ' ', status);
    list.append(item);
  }
  section.append(list);
  return section;
}

/**
 * Downloads one file's record stream and decrypts it here as it arrives, saved as a push's files are
 * (savePlaintextFile: to disk as it streams where the browser allows); nothing is saved unless every record
 * authenticates.
 */
async function saveFile(entry: OpenedFile): Promise<void> {
  const response = await fetch(entry.file.url, { headers: { accept: 'application/octet-stream' } });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  await savePlaintextFile(response.body.pipeThrough(decryptE2eFile(entry.key)), entry.metadata);
}

