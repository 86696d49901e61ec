import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { AppError, type FieldProblem } from '../../errors/app-error.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseOutage } from '../../storage/database-outage.js';
import { isHiddenByGateway } from './gateway-mode.js';

const METHODS: readonly HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Answers the methods a request's path accepts, so that an unmatched request can tell 404 from 405. */
export type AllowedMethods = (request: FastifyRequest) => HTTPMethod[];

/**
 * Keeps a shadow router of every route registered in `app` (with the same path rules as Fastify's own:
 * the same decoding of the raw URL), so a surface's not-found handler can answer 405 with `Allow`.
 */
export function trackAllowedMethods(app: FastifyInstance): AllowedMethods {
  const shadowRouter = FindMyWay({ ignoreTrailingSlash: false });
  app.addHook('onRoute', (route) => {
    // A route a gateway process does not serve must answer 404, not 405, for its path.
    if (isHiddenByGateway(route)) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (METHODS.includes(method as HTTPMethod) && shadowRouter.findRoute(method as HTTPMethod, route.url) === null) {
        shadowRouter.on(method as HTTPMethod, route.url, () => undefined);
      }
    }
  });
  return (request) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    // A match that binds a parameter to '' ('/api/v2/pushes/' against '/api/v2/pushes/:token') is no route of
    // that path: the real router would not have chosen it either.
    return METHODS.filter((method) => {
      const found = shadowRouter.find(method, path);
      return found !== null && Object.values(found.params).every((value) => value !== '');
    });
  };
}

/** The error for a request no route matched: 405 with `Allow` when the path exists for other methods, else 404. */
export function unmatchedRouteError(request: FastifyRequest, allowedMethods: AllowedMethods): AppError {
  const allowed = allowedMethods(request);
  return allowed.length > 0
    ? new AppError('METHOD_NOT_ALLOWED', { params: { method: request.method }, headers: { allow: allowed.join(', ') } })
    : new AppError('ROUTE_NOT_FOUND');
}

/**
 * Maps anything a route or hook threw onto the catalogue and logs it: server errors with their stack
 * (the body will say nothing but the request id), client errors by code only, since their messages can
 * quote the body.
 */
export function catalogueErrorOf(request: FastifyRequest, error: unknown, bodyLimit: number): AppError {
  const appError = toAppError(error as FastifyError, bodyLimit);
  if (appError.statusCode >= 500) {
    request.log.error({ err: error }, 'request failed');
  } else {
    request.log.info({ code: appError.code, statusCode: appError.statusCode }, 'request rejected');
  }
  return appError;
}

/** Sends the catalogue's JSON error body with the error's status and headers. */
export function sendErrorJson(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  return reply.code(error.statusCode).headers(error.headers).send(errorBody(error, request.id));
}

/** Passdrop's error body: `{code, error, requestId, details?}`; 5xx bodies carry no details. */
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
export function toAppError(thrown: unknown, bodyLimit: number): AppError {
  if (thrown instanceof AppError) return thrown;
  if (typeof thrown !== 'object' || thrown === null) return new AppError('INTERNAL_ERROR');
  const error = thrown as FastifyError;
  if (error.validation) {
    const details: FieldProblem[] = error.validation.map((issue) => ({
      field: fieldName(issue),
      code: issueCode(issue),
      message: issueMessage(issue),
      ...(issueParams(issue) ? { params: issueParams(issue)! } : {}),
    }));
    return new AppError('VALIDATION_FAILED', {
      params: { summary: details.map((detail) => `${detail.field}: ${detail.message}`).join('; ') },
      details,
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE', { params: { limit: formatBytes(bodyLimit) } });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', { params: { accepted: 'JSON, a URL-encoded form or multipart form data' } });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_BODY', { params: { reason: 'the Content-Type is JSON but the body is empty' } });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('INVALID_BODY', { params: { reason: 'it is not valid JSON' } });
  }
  if (isDatabaseOutage(error)) {
    return new AppError('DATABASE_UNAVAILABLE', { headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) } });
  }
  if (isMalformedMultipart(error)) return new AppError('INVALID_BODY', { params: { reason: 'it is not well-formed multipart form data' } });
  if (error.statusCode === 429) return new AppError('RATE_LIMITED');
  if (error.statusCode === 413) return new AppError('BODY_TOO_LARGE', { params: { limit: formatBytes(bodyLimit) } });
  if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)) {
    return new AppError('INVALID_BODY', { params: { reason: 'it is malformed' } });
  }
  return new AppError('INTERNAL_ERROR');
}

/**
 * busboy (under @fastify/multipart) throws plain errors, without a status, for a multipart body with
 * no boundary or one that ends early; they are the client's fault. Messages from
 * @fastify/busboy 3 (lib/types/multipart.js, deps/dicer/lib/Dicer.js).
 */
const MALFORMED_MULTIPART = /^(?:Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data|Malformed part header)$/;

function isMalformedMultipart(error: FastifyError): boolean {
  return error.statusCode === undefined && typeof error.message === 'string' && MALFORMED_MULTIPART.test(error.message);
}

type ValidationIssue = { keyword?: string; message?: string; params?: Record<string, unknown>; instancePath?: string };

function issueCode(issue: ValidationIssue): string {
  if (issue.keyword === 'additionalProperties') return 'unknown_field';
  if (issue.keyword === 'required') return 'required';
  if (issue.keyword === 'type') return 'wrong_type';
  if (issue.keyword === 'maxLength') return 'too_long';
  if (issue.keyword === 'minLength') return 'too_short';
  if (issue.keyword === 'minimum' || issue.keyword === 'maximum') return 'out_of_range';
  if (issue.keyword === 'enum') return 'not_allowed';
  return 'invalid';
}

function issueParams(issue: ValidationIssue): Record<string, string | number> | undefined {
  const limit = issue.params?.limit;
  if (typeof limit === 'number') return { limit };
  const type = issue.params?.type;
  if (typeof type === 'string') return { type };
  return undefined;
}

function issueMessage(issue: ValidationIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not a field this endpoint knows';
  if (issue.keyword === 'required') return 'is required';
  return issue.message ?? 'is not valid';
}

function fieldName(issue: ValidationIssue): string {
  const missing = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (typeof missing === 'string') return path ? `${path}.${missing}` : missing;
  return path || 'body';
}

/** 8388608 → '8 MiB'; 2048 → '2 KiB'; 1000 → '1000 bytes'. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
