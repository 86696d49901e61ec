import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PageContextFactory } from '../web/page-context.js';
import { renderTokens, TOKEN_LIFETIME_DAYS, type FormState } from '../web/pages/account-pages.js';
import type { AccountStore, UserRecord } from './account-store.js';
import { newApiToken } from './api-token.js';
import { signedInUser } from './web-guards.js';

const DAY_MS = 86_400_000;

/** The API-token page of the web UI: the same tokens as `/api/passdrop/v1/tokens`, for people. */
export function registerTokenWebRoutes(app: FastifyInstance, deps: { store: AccountStore; pageContext: PageContextFactory; clock: () => number }): void {
  const { store, pageContext, clock } = deps;

  async function tokensPage(request: FastifyRequest, reply: FastifyReply, user: UserRecord, status: number, state: FormState & { created?: string }) {
    const now = clock();
    const tokens = (await store.listApiTokens(user.id)).filter((token) => token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now));
    return reply.code(status).type('text/html; charset=utf-8').send(renderTokens(pageContext(request, reply), tokens, state));
  }

  app.get('/account/tokens', async (request, reply) => {
    const user = signedInUser(request, reply);
    if (!user) return reply;
    const info = (request.query as Record<string, unknown>).revoked === '1' ? pageContext(request, reply).t('account.tokens.revoked') : undefined;
    return tokensPage(request, reply, user, 200, { info });
  });

  app.post('/account/tokens', async (request, reply) => {
    const user = signedInUser(request, reply);
    if (!user) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const days = Number(body.expires_in_days);
    if (name === '' || [...name].length > 100) {
      const { t } = pageContext(request, reply);
      return tokensPage(request, reply, user, 422, { values: { name }, problems: [{ field: 'name', message: t('account.tokens.nameRequired') }] });
    }
    const now = clock();
    const expiresAt = (TOKEN_LIFETIME_DAYS as readonly number[]).includes(days) ? now + days * DAY_MS : null;
    const { token, prefix, hash } = newApiToken();
    await store.createApiToken({ userId: user.id, name, prefix, hash, expiresAt, now });
    // Shown in this response only; the page is no-store like every dynamic page.
    return tokensPage(request, reply, user, 201, { created: token });
  });

  app.post('/account/tokens/:id/revoke', async (request, reply) => {
    const user = signedInUser(request, reply);
    if (!user) return reply;
    const { id } = request.params as { id: string };
    if (/^\d{1,15}$/.test(id)) await store.revokeApiToken(user.id, Number(id), clock());
    return reply.redirect('/account/tokens?revoked=1', 303);
  });
}
