import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../pushes/push-record.js';

/** The audit facts of a request; `request.ip` already honours X-Forwarded-For only from trusted proxies. */
export function auditContextOf(request: FastifyRequest, userId: number | null = null): AuditContext {
  return {
    ip: request.ip,
    userAgent: headerText(request.headers['user-agent']),
    referrer: headerText(request.headers.referer),
    userId,
  };
}

function headerText(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
