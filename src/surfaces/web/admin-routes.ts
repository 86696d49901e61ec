import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { pageNumber } from '../../web/page-number.js';
import { renderAdminAudit, renderAdminUsers } from '../../web/pages/admin-pages.js';
import { auditContextOf } from '../surface-kit/request-facts.js';
import type { WebRouteContext } from './web-surface.js';

const USERS_PER_PAGE = 50;
const EVENTS_PER_PAGE = 100;
const ACTIONS = ['promote', 'demote', 'disable', 'enable', 'delete'] as const;
type AdminAction = (typeof ACTIONS)[number];

/**
 * The admin pages: every account (promote, demote, disable, enable, delete) and an instance-wide audit
 * of push metadata. Never a payload, a note or a link token. An admin cannot act on their own account,
 * so an instance always keeps the admin who is using it.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { accounts, pageContext, site } = deps;
  const admin = { access: 'admin' } as const;

  app.get('/admin', { config: admin, exposeHeadRoute: true }, async (request, reply) => {
    const user = request.user!;
    const query = request.query as Record<string, unknown>;
    const page = pageNumber(query.page);
    const users = await accounts.listUsers({ offset: (page - 1) * USERS_PER_PAGE, limit: USERS_PER_PAGE + 1 });
    const shown = users.slice(0, USERS_PER_PAGE);
    const providerName = (id: string) => deps.oidc.providers.find((provider) => provider.id === id)?.name ?? id;
    const linked = await deps.oidc.providersByUser(shown.map((listed) => listed.id));
    const providers = new Map([...linked].map(([userId, ids]) => [userId, ids.map(providerName)]));
    const context = pageContext(request, reply);
    const info = typeof query.done === 'string' && (ACTIONS as readonly string[]).includes(query.done) ? context.t(`admin.done.${query.done}`) : undefined;
    return reply
      .type('text/html; charset=utf-8')
      .send(renderAdminUsers(context, { users: shown, providers, selfId: user.id, page, hasMore: users.length > USERS_PER_PAGE }, info ? { info } : {}));
  });

  app.post('/admin/users/:id/:action', { config: admin }, async (request, reply) => {
    const user = request.user!;
    const { id, action } = request.params as { id: string; action: string };
    const target = /^\d{1,15}$/.test(id) ? await accounts.findUserById(Number(id)) : undefined;
    if (!target || !(ACTIONS as readonly string[]).includes(action) || target.id === user.id) throw new AppError('ROUTE_NOT_FOUND');
    const now = deps.clock();
    switch (action as AdminAction) {
      case 'promote':
        await accounts.setAdmin(target.id, true, now);
        break;
      case 'demote':
        await accounts.setAdmin(target.id, false, now);
        break;
      case 'disable':
        await accounts.setDisabled(target.id, true, now);
        break;
      case 'enable':
        await accounts.setDisabled(target.id, false, now);
        break;
      case 'delete':
        await deps.pushes.expireAllOwned(target.id, auditContextOf(request));
        await accounts.deleteUser(target.id);
        break;
    }
    request.log.info({ adminId: user.id, userId: target.id, action }, 'admin changed an account');
    return reply.redirect(site.path(`/admin?done=${action}`), 303);
  });

  app.get('/admin/audit', { config: admin, exposeHeadRoute: true }, async (request, reply) => {
    const page = pageNumber((request.query as Record<string, unknown>).page);
    const entries = await deps.pushes.listInstanceAudit({ offset: (page - 1) * EVENTS_PER_PAGE, limit: EVENTS_PER_PAGE + 1 });
    return reply
      .type('text/html; charset=utf-8')
      .send(renderAdminAudit(pageContext(request, reply), { entries: entries.slice(0, EVENTS_PER_PAGE), page, hasMore: entries.length > EVENTS_PER_PAGE }));
  });
}
