/**
 * The download service worker (built as a classic script to /assets/download-sw.js; registered by
 * download-stream.ts with the narrow scope /assets/download-stream/ and nothing else).
 *
 * It lets a page without the File System Access API save a file as a stream, without holding it in memory
 * (the StreamSaver.js pattern): the page announces a download with a random id and a MessagePort, then opens
 * /assets/download-stream/<id>/<name> in a hidden frame; this worker answers that navigation with a
 * `Content-Disposition: attachment` response whose body it pulls, chunk by chunk, from the page through the
 * port. The page decrypts: the worker only ever sees plaintext chunks in flight, never a key, and keeps
 * nothing once the download ends. Each id is answered once. A stream the page ends with an error (a record
 * that fails to authenticate, a truncated file) errors the response, so the browser marks the download failed
 * instead of saving a damaged file.
 */

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface WorkerScope {
  readonly registration: { readonly scope: string };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'message', listener: (event: ExtendableMessageEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

/** What the page announces before it opens the download's URL. */
interface Announcement {
  type: 'download';
  id: string;
  name: string;
  size?: number;
}

/** Messages from the page on the port: one answer to each `pull`. */
type PageMessage = { type: 'chunk'; chunk: Uint8Array } | { type: 'done' } | { type: 'error' };

const worker = self as unknown as WorkerScope;
/** Announced downloads whose URL has not been opened yet (at most a minute). */
const announced = new Map<string, { announcement: Announcement; port: MessagePort; claimed: () => void }>();
const ANNOUNCEMENT_LIFETIME_MS = 60_000;

worker.addEventListener('install', (event) => event.waitUntil(worker.skipWaiting()));

worker.addEventListener('message', (event) => {
  const data = event.data as Partial<Announcement> | null;
  const port = event.ports[0];
  // `keep-alive` messages only exist to keep this worker running during a long download.
  if (data?.type !== 'download' || typeof data.id !== 'string' || typeof data.name !== 'string' || port === undefined) return;
  const id = data.id;
  const lifetime = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      announced.delete(id);
      resolve();
    }, ANNOUNCEMENT_LIFETIME_MS);
    const announcement: Announcement = { type: 'download', id, name: data.name ?? 'download', ...(typeof data.size === 'number' ? { size: data.size } : {}) };
    announced.set(id, { announcement, port, claimed: () => { clearTimeout(timer); resolve(); } });
  });
  // Keeps the worker (and the announcement) alive until the frame asks for the URL.
  event.waitUntil(lifetime);
  port.postMessage({ type: 'ready' });
});

worker.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (!url.href.startsWith(worker.registration.scope)) return;
  const id = decodeURIComponent(url.href.slice(worker.registration.scope.length).split('/')[0] ?? '');
  const entry = announced.get(id);
  if (entry === undefined) {
    event.respondWith(new Response('This download link was used already or has expired.', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
    return;
  }
  announced.delete(id);
  entry.claimed();
  event.respondWith(new Response(pageStream(entry.port), { headers: downloadHeaders(entry.announcement) }));
});

/** A stream that pulls its chunks from the page through `port`, a few at a time (backpressure from the disk). */
function pageStream(port: MessagePort): ReadableStream<Uint8Array> {
  let answer: ((message: PageMessage) => void) | undefined;
  port.onmessage = (message: MessageEvent<PageMessage>) => {
    const waiting = answer;
    answer = undefined;
    waiting?.(message.data);
  };
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        return new Promise<void>((resolve) => {
          answer = (message) => {
            if (message.type === 'chunk') controller.enqueue(message.chunk);
            else if (message.type === 'done') {
              controller.close();
              port.close();
            } else {
              controller.error(new Error('the file could not be decrypted'));
              port.close();
            }
            resolve();
          };
          port.postMessage({ type: 'pull' });
        });
      },
      cancel() {
        port.postMessage({ type: 'cancel' });
        port.close();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 8 }),
  );
}

function downloadHeaders(announcement: Announcement): Headers {
  const fallback = announcement.name.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'download';
  const headers = new Headers({
    'content-type': 'application/octet-stream',
    'content-disposition': `attachment; filename="${fallback}"; filename*=UTF-8''${rfc5987(announcement.name)}`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'no-store',
  });
  if (announcement.size !== undefined) headers.set('content-length', String(announcement.size));
  return headers;
}

/** Percent-encodes a header parameter value (RFC 8187: `'`, `(`, `)` and `*` too). */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
