import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import type { WebhookOwner } from '../../notifications/webhook-service.js';
import { pageNumber } from '../../web/page-number.js';
import {
  renderWebhookDetail,
  renderWebhookList,
  translateWebhookProblems,
  type WebhookFormState,
  type WebhookPagesScope,
} from '../../web/pages/webhook-pages.js';
import type { WebRouteContext } from './web-surface.js';

const DELIVERIES_PER_PAGE = 25;
const NOTICES = ['tested', 'saved', 'enabled', 'disabled', 'deleted'] as const;

function formValues(body: unknown): { url: string; description: string; events: string[] } {
  const fields = (body ?? {}) as Record<string, unknown>;
  const events = fields.events === undefined ? [] : (Array.isArray(fields.events) ? fields.events : [fields.events]).filter((value): value is string => typeof value === 'string');
  return {
    url: typeof fields.url === 'string' ? fields.url : '',
    description: typeof fields.description === 'string' ? fields.description : '',
    events,
  };
}

/**
 * The webhook pages of the web UI, on the same service and rules as `/api/passdrop/v1/webhooks`: an
 * account's own under /account/webhooks, the instance-wide ones under /admin/webhooks (admins). Every
 * change is a CSRF-checked form post (the surface's preValidation hook).
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  mount(app, deps, { base: '/account/webhooks', instance: false });
  mount(app, deps, { base: '/admin/webhooks', instance: true });
}

function mount(app: FastifyInstance, deps: WebRouteContext, scope: WebhookPagesScope): void {
  const { webhooks, pageContext, site } = deps;
  const config = { access: scope.instance ? 'admin' : 'account' } as const;
  const ownerOf = (request: FastifyRequest): WebhookOwner => (scope.instance ? null : request.user!.id);
  const idOf = (request: FastifyRequest): number => {
    const { id } = request.params as { id: string };
    if (!/^\d{1,15}$/.test(id)) throw new AppError('WEBHOOK_NOT_FOUND');
    return Number(id);
  };
  const html = (reply: FastifyReply, status: number, page: string) => reply.code(status).type('text/html; charset=utf-8').send(page);

  async function listPage(request: FastifyRequest, reply: FastifyReply, status: number, state: WebhookFormState) {
    return html(reply, status, renderWebhookList(pageContext(request, reply), scope, await webhooks.list(ownerOf(request)), state));
  }

  async function detailPage(request: FastifyRequest, reply: FastifyReply, id: number, status: number, state: WebhookFormState) {
    const owner = ownerOf(request);
    const webhook = await webhooks.find(owner, id);
    if (!webhook) throw new AppError('WEBHOOK_NOT_FOUND');
    const page = pageNumber((request.query as Record<string, unknown>).page);
    const entries = (await webhooks.deliveries(owner, id, { offset: (page - 1) * DELIVERIES_PER_PAGE, limit: DELIVERIES_PER_PAGE + 1 })) ?? [];
    const log = { entries: entries.slice(0, DELIVERIES_PER_PAGE), page, hasMore: entries.length > DELIVERIES_PER_PAGE };
    return html(reply, status, renderWebhookDetail(pageContext(request, reply), scope, webhook, log, state));
  }

  const doneNotice = (request: FastifyRequest, reply: FastifyReply) => {
    const done = (request.query as Record<string, unknown>).done;
    return typeof done === 'string' && (NOTICES as readonly string[]).includes(done) ? pageContext(request, reply).t(`webhooks.done.${done}`) : undefined;
  };

  app.get(scope.base, { config, exposeHeadRoute: true }, async (request, reply) => listPage(request, reply, 200, { info: doneNotice(request, reply) }));

  app.post(scope.base, { config }, async (request, reply) => {
    const values = formValues(request.body);
    const result = await webhooks.create(ownerOf(request), values);
    if (result.ok) return listPage(request, reply, 201, { secret: result.secret });
    const context = pageContext(request, reply);
    if (result.reason === 'limit_reached') return listPage(request, reply, 403, { values, message: context.t('webhooks.limitReached', { limit: result.limit }) });
    return listPage(request, reply, 422, { values, problems: translateWebhookProblems(context, result.problems) });
  });

  app.get(`${scope.base}/:id`, { config, exposeHeadRoute: true }, async (request, reply) => detailPage(request, reply, idOf(request), 200, { info: doneNotice(request, reply) }));

  app.post(`${scope.base}/:id`, { config }, async (request, reply) => {
    const id = idOf(request);
    const values = formValues(request.body);
    const result = await webhooks.update(ownerOf(request), id, values);
    if (result.ok) return reply.redirect(site.path(`${scope.base}/${id}?done=saved`), 303);
    if (result.reason === 'not_found') throw new AppError('WEBHOOK_NOT_FOUND');
    return detailPage(request, reply, id, 422, { values, problems: translateWebhookProblems(pageContext(request, reply), result.problems) });
  });

  app.post(`${scope.base}/:id/test`, { config }, async (request, reply) => {
    const id = idOf(request);
    if (!(await webhooks.sendTest(ownerOf(request), id))) throw new AppError('WEBHOOK_NOT_FOUND');
    return reply.redirect(site.path(`${scope.base}/${id}?done=tested`), 303);
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`${scope.base}/:id/${action}`, { config }, async (request, reply) => {
      const id = idOf(request);
      const result = await webhooks.update(ownerOf(request), id, { enabled });
      if (!result.ok) throw new AppError('WEBHOOK_NOT_FOUND');
      return reply.redirect(site.path(`${scope.base}/${id}?done=${enabled ? 'enabled' : 'disabled'}`), 303);
    });
  }

  app.post(`${scope.base}/:id/rotate-secret`, { config }, async (request, reply) => {
    const id = idOf(request);
    const result = await webhooks.update(ownerOf(request), id, { rotateSecret: true });
    if (!result.ok) throw new AppError('WEBHOOK_NOT_FOUND');
    // The new secret is in this page only (no-store, like every dynamic page).
    return detailPage(request, reply, id, 200, { secret: result.secret });
  });

  app.post(`${scope.base}/:id/delete`, { config }, async (request, reply) => {
    if (!(await webhooks.delete(ownerOf(request), idOf(request)))) throw new AppError('WEBHOOK_NOT_FOUND');
    return reply.redirect(site.path(`${scope.base}?done=deleted`), 303);
  });
}
