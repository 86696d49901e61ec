import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldProblem } from '../../errors/app-error.js';
import { SERVER_PUSH_KINDS, type ServerPushKind } from '../../pushes/push-kinds.js';
import type { PushRecord } from '../../pushes/push-record.js';
import type { PushEditInput } from '../../pushes/push-service.js';
import { isWellFormedToken } from '../../pushes/push-token.js';
import { secretUrl } from '../../pushes/secret-link.js';
import type { Translate } from '../../web/i18n/translator.js';
import { pageNumber } from '../../web/page-number.js';
import { renderDashboard, renderPushPage, type DashboardQuery, type PushPageState } from '../../web/pages/dashboard-pages.js';
import { linkEmailSection } from '../../web/pages/link-email-section.js';
import { pushReceiptsSection } from '../../web/pages/receipt-pages.js';
import { receiptInputOf } from './receipt-routes.js';
import { parseFlag } from '../surface-kit/form-values.js';
import { setLinkEmailFlash, takeLinkEmailFlash } from '../surface-kit/link-email-flash.js';
import { auditContextOf } from '../surface-kit/request-facts.js';
import type { WebRouteContext } from './web-surface.js';

const PER_PAGE = 25;
const EVENTS_PER_PAGE = 50;

function wholeNumber(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
}

