import type { FastifyInstance } from 'fastify';
import type { ReceiptInput } from '../../notifications/receipt-service.js';
import { pageNumber } from '../../web/page-number.js';
import { renderInbox, renderReceiptSettings } from '../../web/pages/receipt-pages.js';
import { parseFlag } from '../surface-kit/form-values.js';
import type { WebRouteContext } from './web-surface.js';

const INBOX_PER_PAGE = 50;

/** A receipt form's fields: `events` (repeated checkboxes), `by_email`, `on_dashboard`, and on the account's form `locale`. */
export function receiptInputOf(body: unknown): ReceiptInput {
  const fields = (body ?? {}) as Record<string, unknown>;
  const events = fields.events === undefined ? [] : (Array.isArray(fields.events) ? fields.events : [fields.events]).filter((value): value is string => typeof value === 'string');
  return {
    events,
    byEmail: parseFlag(fields.by_email) === true,
    onDashboard: parseFlag(fields.on_dashboard) === true,
    ...(typeof fields.locale === 'string' && fields.locale !== '' ? { locale: fields.locale } : {}),
  };
}

/**
 * The receipt pages: /account/notifications (the account's default receipts) and /account/inbox (the
 * receipts shown on the dashboard; the navigation shows how many are unread). Changes are CSRF-checked posts.
 */
export function registerReceiptRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { receipts, pageContext, site, mailer } = deps;
  const account = { access: 'account' } as const;

  app.get('/account/notifications', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    const context = pageContext(request, reply);
    const info = (request.query as Record<string, unknown>).saved === '1' ? context.t('receipts.saved') : undefined;
    return reply.type('text/html; charset=utf-8').send(renderReceiptSettings(context, await receipts.defaults(request.user!.id), { info, mailEnabled: mailer.enabled }));
  });

  app.post('/account/notifications', { config: account }, async (request, reply) => {
    const input = receiptInputOf(request.body);
    const result = await receipts.saveDefaults(request.user!.id, input);
    if (result.ok) return reply.redirect(site.path('/account/notifications?saved=1'), 303);
    const context = pageContext(request, reply);
    const choice = { events: [], byEmail: input.byEmail, onDashboard: input.onDashboard };
    return reply.code(422).type('text/html; charset=utf-8').send(renderReceiptSettings(context, choice, { problems: result.problems, mailEnabled: mailer.enabled }));
  });

  app.get('/account/inbox', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    const userId = request.user!.id;
    const page = pageNumber((request.query as Record<string, unknown>).page);
    const entries = await receipts.inbox(userId, { offset: (page - 1) * INBOX_PER_PAGE, limit: INBOX_PER_PAGE + 1 });
    const context = pageContext(request, reply);
    const info = (request.query as Record<string, unknown>).read === '1' ? context.t('receipts.allRead') : undefined;
    const view = { entries: entries.slice(0, INBOX_PER_PAGE), page, hasMore: entries.length > INBOX_PER_PAGE, unread: request.unreadReceipts };
    return reply.type('text/html; charset=utf-8').send(renderInbox(context, view, info));
  });

  app.post('/account/inbox/read', { config: account }, async (request, reply) => {
    await receipts.markAllRead(request.user!.id);
    return reply.redirect(site.path('/account/inbox?read=1'), 303);
  });
}
