import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { AppError, type FieldProblem } from '../../errors/app-error.js';
import { escapeHtml } from '../../web/html.js';
import { minimalHtmlPage } from '../minimal-html-page.js';
import { isApiRequest } from '../request-kind.js';

const METHODS: readonly HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The one error handler and the 404/405 handler. Known failures become the catalogue's JSON body (or a
 * small HTML page for browsers); anything else is logged and answered with a 500 that says nothing but
 * the request id.
 */
/** Renders the HTML error page a browser sees; the web layer replaces the bare default once it is set up. */
export type ErrorPageRenderer = (request: FastifyRequest, reply: FastifyReply, error: AppError) => string;

const bareErrorPage: ErrorPageRenderer = (request, _reply, error) =>
  minimalHtmlPage(
    error.statusCode === 404 ? 'Not found' : 'Something went wrong',
    `<p>${escapeHtml(error.message)}</p><p><small>Request id: ${escapeHtml(request.id)}</small></p>`,
  );

export function registerErrorHandling(app: FastifyInstance): { useErrorPages(renderer: ErrorPageRenderer): void } {
  // A shadow router of every registered route, so an unmatched request can tell 404 from 405.
  const shadowRouter = FindMyWay({ ignoreTrailingSlash: false });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (METHODS.includes(method as HTTPMethod)) shadowRouter.on(method as HTTPMethod, route.url, () => undefined);
    }
  });

  let renderErrorPage = bareErrorPage;
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const allowed = METHODS.filter((method) => shadowRouter.find(method, path) !== null);
    const error =
      allowed.length > 0
        ? new AppError('METHOD_NOT_ALLOWED', { params: { method: request.method }, headers: { allow: allowed.join(', ') } })
        : new AppError('ROUTE_NOT_FOUND');
    return sendError(request, reply, error, renderErrorPage);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error, app.initialConfig.bodyLimit ?? 0);
    if (appError.statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      // Client errors are routine; their messages can quote the body, so only the code is logged.
      request.log.info({ code: appError.code, statusCode: appError.statusCode }, 'request rejected');
    }
    return sendError(request, reply, appError, renderErrorPage);
  });
  return {
    useErrorPages(renderer) {
      renderErrorPage = renderer;
    },
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError, renderPage: ErrorPageRenderer = bareErrorPage): FastifyReply {
  reply.code(error.statusCode).headers(error.headers);
  // A browser's form post gets a page too; API clients (which never ask for HTML) get JSON.
  const browserAsked = request.method === 'GET' || (request.headers.accept ?? '').includes('text/html');
  if (isApiRequest(request) || !browserAsked) {
    return reply.send(errorBody(error, request.id));
  }
  let page: string;
  try {
    page = renderPage(request, reply, error);
  } catch {
    // The error page must never fail in turn.
    page = bareErrorPage(request, reply, error);
  }
  return reply.type('text/html; charset=utf-8').send(page);
}

export function errorBody(
  error: AppError,
  requestId: string,
): { code: string; error: string; requestId: string; details?: readonly FieldProblem[] } {
  return {
    code: error.code,
    error: error.message,
    requestId,
    ...(error.details && error.statusCode < 500 ? { details: error.details } : {}),
  };
}

/** Maps Fastify's own errors (parsing, limits, schema validation) onto the catalogue. */
export function toAppError(error: FastifyError, bodyLimit: number): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) {
    const details = error.validation.map((issue) => ({ field: fieldName(issue), message: issueMessage(issue) }));
    return new AppError('VALIDATION_FAILED', {
      params: { summary: details.map((detail) => `${detail.field}: ${detail.message}`).join('; ') },
      details,
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE', { params: { limit: formatBytes(bodyLimit) } });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_BODY', { params: { reason: 'the Content-Type is JSON but the body is empty' } });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('INVALID_BODY', { params: { reason: 'it is not valid JSON' } });
  }
  if (error.statusCode === 429) return new AppError('RATE_LIMITED');
  if (error.statusCode === 413) return new AppError('BODY_TOO_LARGE', { params: { limit: formatBytes(bodyLimit) } });
  if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)) {
    return new AppError('INVALID_BODY', { params: { reason: 'it is malformed' } });
  }
  return new AppError('INTERNAL_ERROR');
}

function issueMessage(issue: { keyword?: string; message?: string; params?: Record<string, unknown> }): string {
  if (issue.keyword === 'additionalProperties') return 'is not a field this endpoint knows';
  if (issue.keyword === 'required') return 'is required';
  return issue.message ?? 'is not valid';
}

function fieldName(issue: { instancePath?: string; params?: Record<string, unknown> }): string {
  const missing = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (typeof missing === 'string') return path ? `${path}.${missing}` : missing;
  return path || 'body';
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
