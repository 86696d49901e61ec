/**
 * Resumable uploads over the tus protocol 1.0 (https://tus.io/protocols/resumable-upload), served by
 * `@tus/server` inside this surface, so they pass its authentication (API token or session with CSRF), its
 * rate limits and its error rendering. Paths relative to `/api/passdrop/v1`:
 *
 *   POST   /uploads        creation (Upload-Length required; Upload-Metadata `mode` e2e|server, and in
 *                          server mode `filename`, `filetype`); refusals answer the catalogue's JSON
 *   HEAD   /uploads/:id    where to resume (Upload-Offset)
 *   PATCH  /uploads/:id    more bytes (application/offset+octet-stream)
 *   DELETE /uploads/:id    cancel: the upload and every byte of it are deleted
 *
 * The rules (who, how big, quota, free disk) are file-upload-service.ts's; this file adapts HTTP.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Metadata, Server as TusServer } from '@tus/server';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../../crypto/random-token.js';
import { AppError } from '../../errors/app-error.js';
import type { FileUploadService } from '../../files/file-upload-service.js';
import type { SiteAddress } from '../surface-kit/public-url.js';
import { refusalError } from './passdrop-api-errors.js';
import { ErrorBody } from './push-api-schemas.js';
import { PASSDROP_API_PREFIX } from './passdrop-api-prefix.js';

/** What a tus hook needs to know of the Fastify request it runs for. */
interface UploadRequestContext {
  /** The metadata the service checked and completed (POST only). */
  readonly metadata?: Record<string, string | null>;
  /** Where uploads live, as the client reached this server: the Location of a new upload is under it. */
  readonly uploadsUrl: string;
  /** The request's logger, for failures @tus/server would otherwise describe to the client. */
  readonly log: FastifyBaseLogger;
}

const UPLOAD_ID = /^[A-Za-z0-9_-]{22}$/;

const tags = ['Passdrop API'];
const idParams = { type: 'object', properties: { id: { type: 'string', examples: ['upl_3pWb0xYkqjvAQ2u7SLtN3r'] } }, required: ['id'] } as const;
/** OpenAPI descriptions only: tus requests are validated by @tus/server, their bodies never parsed here. */
const uploadSchemas = {
  create: {
    tags,
    summary: 'Start a resumable upload (tus 1.0 creation)',
    description:
      'Headers: Tus-Resumable: 1.0.0, Upload-Length (bytes; deferred lengths are refused), Upload-Metadata with `mode` ' +
      '(`e2e`, the default: the body is a record stream the client sealed, and no name or type is sent; or `server`: plaintext ' +
      'the server seals at rest as it arrives, with `filename` and `filetype`). With `request` (a request\'s token) the upload is a file ' +
      'of an answer to that request: no account needed, end to end only, the request must be open and allow files (404, 410, 400). ' +
      'Answers 201 with Location, the upload URL. ' +
      'Refused with 413 (per-file limit, account quota: its files plus its uploads not yet in a push) or 507 (free-disk floor). ' +
      'An upload that receives no bytes and is not attached to a push for PASSDROP_FILE_ABANDONED_UPLOAD_HOURS is deleted.',
    response: { 400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 507: ErrorBody },
  },
  offset: { tags, summary: 'Where a resumable upload stands (tus HEAD: Upload-Offset, Upload-Length)', params: idParams },
  append: {
    tags,
    summary: 'Send more bytes of a resumable upload (tus PATCH, application/offset+octet-stream)',
    description: 'Upload-Offset must equal the stored offset. Bytes that arrived before a dropped connection are kept: HEAD tells where to resume.',
    params: idParams,
  },
  cancel: { tags, summary: 'Cancel a resumable upload (tus termination): every byte of it is deleted', params: idParams },
} as const;
/** Headers Fastify or Node set themselves, or that describe the connection rather than the answer. */
const SKIPPED_RESPONSE_HEADERS = new Set(['connection', 'content-length', 'transfer-encoding']);

/** Unread request bytes thrown away after an early answer before the connection is closed instead. */
const DISCARDED_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * After @tus/server answers without reading the whole body (409 for a wrong Upload-Offset, a refusal), the
 * rest of it is read and dropped, so the client finishes sending and sees the answer at once. Left unread,
 * the body stalls the connection: Readable.toWeb keeps Node from draining it, and Chromium, which re-sends
 * a PATCH cut on a reused connection from its start, waited about 50 s for its 409 before resuming. Past
 * DISCARDED_BODY_LIMIT bytes the connection is closed once the answer is out.
 */
function discardUnreadBody(raw: IncomingMessage, response: ServerResponse): void {
  if (raw.readableEnded || raw.destroyed) return;
  // Readable.toWeb's listener would queue the bytes for a stream nobody reads any more.
  raw.removeAllListeners('data');
  let discarded = 0;
  raw.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded <= DISCARDED_BODY_LIMIT) return;
    raw.pause();
    if (response.writableFinished) raw.socket.destroy();
    else response.once('finish', () => raw.socket.destroy());
  });
  raw.resume();
}

