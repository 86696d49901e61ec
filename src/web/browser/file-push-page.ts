/**
 * The Files tab: chosen files (drag and drop or the picker) listed with their sizes and checked against the
 * server's limits; on submit each file is sealed here with the record format under its end-to-end file
 * key (docs/file-encryption.md), uploaded resumably with tus-js-client (a dropped connection retries from
 * where the server stopped) with a progress bar, speed and time left, and the push is created from the
 * uploads with the files' sealed names. Cancel stops the uploads and deletes what was sent.
 */
import type * as tus from 'tus-js-client';
import { deriveE2eFileRoot, e2eEnvelopeIterations, newLinkSecret, sealE2e } from '../../crypto/e2e/e2e-format.js';
import { e2eFileKey, sealE2eFileMetadata } from '../../crypto/e2e/e2e-files.js';
import { formatBytes } from './file-sizes.js';
import { startSealedUpload, type SealedUpload } from './sealed-upload.js';
import { fill, hasWebCrypto, jsonHeaders, markBusy, previewQuery, showError, sitePath, strings } from './dom.js';

const text = strings();
/** The uploads of one submission, and whether the sender cancelled it. */
interface Running {
  readonly uploads: SealedUpload[];
  cancelled: boolean;
}

const RETRY_DELAYS = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000, 60_000];
const form = document.querySelector<HTMLFormElement>('form.file-push-form');

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  const whole = Math.max(0, Math.round(seconds));
  return whole >= 60 ? `${Math.floor(whole / 60)} min ${whole % 60} s` : `${whole} s`;
}

if (form) {
  const input = form.querySelector<HTMLInputElement>('#files')!;
  const list = form.querySelector<HTMLUListElement>('[data-file-list]')!;
  const zone = form.querySelector<HTMLElement>('[data-drop-zone]')!;
  const error = form.querySelector<HTMLElement>('[data-form-error]');
  const cancelButton = form.querySelector<HTMLButtonElement>('[data-cancel]');
  const maxFiles = Number(form.dataset.maxFiles);
  const maxFileBytes = Number(form.dataset.maxFileBytes);
  const maxPushBytes = Number(form.dataset.maxPushBytes);
  const chosen: File[] = [];
  const rows = new Map<File, { progress: HTMLProgressElement; status: HTMLElement }>();

  if (!hasWebCrypto()) {
    showError(error, text.insecureOrigin ?? '');
    form.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled = true;
  }

  const problem = (): string | undefined => {
    if (chosen.length === 0) return text.none;
    if (chosen.length > maxFiles) return text.tooMany;
    const big = chosen.find((file) => file.size > maxFileBytes);
    if (big) return fill(text.fileTooLarge, { name: big.name });
    if (chosen.reduce((sum, file) => sum + file.size, 0) > maxPushBytes) return text.pushTooLarge;
    const views = form.querySelector<HTMLInputElement>('#expire_after_views');
    if (views && !views.checkValidity()) return text.viewsOutOfRange;
    return undefined;
  };

  const render = () => {
    list.replaceChildren();
    rows.clear();
    for (const file of chosen) {
      const item = document.createElement('li');
      const name = Object.assign(document.createElement('span'), { className: 'file-name', textContent: file.name });
      const size = Object.assign(document.createElement('span'), { className: 'file-size hint', textContent: formatBytes(file.size) });
      const progress = Object.assign(document.createElement('progress'), { max: 1, value: 0, hidden: true });
      progress.setAttribute('aria-label', file.name);
      const status = Object.assign(document.createElement('span'), { className: 'file-status hint' });
      const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary small', textContent: text.remove ?? 'Remove' });
      remove.addEventListener('click', () => {
        chosen.splice(chosen.indexOf(file), 1);
        render();
      });
      item.append(name, ' ', size, ' ', remove, progress, status);
      list.append(item);
      rows.set(file, { progress, status });
    }
    showError(error, chosen.length > 0 ? (problem() ?? '') : '');
  };

  const add = (files: FileList | null) => {
    for (const file of files ?? []) chosen.push(file);
    render();
  };
  input.addEventListener('change', () => {
    add(input.files);
    input.value = '';
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    if (input.disabled) return;
    add(event.dataTransfer?.files ?? null);
  });

  let running: Running | undefined;
  cancelButton?.addEventListener('click', async () => {
    if (!running) return;
    running.cancelled = true;
    // abort(true) stops the upload and asks the server to delete it (tus termination).
    await Promise.all(running.uploads.map((upload) => upload.abort().catch(() => undefined)));
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const issue = problem();
    if (issue) return showError(error, issue);
    showError(error, '');
    const busy = markBusy(form, text.working);
    // The chosen files are fixed while they go up: no removing one, adding more or dropping more.
    const controls = [input, ...list.querySelectorAll<HTMLButtonElement>('button')];
    for (const control of controls) control.disabled = true;
    const done = () => {
      busy();
      for (const control of controls) control.disabled = false;
    };
    running = { uploads: [], cancelled: false };
    if (cancelButton) cancelButton.hidden = false;
    try {
      const location = await send(form, chosen, rows, running);
      window.location.assign(location);
    } catch (failure) {
      showError(error, running.cancelled ? (text.cancelled ?? '') : failure instanceof Error && failure.message ? failure.message : (text.failed ?? ''));
      done();
    } finally {
      if (cancelButton) cancelButton.hidden = true;
    }
  });
}

