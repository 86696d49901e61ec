/**
 * Saves a stream as a download through our own service worker (download-sw.ts), for browsers without the
 * File System Access API: the file goes to disk as it is decrypted instead of being collected in memory.
 *
 * The worker is served from our origin (/assets/download-sw.js, no inline script) and registered with the
 * narrow scope /assets/download-stream/, so it controls no page and answers only the one-time download URLs
 * announced here. The page keeps the key and decrypts; the worker pulls plaintext chunks through a
 * MessagePort only as fast as the browser writes them.
 */

import { saveBlob } from './dom.js';

/** How long a download may wait for the worker to start before the caller falls back to a Blob. */
const ACTIVATION_TIMEOUT_MS = 10_000;
/** The worker is stopped after ~30 s without events; a message every 10 s keeps it running while a download lasts. */
const KEEP_ALIVE_MS = 10_000;

let registration: Promise<ServiceWorker | undefined> | undefined;

/**
 * The active download worker, or undefined where service workers are unavailable (no secure context, a
 * private window that forbids them, an old browser) or fail to start: then the caller keeps the Blob path.
 */
export function downloadWorker(): Promise<ServiceWorker | undefined> {
  registration ??= register().catch(() => undefined);
  return registration;
}

async function register(): Promise<ServiceWorker | undefined> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return undefined;
  const script = new URL('download-sw.js', import.meta.url);
  const scope = new URL('download-stream/', import.meta.url);
  const registered = await navigator.serviceWorker.register(script, { scope: scope.pathname, type: 'classic' });
  const candidate = registered.active ?? registered.waiting ?? registered.installing;
  if (candidate === null) return undefined;
  if (candidate.state === 'activated') return candidate;
  return new Promise<ServiceWorker | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ACTIVATION_TIMEOUT_MS);
    const check = (): void => {
      if (candidate.state === 'activated') {
        clearTimeout(timer);
        resolve(candidate);
      } else if (candidate.state === 'redundant') {
        clearTimeout(timer);
        resolve(registered.active ?? undefined);
      }
    };
    candidate.addEventListener('statechange', check);
    check();
  });
}

/**
 * Saves `plaintext` as the file `name` through `worker`. Resolves when the last chunk has been handed over;
 * rejects when the stream fails (the download is then marked failed by the browser, not saved) or when the
 * person cancels the download (the stream, and so the fetch behind it, is cancelled).
 */
export async function saveThroughWorker(worker: ServiceWorker, plaintext: ReadableStream<Uint8Array>, name: string, size: number | undefined): Promise<void> {
  const id = crypto.randomUUID();
  const channel = new MessageChannel();
  const port = channel.port1;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the download worker did not answer')), ACTIVATION_TIMEOUT_MS);
    port.onmessage = (message: MessageEvent<{ type: string }>) => {
      if (message.data.type === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  worker.postMessage({ type: 'download', id, name, ...(size === undefined ? {} : { size }) }, [channel.port2]);
  await ready;

  const reader = plaintext.getReader();
  const keepAlive = setInterval(() => worker.postMessage({ type: 'keep-alive' }), KEEP_ALIVE_MS);
  const frame = Object.assign(document.createElement('iframe'), { hidden: true });
  frame.setAttribute('aria-hidden', 'true');
  try {
    await new Promise<void>((resolve, reject) => {
      port.onmessage = async (message: MessageEvent<{ type: string }>) => {
        if (message.data.type === 'cancel') {
          await reader.cancel().catch(() => undefined);
          reject(new DOMException('The download was cancelled.', 'AbortError'));
          return;
        }
        if (message.data.type !== 'pull') return;
        try {
          const { done, value } = await reader.read();
          if (done) {
            port.postMessage({ type: 'done' });
            resolve();
          } else {
            const whole = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength;
            port.postMessage({ type: 'chunk', chunk: value }, whole ? [value.buffer] : []);
          }
        } catch (error) {
          port.postMessage({ type: 'error' });
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      frame.src = new URL(`download-stream/${id}/${encodeURIComponent(name)}`, import.meta.url).href;
      document.body.append(frame);
    });
  } finally {
    clearInterval(keepAlive);
    // The browser has the last chunk; give it a moment before the frame (and its navigation) goes.
    setTimeout(() => frame.remove(), 1000);
  }
}

interface SaveFilePicker {
  (options: { suggestedName: string }): Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;
}

/** Whether this browser saves by the File System Access API (then the download worker is not needed). */
export function hasSavePicker(): boolean {
  return 'showSaveFilePicker' in window;
}

/**
 * Saves a decrypted file as it streams in, never holding it in the page where the browser allows: into
 * the file the person picks (File System Access API, committed only when the stream closes normally),
 * otherwise through the download worker; only without service workers is it collected into a Blob first.
 * Rejects, saving nothing, when the stream fails (a record that does not authenticate, a cut).
 */
export async function savePlaintextFile(plaintext: ReadableStream<Uint8Array>, file: { readonly name: string; readonly type: string; readonly size: number }): Promise<void> {
  const picker = (window as unknown as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
  if (picker) {
    const handle = await picker({ suggestedName: file.name });
    await plaintext.pipeTo(await handle.createWritable());
    return;
  }
  const worker = await downloadWorker();
  if (worker) {
    await saveThroughWorker(worker, plaintext, file.name, file.size);
    return;
  }
  saveBlob(await new Response(plaintext).blob(), file.name, file.type);
}
