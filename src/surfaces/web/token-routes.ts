import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UserRecord } from '../../accounts/account-store.js';
import { renderTokens, TOKEN_LIFETIME_DAYS, type FormState } from '../../web/pages/account-pages.js';
import type { WebRouteContext } from './web-surface.js';

const DAY_MS = 86_400_000;

/** The API-token page of the web UI: the same tokens and rules as `/api/passdrop/v1/tokens`, for people. */
export function registerTokenRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { tokens, pageContext, clock, site } = deps;
  const account = { access: 'account' } as const;

  async function tokensPage(request: FastifyRequest, reply: FastifyReply, user: UserRecord, status: number, state: FormState & { created?: string }) {
    return reply.code(status).type('text/html; charset=utf-8').send(renderTokens(pageContext(request, reply), await tokens.list(user), state));
  }

  app.get('/account/tokens', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    const info = (request.query as Record<string, unknown>).revoked === '1' ? pageContext(request, reply).t('account.tokens.revoked') : undefined;
    return tokensPage(request, reply, request.user!, 200, { info });
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
    // Shown in this response only; the page is no-store like every dynamic page.
    return tokensPage(request, reply, user, 201, { created: result.token });
  });

  app.post('/account/tokens/:id/revoke', { config: account }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (/^\d{1,15}$/.test(id)) await tokens.revoke(request.user!, Number(id));
    return reply.redirect(site.path('/account/tokens?revoked=1'), 303);
  });
}