/** Uploads every file, then creates the push; resolves with the share page's address (the key after #). */
async function send(form: HTMLFormElement, files: readonly File[], rows: Map<File, { progress: HTMLProgressElement; status: HTMLElement }>, running: Running): Promise<string> {
  const data = new FormData(form);
  const passphrase = String(data.get('passphrase') ?? '');
  const linkSecret = newLinkSecret();
  // An empty message: its envelope carries the passphrase's iterations and gives the link and access proofs.
  const sealed = await sealE2e('', { kind: 'file', linkSecret, ...(passphrase ? { passphrase } : {}) });
  const { fileRoot } = await deriveE2eFileRoot({ linkSecret, ...(passphrase ? { passphrase, iterations: e2eEnvelopeIterations(sealed.ciphertext) } : {}) });
  const attached: Array<{ upload_id: string; sealed_metadata: string }> = [];
  for (const [index, file] of files.entries()) {
    const fileKey = await e2eFileKey(fileRoot, index);
    const row = rows.get(file)!;
    const uploadId = await uploadOne(file, fileKey, row, running);
    const metadata = await sealE2eFileMetadata({ name: file.name, type: file.type, size: file.size }, fileKey);
    attached.push({ upload_id: uploadId, sealed_metadata: base64Url(metadata) });
  }
  const body: Record<string, unknown> = {
    kind: 'file',
    encryption: 'client',
    payload: sealed.ciphertext,
    files: attached,
    expire_after_minutes: Number(data.get('expire_after_minutes')),
    expire_after_views: Number(data.get('expire_after_views')),
  };
  if (sealed.accessProof) body.access_proof = sealed.accessProof;
  if (sealed.linkProof) body.link_proof = sealed.linkProof;
  const pushLocale = String(data.get('push_locale') ?? '');
  if (pushLocale) body.push_locale = pushLocale;
  const response = await fetch(sitePath('/api/passdrop/v1/pushes'), { method: 'POST', headers: jsonHeaders(), body: JSON.stringify(body) });
  const json = (await response.json()) as { token?: string; error?: string; details?: Array<{ message: string }> };
  if (!response.ok || !json.token) throw new Error(json.details?.map((detail) => detail.message).join(' ') ?? json.error ?? text.failed);
  return `${sitePath(`/p/${json.token}/preview`)}${previewQuery({ push_locale: pushLocale })}#${linkSecret}`;
}

function uploadOne(file: File, fileKey: Uint8Array, row: { progress: HTMLProgressElement; status: HTMLElement }, running: Running): Promise<string> {
  const started = performance.now();
  row.progress.hidden = false;
  if (running.cancelled) return Promise.reject(new Error(text.cancelled));
  const upload = startSealedUpload(file, {
    fileKey,
    retryDelays: RETRY_DELAYS,
    onShouldRetry: retryable,
    onProgress(sent, total) {
      const seconds = (performance.now() - started) / 1000;
      const rate = sent / Math.max(seconds, 0.001);
      row.progress.value = total === 0 ? 1 : sent / total;
      row.status.textContent = fill(text.progress, { percent: Math.floor(row.progress.value * 100), speed: `${formatBytes(rate)}/s`, left: formatSeconds((total - sent) / rate) });
    },
  });
  running.uploads.push(upload);
  return upload.done.then((id) => {
    row.progress.value = 1;
    row.status.textContent = text.done ?? '';
    return id;
  });
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * tus-js-client's rule (no answer, 5xx, 409, 423) plus 429: many requests of a large file can meet the
 * server's per-minute API limit, and the longer retry delays outlast its window.
 */
function retryable(error: tus.DetailedError): boolean {
  if (typeof navigator !== 'undefined' && 'onLine' in navigator && navigator.onLine === false) return false;
  const status = error.originalResponse?.getStatus() ?? 0;
  return status === 0 || status >= 500 || status === 409 || status === 423 || status === 429;
}
