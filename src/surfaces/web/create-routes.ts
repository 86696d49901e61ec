import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KindPolicy } from '../../config/load-config.js';
import type { FieldProblem } from '../../errors/app-error.js';
import { SERVER_PUSH_KINDS, type ServerPushKind } from '../../pushes/push-kinds.js';
import { isWellFormedToken } from '../../pushes/push-token.js';
import { resolveLanguage } from '../../web/i18n/languages.js';
import type { Translate } from '../../web/i18n/translator.js';
import { html } from '../../web/html.js';
import { renderPage } from '../../web/layout.js';
import { renderFilePushPage } from '../../web/pages/file-push-page.js';
import { enabledKinds, expiryPresets, renderAccountsOnlyPage, renderCreatePage, type CreateFormValues } from '../../web/pages/create-page.js';
import { renderSharePage } from '../../web/pages/share-page.js';
import { parseFlag } from '../surface-kit/form-values.js';
import { setLinkEmailFlash, takeLinkEmailFlash } from '../surface-kit/link-email-flash.js';
import { auditContextOf } from '../surface-kit/request-facts.js';
import { translateLinkEmailProblems } from './dashboard-routes.js';
import type { WebRouteContext } from './web-surface.js';

/** The form shows the service's rules in the reader's language, by each problem's code; the rest keep the service's text. */
function translateProblems(problems: readonly FieldProblem[], t: Translate, kindPolicy: KindPolicy): FieldProblem[] {
  return problems.map((problem) => {
    if (problem.field === 'payload') {
      if (problem.code === 'required') return { ...problem, message: t('create.required') };
      if (problem.code === 'too_long') return { ...problem, message: t('create.tooLong', { max: kindPolicy.maxCharacters }) };
      if (problem.code === 'invalid_url') return { ...problem, message: t('create.invalidUrl') };
      if (problem.code === 'qr_too_large') return { ...problem, message: t('create.qrTooLarge', { ...problem.params }) };
    }
    if (problem.field === 'expire_after_views') {
      return { ...problem, message: t('create.viewsHint', { min: kindPolicy.expireAfterViews.min, max: kindPolicy.expireAfterViews.max }) };
    }
    return problem;
  });
}

function textField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

function wholeNumber(text: string | undefined): number | undefined {
  return text !== undefined && /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
}

/**
 * The share page's path: `/p/<token>/preview`, with how many link emails were queued and the recipient's
 * language (`push_locale`, which the share page puts on the link as `?locale=`) when there are any.
 */
function previewPath(token: string, query: { emailed?: string; push_locale?: string | undefined }): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) parameters.set(name, value);
  const search = parameters.toString();
  return `/p/${token}/preview${search === '' ? '' : `?${search}`}`;
}

/**
 * The creator's side of the web UI: the create form (which works without JavaScript, posting to the
 * server, and with JavaScript encrypts in the browser and posts to our API) and the share page.
 */
