import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldProblem } from '../../errors/app-error.js';
import { requestLink } from '../../requests/request-link.js';
import type { RequestRecord } from '../../requests/request-record.js';
import type { AnswerResult } from '../../requests/request-service.js';
import type { Translate } from '../../web/i18n/translator.js';
import { pageNumber } from '../../web/page-number.js';
import {
  renderAnswerPage,
  renderAnswerSentPage,
  renderNewRequestPage,
  renderRequestGonePage,
  renderRequestList,
  renderRequestPage,
} from '../../web/pages/request-pages.js';
import { auditContextOf } from '../surface-kit/request-facts.js';
import type { WebRouteContext } from './web-surface.js';

const PER_PAGE = 25;
const EVENTS_PER_PAGE = 50;
const ANSWERS_PER_PAGE = 200;

function text(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The answer's rules in the reader's language. */
function translateAnswerProblems(problems: readonly FieldProblem[], t: Translate): FieldProblem[] {
  return problems.map((problem) => {
    if (problem.code === 'required') return { ...problem, message: t('create.required') };
    if (problem.code === 'too_long') return { ...problem, message: t('create.tooLong', { ...problem.params }) };
    return problem;
  });
}

/**
 * Requests on the web: the requester's pages under /dashboard/requests (list, new, one request with its
 * answers; answers open in the browser with the key from IndexedDB) and the responder's page /req/TOKEN,
 * which encrypts in the browser after checking the key's fingerprint, or without JavaScript posts the form
 * and the server seals the answer to the same key (said to both sides).
 */
export function registerRequestRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { requests, pageContext, site, config } = deps;
  const account = { access: 'account' } as const;
  const responder = { access: 'public', limits: ['reveal'], gateway: true } as const;
  const send = (reply: FastifyReply, status: number, page: string) => reply.code(status).type('text/html; charset=utf-8').send(page);

  app.get('/dashboard/requests', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    const raw = request.query as Record<string, unknown>;
    const query = { status: raw.status === 'closed' ? ('closed' as const) : ('open' as const), page: pageNumber(raw.page) };
    const closed = query.status === 'closed';
    const userId = request.user!.id;
    const [list, total] = await Promise.all([
      requests.listOwned(userId, { closed, offset: (query.page - 1) * PER_PAGE, limit: PER_PAGE }),
      requests.countOwned(userId, { closed }),
    ]);
    return send(reply, 200, renderRequestList(pageContext(request, reply), query, list, total, PER_PAGE));
  });

  app.get('/dashboard/requests/new', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    if (!config.requests.enabled) throw new AppError('REQUESTS_DISABLED');
    return send(reply, 200, renderNewRequestPage(pageContext(request, reply), config.requests, requests.answerFileLimits));
  });

  async function ownRequest(request: FastifyRequest): Promise<RequestRecord> {
    const { token } = request.params as { token: string };
    const found = await requests.findOwned(request.user!.id, token);
    // Someone else's request looks exactly like one that does not exist.
    if (!found) throw new AppError('REQUEST_NOT_FOUND');
    return found;
  }

  app.get('/dashboard/requests/:token', { config: account, exposeHeadRoute: true }, async (request, reply) => {
    const found = await ownRequest(request);
    const context = pageContext(request, reply);
    const page = pageNumber((request.query as Record<string, unknown>).page);
    const [answers, events] = await Promise.all([
      requests.listAnswers(found, { offset: 0, limit: ANSWERS_PER_PAGE }),
      requests.listAudit(found, { offset: (page - 1) * EVENTS_PER_PAGE, limit: EVENTS_PER_PAGE + 1 }),
    ]);
    const saved = (request.query as Record<string, unknown>).saved;
    const info = saved === 'closed' ? context.t('requests.closedNow') : saved === 'deleted' ? context.t('requests.deletedNow') : undefined;
    const view = {
      instructions: requests.readInstructions(found),
      link: await requestLink(site.publicUrl(request), found),
      answers,
      events: events.slice(0, EVENTS_PER_PAGE),
      page,
      hasMoreEvents: events.length > EVENTS_PER_PAGE,
    };
    return send(reply, 200, renderRequestPage(context, found, view, info));
  });

  app.post('/dashboard/requests/:token/close', { config: account }, async (request, reply) => {
    const found = await ownRequest(request);
    await requests.close(found, auditContextOf(request));
    return reply.redirect(site.path(`/dashboard/requests/${found.token}?saved=closed`), 303);
  });

  app.post('/dashboard/requests/:token/answers/:answer/delete', { config: account }, async (request, reply) => {
    const found = await ownRequest(request);
    const result = await requests.deleteAnswer(found, (request.params as { answer: string }).answer, auditContextOf(request));
    if (result.outcome === 'not_found') throw new AppError('ANSWER_NOT_FOUND');
    return reply.redirect(site.path(`/dashboard/requests/${found.token}?saved=deleted`), 303);
  });

  // --- the responder ---------------------------------------------------------------------------

  /**
   * The open request the link names, or undefined once the "gone" page is sent. (Not the reply itself:
   * a Fastify reply is a thenable, so awaiting one yields undefined.)
   */
  async function openRequest(request: FastifyRequest, reply: FastifyReply): Promise<RequestRecord | undefined> {
    const found = await requests.findForResponder((request.params as { token: string }).token);
    if (!found) send(reply, 404, renderRequestGonePage(pageContext(request, reply), false));
    else if (found.closed) send(reply, 410, renderRequestGonePage(pageContext(request, reply), true));
    else return found;
    return undefined;
  }

  app.get('/req/:token', { config: responder }, async (request, reply) => {
    const found = await openRequest(request, reply);
    if (!found) return reply;
    await requests.recordOpened(found, auditContextOf(request, null));
    return send(reply, 200, renderAnswerPage(pageContext(request, reply), found, requests.readInstructions(found), config.requests.answerMaxCharacters, {}, requests.answerFileLimits));
  });

  /** Link previewers get the status only, and no `opened` event. */
  app.head('/req/:token', { config: responder }, async (request, reply) => {
    const found = await requests.findForResponder((request.params as { token: string }).token);
    return reply.code(!found ? 404 : found.closed ? 410 : 200).type('text/html; charset=utf-8').send();
  });

  // Without JavaScript: the server seals the answer to the requester's key (and says so on both sides).
  app.post('/req/:token', { config: responder }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const answerText = text(request.body, 'text');
    const result: AnswerResult = await requests.answer(token, { encryption: 'server', text: answerText, passphrase: text(request.body, 'passphrase') }, auditContextOf(request, null));
    const context = pageContext(request, reply);
    const { t } = context;
    const again = (status: number, found: RequestRecord, state: { problems?: FieldProblem[]; message?: string }) =>
      send(reply, status, renderAnswerPage(context, found, requests.readInstructions(found), config.requests.answerMaxCharacters, { text: answerText, ...state }, requests.answerFileLimits));
    switch (result.outcome) {
      case 'accepted':
        return send(reply, 200, renderAnswerSentPage(context, 'server'));
      case 'not_found':
        return send(reply, 404, renderRequestGonePage(context, false));
      case 'closed':
      case 'locked':
        return send(reply, 410, renderRequestGonePage(context, true));
      case 'invalid':
        return again(422, result.request, { problems: translateAnswerProblems(result.problems, t), message: t('create.fixProblems') });
      case 'passphrase_required':
        return again(401, result.request, { message: t('requests.respond.passphraseRequired') });
      case 'passphrase_incorrect':
        return again(401, result.request, { message: t('requests.respond.wrongPassphrase') });
      case 'rate_limited': {
        reply.header('retry-after', String(result.retryAfterSeconds));
        const found = await requests.findForResponder(token);
        if (!found || found.closed) return send(reply, 429, renderRequestGonePage(context, true));
        return again(429, found, { message: t('requests.respond.tooMany') });
      }
      default:
        throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
    }
  });
}