function text(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

/** The service states its rules in English; the page shows them in the reader's language. */
function translateEditProblems(problems: readonly FieldProblem[], t: Translate): FieldProblem[] {
  const keys: Record<string, string> = {
    expire_in_minutes: 'dashboard.problem.expireIn',
    views_remaining: 'dashboard.problem.views',
    current_passphrase: 'dashboard.problem.currentPassphrase',
  };
  return problems.map((problem) => {
    const key = keys[problem.field];
    return key ? { ...problem, message: t(key, { ...problem.params }) } : problem;
  });
}

/** The link-email rules speak stable English; the form shows them in the reader's language. */
export function translateLinkEmailProblems(problems: readonly FieldProblem[], t: Translate): FieldProblem[] {
  return problems.map((problem) => {
    // Keys are camelCase: a code such as too_many would read as a plural form (_many) to i18next.
    const name = problem.field === 'acknowledge_link_exposure' ? 'acknowledge' : problem.code.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    const key = `linkEmail.problem.${name}`;
    return { ...problem, message: t(key, { ...problem.params, defaultValue: problem.message }) };
  });
}

/**
 * The signed-in account's dashboard: its pushes (active or expired, by kind, by name), and each push's
 * page with its settings, audit log, manual expiry and editing. Other people's pushes are 404 here.
 */
export function registerDashboardRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { pushes: service, pageContext, site } = deps;
  const account = { access: 'account' } as const;

  app.get('/dashboard', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    const user = request.user!;
    const raw = request.query as Record<string, unknown>;
    const kind = typeof raw.kind === 'string' && (SERVER_PUSH_KINDS as readonly string[]).includes(raw.kind) ? (raw.kind as ServerPushKind) : undefined;
    const search = typeof raw.q === 'string' && raw.q.trim() !== '' ? raw.q.trim().slice(0, 100) : undefined;
    const query: DashboardQuery = { status: raw.status === 'expired' ? 'expired' : 'active', kind, search, page: pageNumber(raw.page) };
    const filter = { expired: query.status === 'expired', kind, search };
    const [pushes, total] = await Promise.all([
      service.listOwned(user.id, { ...filter, offset: (query.page - 1) * PER_PAGE, limit: PER_PAGE }),
      service.countOwned(user.id, filter),
    ]);
    return reply.type('text/html; charset=utf-8').send(renderDashboard(pageContext(request, reply), query, pushes, total, PER_PAGE));
  });

  async function ownPush(request: FastifyRequest): Promise<PushRecord> {
    const user = request.user!;
    const { token } = request.params as { token: string };
    const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
    // Someone else's push looks exactly like one that does not exist.
    if (!push || push.ownerUserId !== user.id) throw new AppError('PUSH_NOT_FOUND');
    return push;
  }

  type LinkEmailFormState = { problems?: readonly FieldProblem[]; values?: Readonly<Record<string, string>> };

  async function pushPage(
    request: FastifyRequest,
    reply: FastifyReply,
    push: PushRecord,
    status: number,
    state: PushPageState,
    linkEmailForm: LinkEmailFormState = {},
    receiptProblems: readonly FieldProblem[] = [],
  ) {
    const page = pageNumber((request.query as Record<string, unknown>).page);
    const context = pageContext(request, reply);
    const [ownReceipts, defaultReceipts] = await Promise.all([deps.receipts.forPush(push), deps.receipts.defaults(request.user!.id)]);
    const extraSections = [
      ...(deps.linkEmails.available && !push.expired ? [linkEmailSection(context, push, linkEmailForm)] : []),
      ...(push.expired ? [] : [pushReceiptsSection(context, push, ownReceipts, defaultReceipts, receiptProblems)]),
    ];
    const events = await service.listAudit(push, { offset: (page - 1) * EVENTS_PER_PAGE, limit: EVENTS_PER_PAGE + 1 });
    const view = {
      note: service.readNote(push),
      events: events.slice(0, EVENTS_PER_PAGE),
      hasMoreEvents: events.length > EVENTS_PER_PAGE,
      page,
      link: secretUrl(site.publicUrl(request), push),
      extraSections,
    };
    return reply.code(status).type('text/html; charset=utf-8').send(renderPushPage(context, push, view, state));
  }

  app.get('/dashboard/pushes/:token', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    const push = await ownPush(request);
    const { t } = pageContext(request, reply);
    const saved = (request.query as Record<string, unknown>).saved;
    const emailed = takeLinkEmailFlash(request, reply, site.path(`/dashboard/pushes/${push.token}`), deps.cookies.secure);
    const info =
      saved === '1' ? t('dashboard.saved') : saved === 'receipts' ? t('receipts.saved') : saved === 'expired' ? t('dashboard.expiredNow') : typeof emailed === 'number' ? t('linkEmail.queued', { count: emailed }) : undefined;
    return pushPage(request, reply, push, 200, { info });
  });

  app.post('/dashboard/pushes/:token', { config: account }, async (request, reply) => {
    const push = await ownPush(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const remove = body.remove_passphrase === '1';
    const newPassphrase = text(body, 'new_passphrase');
    const input: PushEditInput = {
      expireInMinutes: wholeNumber(body.expire_in_minutes),
      viewsRemaining: wholeNumber(body.views_remaining),
      name: text(body, 'name'),
      note: text(body, 'note'),
      currentPassphrase: text(body, 'current_passphrase'),
      newPassphrase: remove ? '' : newPassphrase === '' ? undefined : newPassphrase,
    };
    const result = await service.edit(push, input, auditContextOf(request));
    const { t } = pageContext(request, reply);
    if (result.ok) return reply.redirect(site.path(`/dashboard/pushes/${push.token}?saved=1`), 303);
    if ('reason' in result) return pushPage(request, reply, (await service.peek(push.token)) ?? push, 409, { message: t('dashboard.notActive') });
    return pushPage(request, reply, push, 422, { problems: translateEditProblems(result.problems, t), message: t('create.fixProblems') });
  });

  // Password Pusher's path for emailing the link from the push's page; JSON clients reach its API route instead.
  app.post('/p/:token/notify_emails', { config: account }, async (request, reply) => {
    const push = await ownPush(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = { notify_emails_to: text(body, 'notify_emails_to') ?? '', notify_emails_to_locale: text(body, 'notify_emails_to_locale') ?? '', link: text(body, 'link') ?? '' };
    const result = await deps.linkEmails.request(request.user!, push.token, {
      recipients: values.notify_emails_to,
      locale: values.notify_emails_to_locale,
      link: values.link === '' ? undefined : values.link.trim(),
      linkExposureAcknowledged: parseFlag(body.acknowledge_link_exposure) === true,
    });
    const { t } = pageContext(request, reply);
    if (result.ok) {
      setLinkEmailFlash(reply, site.path(`/dashboard/pushes/${push.token}`), result.recipients, deps.cookies.secure);
      return reply.redirect(site.path(`/dashboard/pushes/${push.token}`), 303);
    }
    switch (result.reason) {
      case 'unavailable':
      case 'not_found':
      case 'not_owner':
        throw new AppError('PUSH_NOT_FOUND');
      case 'rate_limited':
        return pushPage(request, reply, push, 429, { message: t('linkEmail.rateLimited') }, { values });
      case 'invalid':
        return pushPage(request, reply, push, 422, { message: t('create.fixProblems') }, { values, problems: translateLinkEmailProblems(result.problems, t) });
      default:
        throw new Error(`unhandled outcome ${String(result satisfies never)}`);
    }
  });

  app.post('/dashboard/pushes/:token/receipts', { config: account }, async (request, reply) => {
    const push = await ownPush(request);
    const own = ((request.body ?? {}) as Record<string, unknown>).mode === 'own';
    const result = await deps.receipts.saveForPush(push, own ? receiptInputOf(request.body) : null);
    if (result.ok) return reply.redirect(site.path(`/dashboard/pushes/${push.token}?saved=receipts`), 303);
    const { t } = pageContext(request, reply);
    return pushPage(request, reply, push, 422, { message: t('create.fixProblems') }, {}, result.problems);
  });

  app.post('/dashboard/pushes/:token/expire', { config: account }, async (request, reply) => {
    const push = await ownPush(request);
    await service.deleteByViewer(push.token, auditContextOf(request), request.user);
    return reply.redirect(site.path(`/dashboard/pushes/${push.token}?saved=expired`), 303);
  });
}
