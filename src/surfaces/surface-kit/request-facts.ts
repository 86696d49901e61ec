import type { FastifyRequest } from 'fastify';
import type { Requester } from '../../accounts/sign-in-service.js';
import type { AuditContext } from '../../pushes/push-record.js';

/**
 * The audit facts of a request: client address, user agent, referrer and the acting account (by
 * default the request's authenticated account). `request.ip` already honours X-Forwarded-For only from
 * TRUSTED_PROXIES, so nobody can forge their address in an audit log.
 */
export function auditContextOf(request: FastifyRequest, userId: number | null = request.user?.id ?? null): AuditContext {
  return {
    ip: request.ip,
    userAgent: headerText(request.headers['user-agent']),
    referrer: headerText(request.headers.referer),
    userId,
  };
}

/** Who is asking, for sign-in limits and session records: client address and user agent. */
export function requesterOf(request: FastifyRequest): Requester {
  return { ip: request.ip, userAgent: headerText(request.headers['user-agent']) };
}

function headerText(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
