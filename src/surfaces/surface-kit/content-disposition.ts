import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FastifyReply } from 'fastify';
import type { DownloadResult } from '../../files/file-push-service.js';

/**
 * RFC 6266 `attachment` with an ASCII fallback and the UTF-8 name (RFC 8187), for file downloads.
 *
 * @example reply.header('content-disposition', contentDisposition('report ü.pdf'));
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Streams a file of a file push to the recipient: `no-store`, the type (octet-stream for end-to-end files,
 * whose name and type the server cannot know: they are named `file-N.passdrop`), the exact length, and
 * `nosniff`. The same answer on Password Pusher's download URL and Passdrop's.
 */
export function sendFileDownload(reply: FastifyReply, result: Extract<DownloadResult, { ok: true }>): FastifyReply {
  const { file } = result;
  const name = result.endToEnd ? `file-${file.position + 1}.passdrop` : file.name;
  return reply
    .header('cache-control', 'no-store')
    .header('content-type', result.endToEnd ? 'application/octet-stream' : file.contentType)
    .header('content-disposition', contentDisposition(name))
    .header('x-content-type-options', 'nosniff')
    .header('content-length', String(file.size))
    .send(Readable.fromWeb(result.body as NodeReadableStream<Uint8Array>));
}