export function registerCreateRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { pushes, config, pageContext, site, linkEmails } = deps;
  // "Email the link to" is for signed-in senders on a server that can send link emails.
  const pageOptions = (request: FastifyRequest) => ({ offerLinkEmail: request.user !== null && linkEmails.available });

  const tabOf = (request: FastifyRequest): ServerPushKind => {
    const tab = (request.query as Record<string, unknown>).tab;
    const kinds = enabledKinds(config.pushes);
    return typeof tab === 'string' && (kinds as string[]).includes(tab) ? (tab as ServerPushKind) : (kinds[0] ?? 'text');
  };

  app.get('/', { config: { access: 'visitor' }, exposeHeadRoute: true }, async (request, reply) => {
    const context = pageContext(request, reply);
    if ((request.query as Record<string, unknown>).tab === 'file' && config.pushes.kinds.file.enabled) {
      return reply.type('text/html; charset=utf-8').send(renderFilePushPage(context, config.pushes, config.files));
    }
    return reply.type('text/html; charset=utf-8').send(renderCreatePage(context, config.pushes, { kind: tabOf(request) }, [], pageOptions(request)));
  });

  // The form without JavaScript: the server encrypts at rest (the browser path posts ciphertext to the API instead).
  app.post('/p', { config: { access: 'visitor', limits: ['create'] } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const requestedKind = textField(body, 'kind');
    const kind: ServerPushKind = (SERVER_PUSH_KINDS as readonly string[]).includes(requestedKind ?? '') ? (requestedKind as ServerPushKind) : 'text';
    // A preset the policy offers stands for its lifetime and views; 'custom' (or none) uses the two fields.
    const presetId = textField(body, 'expiry_preset');
    const preset = expiryPresets(config.pushes.kinds[kind], config.pushes).find((candidate) => candidate.id === presetId);
    const values: CreateFormValues = {
      kind,
      // A form submits a textarea's line breaks as CRLF whatever was typed or pasted (HTML's form encoding);
      // its value in the page, which the browser-encrypted path sends as is, has LF. Deliver that value.
      payload: textField(body, 'payload')?.replace(/\r\n/g, '\n'),
      expireAfterMinutes: preset ? preset.minutes : wholeNumber(textField(body, 'expire_after_minutes')),
      expireAfterViews: preset ? preset.views : wholeNumber(textField(body, 'expire_after_views')),
      expiryPreset: preset ? preset.id : presetId === 'custom' ? 'custom' : undefined,
      // An unticked checkbox sends nothing: in a form, absent means false.
      retrievalStep: parseFlag(body.retrieval_step) ?? false,
      deletableByViewer: parseFlag(body.deletable_by_viewer) ?? false,
      name: textField(body, 'name'),
      note: textField(body, 'note'),
      notifyEmailsTo: textField(body, 'notify_emails_to'),
      notifyEmailsToLocale: textField(body, 'notify_emails_to_locale'),
      pushLocale: resolveLanguage(textField(body, 'push_locale') ?? ''),
    };
    const options = pageOptions(request);
    // The server encrypts this push, so it has the whole link: checked before creating, queued after.
    const notify = options.offerLinkEmail && values.notifyEmailsTo?.trim() ? { recipients: values.notifyEmailsTo, locale: values.notifyEmailsToLocale } : undefined;
    const notifyProblems = notify ? linkEmails.checkInput(notify) : [];
    if (notifyProblems.length > 0) {
      const context = pageContext(request, reply);
      const problems = translateLinkEmailProblems(notifyProblems, context.t).map((problem) => ({ ...problem, field: 'notify_emails_to' }));
      return reply.code(422).type('text/html; charset=utf-8').send(renderCreatePage(context, config.pushes, values, problems, options));
    }
    const result = await pushes.create(
      {
        kind,
        payload: values.payload,
        expiry: { minutes: values.expireAfterMinutes, views: values.expireAfterViews },
        passphrase: textField(body, 'passphrase'),
        retrievalStep: values.retrievalStep,
        deletableByViewer: values.deletableByViewer,
        name: values.name,
        note: values.note,
      },
      { authentication: request.authentication, audit: auditContextOf(request) },
    );
    if (!result.ok) {
      const context = pageContext(request, reply);
      if ('refused' in result) return reply.code(401).type('text/html; charset=utf-8').send(renderAccountsOnlyPage(context));
      const problems = translateProblems(result.problems, context.t, config.pushes.kinds[kind]);
      return reply.code(422).type('text/html; charset=utf-8').send(renderCreatePage(context, config.pushes, values, problems, options));
    }
    if (notify && request.user) {
      const queued = await linkEmails.queueForNewPush(request.user, result.push, notify);
      // The push exists now: a limit met since the check above is told on the share page, not hidden.
      if (!queued.ok) request.log.warn({ reason: queued.reason }, 'the link of a new push was not emailed');
      setLinkEmailFlash(reply, site.path(`/p/${result.push.token}/preview`), queued.ok ? queued.recipients : 'failed', deps.cookies.secure);
    }
    return reply.redirect(site.path(previewPath(result.push.token, { push_locale: values.pushLocale })), 303);
  });

  app.get('/p/:token/preview', { config: { access: 'public', limits: ['reveal'] }, exposeHeadRoute: true }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const push = isWellFormedToken(token) ? await pushes.peek(token) : undefined;
    const context = pageContext(request, reply);
    if (!push || push.expired) {
      const { t } = context;
      const body = html`<h1>${t('deliver.expiredHeading')}</h1><p>${t('deliver.expiredBody')}</p>`;
      return reply.code(404).type('text/html; charset=utf-8').send(renderPage(context, { title: t('deliver.expiredHeading'), body }));
    }
    // Only the flash the server set after queuing link emails; a query parameter anyone could add is ignored.
    const linkEmailed = takeLinkEmailFlash(request, reply, site.path(`/p/${token}/preview`), deps.cookies.secure);
    const pushLocale = (request.query as Record<string, unknown>).push_locale;
    const recipientLanguage = typeof pushLocale === 'string' ? resolveLanguage(pushLocale) : undefined;
    return reply.type('text/html; charset=utf-8').send(await renderSharePage(context, push, site.publicUrl(request), { linkEmailed, recipientLanguage }));
  });
}