export function registerUploadApiRoutes(app: FastifyInstance, deps: { uploads: FileUploadService; site: SiteAddress }): void {
  const { uploads, site } = deps;
  const current = new AsyncLocalStorage<UploadRequestContext>();
  const tus = new TusServer({
    path: `${PASSDROP_API_PREFIX}/uploads`,
    datastore: uploads.dataStore,
    // 128 bits from the CSPRNG: for an anonymous upload the id is the only thing that admits its uploader.
    namingFunction: () => randomToken(16),
    generateUrl: (_request, { id }) => `${current.getStore()!.uploadsUrl}/${id}`,
    getFileIdFromRequest: (_request, lastPath) => (lastPath !== undefined && UPLOAD_ID.test(lastPath) ? lastPath : undefined),
    // Same origin only: no Access-Control-Allow-Origin at all.
    allowedOrigins: [],
    respectForwardedHeaders: false,
    // A failure that is not a tus answer (a bug, the database away) is logged here and answered with a
    // bare 500: @tus/server would otherwise send the error's message to the client.
    onResponseError(_request, error) {
      if ('status_code' in error && typeof error.status_code === 'number') return undefined;
      // Also a dropped connection ends here (what arrived was kept): a warning, not an error.
      current.getStore()?.log.warn({ err: error }, 'a resumable upload request failed');
      return { status_code: 500, body: 'The server could not handle this upload request.\n' };
    },
    async onUploadCreate(_request, upload) {
      return { metadata: { ...(current.getStore()?.metadata ?? upload.metadata) } };
    },
  });

  async function delegate(request: FastifyRequest, reply: FastifyReply, context: UploadRequestContext): Promise<FastifyReply> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const hasBody = request.method === 'PATCH' || request.method === 'POST';
    const webRequest = new Request(`http://passdrop.invalid${request.url}`, {
      method: request.method,
      headers,
      ...(hasBody ? { body: Readable.toWeb(request.raw) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
    } as RequestInit);
    const response = await current.run(context, () => tus.handleWeb(webRequest));
    if (hasBody) discardUnreadBody(request.raw, reply.raw);
    reply.code(response.status).header('cache-control', 'no-store');
    response.headers.forEach((value, name) => {
      if (!SKIPPED_RESPONSE_HEADERS.has(name)) reply.header(name, value);
    });
    if (!response.body || request.method === 'HEAD') return reply.send();
    return reply.send(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>));
  }

  const uploadsUrl = (request: FastifyRequest) => `${site.publicUrl(request).replace(/\/$/, '')}${PASSDROP_API_PREFIX}/uploads`;

  app.register(async (scope) => {
    // tus bodies are streamed to the blob store by @tus/server: Fastify must leave them unread.
    scope.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
    const access = { access: 'visitor' } as const;

    scope.post('/uploads', { config: access, schema: uploadSchemas.create }, async (request, reply) => {
      const length = request.headers['upload-length'];
      const size = typeof length === 'string' && /^\d{1,16}$/.test(length) ? Number(length) : undefined;
      let metadata: Record<string, string | null> | undefined;
      try {
        const header = request.headers['upload-metadata'];
        metadata = typeof header === 'string' ? Metadata.parse(header) : undefined;
      } catch {
        throw new AppError('INVALID_UPLOAD', { params: { reason: 'the Upload-Metadata header is not tus metadata.' } });
      }
      const check = await uploads.checkNewUpload(request.authentication, size, metadata);
      if (!check.ok) {
        if ('refused' in check) throw refusalError(check.refused, 'account');
        if ('refusal' in check) throw check.refusal.status === 507 ? new AppError('STORAGE_FULL') : new AppError('FILE_LIMIT_EXCEEDED', { params: { reason: check.refusal.message } });
        if ('request' in check) {
          if (check.request === 'not_found') throw new AppError('REQUEST_NOT_FOUND');
          if (check.request === 'closed') throw new AppError('REQUEST_CLOSED');
          throw new AppError('INVALID_UPLOAD', { params: { reason: 'this request takes no files.' } });
        }
        throw new AppError('INVALID_UPLOAD', { params: { reason: check.problem } });
      }
      return delegate(request, reply, { metadata: check.metadata, uploadsUrl: uploadsUrl(request), log: request.log });
    });

    const existing = async (request: FastifyRequest, reply: FastifyReply) => {
      const { id } = request.params as { id: string };
      if (!UPLOAD_ID.test(id) || !(await uploads.mayUse(request.authentication, id))) throw new AppError('UPLOAD_NOT_YOURS');
      return delegate(request, reply, { uploadsUrl: uploadsUrl(request), log: request.log });
    };
    scope.head('/uploads/:id', { config: access, schema: uploadSchemas.offset }, existing);
    scope.patch('/uploads/:id', { config: access, schema: uploadSchemas.append }, existing);
    scope.delete('/uploads/:id', { config: access, schema: uploadSchemas.cancel }, existing);
  });
}
