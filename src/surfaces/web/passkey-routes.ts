import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PasskeyRegisterResult, PasskeySecondFactorResult, PasskeySignInResult, RelyingParty } from '../../accounts/passkey-service.js';
import { passkeyName } from '../../accounts/passkey-service.js';
import { requesterOf } from '../surface-kit/request-facts.js';
import { safeNextPath } from './web-guards.js';
import { setSessionCookie } from './web-session.js';
import type { WebRouteContext } from './web-surface.js';

const ceremonyBody = {
  type: 'object',
  properties: {
    ceremony: { type: 'string', minLength: 1, maxLength: 128 },
    response: { type: 'object' },
    name: { type: 'string', maxLength: 1000 },
    next: { type: 'string', maxLength: 2000 },
  },
  required: ['ceremony', 'response'],
} as const;

/**
 * Passkeys on the web surface (JSON, called by the `passkeys` browser module): register and remove them on
 * the account page, sign in with one alone, or use one instead of a TOTP code to finish a password sign-in
 * (the two-factor page). The relying party is the site's public address
 * (PASSDROP_BASE_URL, else the request's allowed host), so the browser's origin check and ours agree.
 */
export function registerPasskeyRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { passkeys, site, pageContext, cookies, config } = deps;
  if (!passkeys.enabled) return;
  const account = { access: 'account' } as const;
  // Registering is open to a session that PASSDROP_REQUIRE_MFA still holds back: a passkey may be what satisfies it.
  const setup = { access: 'session' } as const;
  const open = { access: 'public' } as const;

  function relyingParty(request: FastifyRequest): RelyingParty {
    const url = new URL(site.publicUrl(request));
    return { id: url.hostname, origin: url.origin, name: config.brand.title };
  }

  function refuse(request: FastifyRequest, reply: FastifyReply, status: number, code: string, key: string, params: Record<string, unknown> = {}) {
    const { t } = pageContext(request, reply);
    return reply.code(status).header('cache-control', 'no-store').send({ code, error: t(key, params), requestId: request.id });
  }

  app.post('/account/passkeys/options', { config: setup }, async (request, reply) => {
    const { options, ceremony } = await passkeys.registrationOptions(request.sessionUser!, relyingParty(request));
    return reply.header('cache-control', 'no-store').send({ options, ceremony });
  });

  app.post('/account/passkeys', { config: setup, schema: { body: ceremonyBody } }, async (request, reply) => {
    const body = request.body as { ceremony: string; response: Parameters<typeof passkeys.register>[2]; name?: string };
    const { t } = pageContext(request, reply);
    const name = passkeyName(body.name ?? '', t('passkeys.defaultName'));
    const user = request.sessionUser!;
    const result: PasskeyRegisterResult = await passkeys.register(user, body.ceremony, body.response, name, relyingParty(request));
    if (result.ok) {
      request.log.info({ userId: user.id, passkeyId: result.passkey.id }, 'passkey registered');
      return reply.code(201).header('cache-control', 'no-store').send({ id: result.passkey.id, name: result.passkey.name });
    }
    switch (result.reason) {
      case 'disabled':
        return refuse(request, reply, 404, 'PASSKEYS_DISABLED', 'passkeys.error.disabled');
      case 'no_ceremony':
        return refuse(request, reply, 400, 'PASSKEY_CEREMONY_EXPIRED', 'passkeys.error.expired');
      case 'taken':
        return refuse(request, reply, 409, 'PASSKEY_TAKEN', 'passkeys.error.taken');
      case 'too_many':
        return refuse(request, reply, 422, 'PASSKEY_LIMIT', 'passkeys.error.tooMany');
      case 'rejected':
        return refuse(request, reply, 400, 'PASSKEY_REJECTED', 'passkeys.error.rejected');
      default:
        throw new Error(`unhandled passkey failure ${String(result.reason satisfies never)}`);
    }
  });

  app.post('/account/passkeys/:id/remove', { config: account, schema: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } } }, async (request, reply) => {
    const { id } = request.params as { id: number };
    await passkeys.remove(request.user!, id);
    // Removing one that is already gone ends in the same place: the list, as it now is.
    return reply.redirect(site.path('/account?passkey=removed'), 303);
  });

  const tooMany = (request: FastifyRequest, reply: FastifyReply, waitMs: number) => {
    reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
    return refuse(request, reply, 429, 'TOO_MANY_ATTEMPTS', 'account.tooManyAttempts', { count: Math.max(1, Math.ceil(waitMs / 60_000)) });
  };

  // The second factor of a password sign-in: only the pending session's own passkeys are offered and accepted.
  app.post('/account/sign-in/two-factor/passkey/options', { config: open }, async (request, reply) => {
    if (!request.session?.mfaPending) return refuse(request, reply, 400, 'PASSKEY_CEREMONY_EXPIRED', 'passkeys.error.noPendingSignIn');
    const wait = await deps.signIn.throttle('passkey-options', requesterOf(request));
    if (wait !== undefined) return tooMany(request, reply, wait);
    const started = await passkeys.secondFactorOptions(request.session, relyingParty(request));
    if (!started) return refuse(request, reply, 404, 'PASSKEY_UNKNOWN', 'passkeys.error.noneForAccount');
    return reply.header('cache-control', 'no-store').send(started);
  });

  app.post('/account/sign-in/two-factor/passkey', { config: open, schema: { body: ceremonyBody } }, async (request, reply) => {
    if (!request.session?.mfaPending) return refuse(request, reply, 400, 'PASSKEY_CEREMONY_EXPIRED', 'passkeys.error.noPendingSignIn');
    const body = request.body as { ceremony: string; response: Parameters<typeof passkeys.completeSecondFactor>[2] };
    const result: PasskeySecondFactorResult = await passkeys.completeSecondFactor(request.session, body.ceremony, body.response, relyingParty(request), requesterOf(request));
    if (result.ok) {
      setSessionCookie(reply, result.session, cookies);
      request.log.info({ userId: result.session.session.userId }, 'second factor given with a passkey');
      return reply.header('cache-control', 'no-store').send({ next: site.path('/dashboard') });
    }
    switch (result.reason) {
      case 'disabled':
        return refuse(request, reply, 404, 'PASSKEYS_DISABLED', 'passkeys.error.disabled');
      case 'no_ceremony':
        return refuse(request, reply, 400, 'PASSKEY_CEREMONY_EXPIRED', 'passkeys.error.expired');
      case 'unknown_credential':
        return refuse(request, reply, 401, 'PASSKEY_UNKNOWN', 'passkeys.error.notThisAccount');
      case 'counter_regression':
        request.log.warn({ credential: 'counter went back' }, 'passkey refused: its signature counter went back (a cloned authenticator?)');
        return refuse(request, reply, 401, 'PASSKEY_CLONED', 'passkeys.error.cloned');
      case 'rejected':
      case 'invalid':
        return refuse(request, reply, 401, 'PASSKEY_REJECTED', 'passkeys.error.rejected');
      case 'locked':
        reply.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
        return refuse(request, reply, 429, 'ACCOUNT_LOCKED', 'account.signIn.locked', { count: Math.max(1, Math.ceil(result.retryAfterMs / 60_000)) });
      case 'rate_limited':
        return tooMany(request, reply, result.retryAfterMs);
      default:
        throw new Error(`unhandled passkey failure ${String(result satisfies never)}`);
    }
  });

  app.post('/account/passkey-sign-in/options', { config: open }, async (request, reply) => {
    // Each call stores a challenge: counted per IP like sign-in attempts, so nobody can fill the table.
    const wait = await deps.signIn.throttle('passkey-options', requesterOf(request));
    if (wait !== undefined) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      return refuse(request, reply, 429, 'TOO_MANY_ATTEMPTS', 'account.tooManyAttempts', { count: Math.max(1, Math.ceil(wait / 60_000)) });
    }
    const { options, ceremony } = await passkeys.authenticationOptions(relyingParty(request));
    return reply.header('cache-control', 'no-store').send({ options, ceremony });
  });

  app.post('/account/passkey-sign-in', { config: open, schema: { body: ceremonyBody } }, async (request, reply) => {
    const body = request.body as { ceremony: string; response: Parameters<typeof passkeys.signIn>[1]; next?: string };
    const result: PasskeySignInResult = await passkeys.signIn(body.ceremony, body.response, relyingParty(request), requesterOf(request));
    if (result.ok) {
      setSessionCookie(reply, result.session, cookies);
      request.log.info({ userId: result.user.id }, 'signed in with a passkey');
      const next = safeNextPath(body.next, site.basePath) ?? site.path('/dashboard');
      return reply.header('cache-control', 'no-store').send({ next });
    }
    switch (result.reason) {
      case 'disabled':
        return refuse(request, reply, 404, 'PASSKEYS_DISABLED', 'passkeys.error.disabled');
      case 'logins_disabled':
        return refuse(request, reply, 403, 'LOGINS_DISABLED', 'account.loginsDisabled');
      case 'no_ceremony':
        return refuse(request, reply, 400, 'PASSKEY_CEREMONY_EXPIRED', 'passkeys.error.expired');
      case 'unknown_credential':
        return refuse(request, reply, 401, 'PASSKEY_UNKNOWN', 'passkeys.error.unknown');
      case 'counter_regression':
        request.log.warn({ credential: 'counter went back' }, 'passkey refused: its signature counter went back (a cloned authenticator?)');
        return refuse(request, reply, 401, 'PASSKEY_CLONED', 'passkeys.error.cloned');
      case 'rejected':
        return refuse(request, reply, 401, 'PASSKEY_REJECTED', 'passkeys.error.rejected');
      case 'account_disabled':
        return refuse(request, reply, 403, 'ACCOUNT_DISABLED', 'account.signIn.disabled');
      case 'rate_limited':
        reply.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
        return refuse(request, reply, 429, 'TOO_MANY_ATTEMPTS', 'account.tooManyAttempts', { count: Math.max(1, Math.ceil(result.retryAfterMs / 60_000)) });
      default:
        throw new Error(`unhandled passkey failure ${String(result satisfies never)}`);
    }
  });
}
