import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountService, PresentedCredentials } from './account-service.js';
import type { UserRecord } from './account-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The account an API token or a (fully signed-in) web session authenticated, if any. */
    user: UserRecord | null;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What the request presents, the way Password Pusher reads it: X-User-Email with X-User-Token (both,
 * taking precedence), else the last word of Authorization (so `Bearer TOKEN` and a bare `TOKEN` work).
 * Returns 'malformed' when a token header is there but unusable (for example X-User-Token alone).
 */
export function presentedCredentials(request: FastifyRequest): PresentedCredentials | 'malformed' | undefined {
  const email = header(request, 'x-user-email');
  const userToken = header(request, 'x-user-token');
  if (userToken !== undefined) return email && userToken.trim() ? { token: userToken.trim(), email } : 'malformed';
  const authorization = header(request, 'authorization');
  if (authorization === undefined) return undefined;
  const token = authorization.trim().split(/\s+/).pop() ?? '';
  return token === '' ? 'malformed' : { token };
}

/**
 * Authenticates API requests that present a token. A presented token that is not valid is refused with
 * 401 on every API endpoint except the version ones, as in Password Pusher; requests without one stay
 * anonymous.
 */
export function registerApiAuthentication(
  app: FastifyInstance,
  deps: {
    accounts: AccountService;
    isApiPath: (request: FastifyRequest) => boolean;
    refuse: (request: FastifyRequest) => { status: number; body: unknown };
    /** Requests that need an account even without a presented token (the allow-anonymous policy). */
    requiresAccount?: (request: FastifyRequest) => boolean;
    /** The require_mfa policy: accounts without two-factor get `refuseMfa` (403), as in Password Pusher. */
    requireMfa?: boolean;
    refuseMfa?: (request: FastifyRequest) => { status: number; body: unknown };
  },
): void {
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (path.startsWith('/api/v1/version') || path === '/api/v2/version' || !deps.isApiPath(request)) return;
    const mfaOwed = (user: UserRecord) => deps.requireMfa === true && !user.twoFactorEnabled && deps.refuseMfa !== undefined;
    const credentials = presentedCredentials(request);
    if (credentials === undefined) {
      // A signed-in browser (its session checked against CSRF before anything changes) counts as the account.
      if (request.user) return;
      if (request.sessionUser && request.session && !request.session.mfaPending && mfaOwed(request.sessionUser)) {
        const refusal = deps.refuseMfa!(request);
        return reply.code(refusal.status).send(refusal.body);
      }
      if (deps.requiresAccount?.(request)) {
        const refusal = deps.refuse(request);
        return reply.code(refusal.status).send(refusal.body);
      }
      return;
    }
    const user = credentials === 'malformed' ? undefined : await deps.accounts.authenticate(credentials);
    if (!user) {
      const refusal = deps.refuse(request);
      return reply.code(refusal.status).send(refusal.body);
    }
    if (mfaOwed(user)) {
      const refusal = deps.refuseMfa!(request);
      return reply.code(refusal.status).send(refusal.body);
    }
    request.user = user;
    request.tokenAuthenticated = true;
  });
}
