import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UserRecord } from '../../accounts/account-store.js';
import { renderTokens, TOKEN_LIFETIME_DAYS, type FormState } from '../../web/pages/account-pages.js';
import type { WebRouteContext } from './web-surface.js';

const DAY_MS = 86_400_000;

/**
 * Carries a token just made from the POST to the GET that shows it (post/redirect/get, so a refresh
 * reloads the page instead of posting again). Only the tokens page receives it (its path), only this
 * site (SameSite=Strict), no script reads it, it lives 5 minutes, and the page clears it on showing it.
 */
export const NEW_TOKEN_COOKIE = 'passdrop_new_token';
const NEW_TOKEN_SECONDS = 300;

/** The API-token page of the web UI: the same tokens and rules as `/api/passdrop/v1/tokens`, for people. */
export function registerTokenRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { tokens, pageContext, clock, site, cookies } = deps;
  const account = { access: 'account' } as const;
  const newTokenCookie = (value: string, maxAge: number) =>
    serializeCookie(NEW_TOKEN_COOKIE, value, { path: site.path('/account/tokens'), httpOnly: true, sameSite: 'strict', secure: cookies.secure, maxAge });

  async function tokensPage(request: FastifyRequest, reply: FastifyReply, user: UserRecord, status: number, state: FormState & { created?: string }) {
    return reply.code(status).type('text/html; charset=utf-8').send(renderTokens(pageContext(request, reply), await tokens.list(user), state));
  }

  app.get('/account/tokens', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    const info = (request.query as Record<string, unknown>).revoked === '1' ? pageContext(request, reply).t('account.tokens.revoked') : undefined;
    const carried = parseCookies(request.headers.cookie ?? '')[NEW_TOKEN_COOKIE];
    if (carried === undefined) return tokensPage(request, reply, request.user!, 200, { info });
    reply.header('set-cookie', newTokenCookie('', 0));
    // Shown only if it is one of this account's tokens (a cookie is the browser's to change).
    const owned = (await tokens.list(request.user!)).some((token) => carried.startsWith(token.prefix));
    return tokensPage(request, reply, request.user!, 200, { info, ...(owned ? { created: carried } : {}) });
  });

  app.post('/account/tokens', { config: account }, async (request, reply) => {
    const user = request.user!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name : '';
    const days = Number(body.expires_in_days);
    const expiresAt = (TOKEN_LIFETIME_DAYS as readonly number[]).includes(days) ? clock() + days * DAY_MS : null;
    const result = await tokens.create(user, { name, expiresAt });
    if (!result.ok) {
      const { t } = pageContext(request, reply);
      const problems = result.problems.map((problem) => (problem.field === 'name' ? { ...problem, message: t('account.tokens.nameRequired') } : problem));
      return tokensPage(request, reply, user, 422, { values: { name }, problems });
    }
    // Shown once, by the page the browser is sent to; the page is no-store like every dynamic page.
    reply.header('set-cookie', newTokenCookie(result.token, NEW_TOKEN_SECONDS));
    return reply.redirect(site.path('/account/tokens'), 303);
  });

  app.post('/account/tokens/:id/revoke', { config: account }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (/^\d{1,15}$/.test(id)) await tokens.revoke(request.user!, Number(id));
    return reply.redirect(site.path('/account/tokens?revoked=1'), 303);
  });
}
