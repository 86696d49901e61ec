import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { errorBody } from '../surfaces/surface-kit/error-rendering.js';
import { minimalHtmlPage } from '../surfaces/surface-kit/minimal-html-page.js';
import { escapeHtml } from '../web/html.js';

/**
 * Fastify's `frameworkErrors`: what answers a request the router cannot even match (a path with a lone
 * `%`, a path parameter past `maxParamLength`). No surface owns it, so the answer is the catalogue's
 * `INVALID_URL` as JSON (which also has Password Pusher's `{"error": …}` field), or a bare page for a
 * browser's page request. Anything else Fastify reports here is a bug and stays a logged 500.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  if (!known) request.log.error({ err: error }, 'router failed');
  else request.log.info({ code: 'INVALID_URL', statusCode: 400 }, 'request rejected');
  const appError = new AppError(known ? 'INVALID_URL' : 'INTERNAL_ERROR');
  reply.code(appError.statusCode).header('x-request-id', request.id).header('cache-control', 'no-store');
  if (wantsPage(request)) {
    return reply
      .type('text/html; charset=utf-8')
      .send(minimalHtmlPage('Bad address', `<p>${escapeHtml(appError.message)}</p><p>Request id: ${escapeHtml(request.id)}</p>`));
  }
  return reply.send(errorBody(appError, request.id));
}

/**
 * Whether a request no route matched is a browser's page request: it asks for HTML, with a method the web
 * pages take, and its path is not an API's (`/api/…`, or Password Pusher's `….json`).
 */
function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  return (
    (request.headers.accept ?? '').includes('text/html') &&
    ['GET', 'HEAD', 'POST'].includes(request.method) &&
    !/\/api\//.test(path) &&
    !path.endsWith('.json')
  );
}

/**
 * Fastify's `clientErrorHandler` for bytes Node's HTTP parser refuses. Node's own default rule, kept:
 * answer 400 only on a connection that has not been answered yet; after a response (the rest of a body
 * the route never read, on a `Connection: close` request) a second, unasked-for response would corrupt
 * the client's reading of the first, so the connection is just closed. The body is the catalogue's shape.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const appError = new AppError(
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'REQUEST_TIMEOUT' : error.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST',
  );
  const body = JSON.stringify(errorBody(appError, randomUUID()));
  socket.end(
    `HTTP/1.1 ${appError.statusCode} ${STATUS_CODES[appError.statusCode]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
