/**
 * The recipient's list of an end-to-end file push (loaded by reveal-page.ts only for file pushes): each
 * file's name and size, opened from its sealed metadata with the key from the link, and a download button
 * each (and "download all"). A download is decrypted as a stream and written to disk as it arrives: with the
 * File System Access API into the chosen file, otherwise through our download service worker
 * (download-stream.ts). Only where service workers are unavailable is it collected into a Blob first (held
 * in memory). A file that fails to authenticate, or arrives cut short, is not saved.
 */
import { base64UrlDecode, deriveE2eFileRoot, e2eEnvelopeIterations, openE2eText } from '../../crypto/e2e/e2e-format.js';
import { decryptE2eFile, e2eFileKey, openE2eFileMetadata, type FileMetadata } from '../../crypto/e2e/e2e-files.js';
import { downloadWorker, hasSavePicker, savePlaintextFile } from './download-stream.js';
import { formatBytes } from './file-sizes.js';
import { strings } from './dom.js';
import type { RevealedFile } from './reveal-page.js';

const text = strings();

export async function showFiles(
  form: HTMLFormElement,
  revealed: { payload: string; files: RevealedFile[]; linkSecret: string; passphrase: string },
  after: Node[],
): Promise<void> {
  const { payload, files, linkSecret, passphrase } = revealed;
  // Starts the download worker early where downloads will need it (it is registered once per page).
  if (!hasSavePicker()) void downloadWorker();
  const iterations = payload === '' ? undefined : e2eEnvelopeIterations(payload);
  const message = payload === '' ? '' : await openE2eText(payload, { kind: 'file', linkSecret, ...(passphrase ? { passphrase } : {}) });
  const { fileRoot } = await deriveE2eFileRoot({ linkSecret, ...(passphrase ? { passphrase, ...(iterations ? { iterations } : {}) } : {}) });
  const opened: Array<{ file: RevealedFile; key: Uint8Array; metadata: FileMetadata }> = [];
  for (const file of files) {
    const key = await e2eFileKey(fileRoot, file.position);
    const metadata = await openE2eFileMetadata(base64UrlDecode(file.sealed_metadata ?? ''), key);
    opened.push({ file, key, metadata });
  }

  const section = document.createElement('section');
  section.className = 'revealed-files';
  const heading = Object.assign(document.createElement('h2'), { textContent: text.filesHeading ?? '' });
  section.append(heading);
  if (message !== '') section.append(Object.assign(document.createElement('p'), { className: 'file-message', textContent: message }));
  const list = Object.assign(document.createElement('ul'), { className: 'file-list' });
  const buttons: HTMLButtonElement[] = [];
  for (const entry of opened) {
    const item = document.createElement('li');
    const status = Object.assign(document.createElement('span'), { className: 'file-status hint' });
    const progress = Object.assign(document.createElement('progress'), { max: 1, value: 0, hidden: true });
    progress.setAttribute('aria-label', entry.metadata.name);
    status.setAttribute('aria-live', 'polite');
    const button = Object.assign(document.createElement('button'), { type: 'button', className: 'primary small', textContent: text.download ?? 'Download' });
    button.dataset.downloadPosition = String(entry.file.position);
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.textContent = text.downloading ?? '';
      progress.hidden = false;
      const started = performance.now();
      try {
        await download(entry.file, entry.key, entry.metadata, (received) => {
          const rate = received / Math.max((performance.now() - started) / 1000, 0.001);
          progress.value = entry.file.size === 0 ? 1 : received / entry.file.size;
          status.textContent = `${Math.floor(progress.value * 100)}% · ${formatBytes(rate)}/s · ${Math.max(0, Math.round((entry.file.size - received) / rate))} s`;
        });
        progress.value = 1;
        status.textContent = '';
      } catch {
        status.textContent = text.damaged ?? '';
      } finally {
        button.disabled = false;
      }
    });
    buttons.push(button);
    item.append(
      Object.assign(document.createElement('span'), { className: 'file-name', textContent: entry.metadata.name }),
      ' ',
      Object.assign(document.createElement('span'), { className: 'file-size hint', textContent: formatBytes(entry.metadata.size) }),
      ' ',
      button,
      progress,
      status,
    );
    list.append(item);
  }
  section.append(list);
  if (opened.length > 1) {
    const all = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: text.downloadAll ?? '' });
    all.addEventListener('click', async () => {
      for (const button of buttons) button.click();
    });
    section.append(all);
  }
  const result = document.querySelector<HTMLElement>('[data-reveal-result]') ?? form;
  form.replaceWith(section, ...after);
  if (result !== form) result.remove();
  heading.tabIndex = -1;
  heading.focus();
}

/** Downloads, decrypts and saves one file; `onProgress` hears the bytes received (of `file.size`, the record stream's). */
async function download(file: RevealedFile, key: Uint8Array, metadata: FileMetadata, onProgress: (received: number) => void): Promise<void> {
  const response = await fetch(file.url);
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  let received = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.length;
        onProgress(received);
        controller.enqueue(chunk);
      },
    }),
  );
  await savePlaintextFile(counted.pipeThrough(decryptE2eFile(key)), metadata);
}

