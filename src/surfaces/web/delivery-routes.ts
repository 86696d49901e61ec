import { pluralStrings } from '../../web/i18n/plural-templates.js';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { PushRecord } from '../../pushes/push-record.js';
import type { RetrieveResult } from '../../pushes/push-service.js';
import { REVEAL_HANDOFF_MS } from '../../pushes/reveal-handoff.js';
import { isWellFormedToken } from '../../pushes/push-token.js';
import { exactText, html, trusted, type SafeHtml } from '../../web/html.js';
import { csrfField, renderPage, type PageContext } from '../../web/layout.js';
import { formatTime } from '../../web/pages/share-page.js';
import { senderLine, trustList } from '../../web/pages/delivery-trust.js';
import { icon } from '../../web/icons.js';
import { isWebUrl, normaliseWebUrl } from '../../pushes/push-validation.js';
import { auditContextOf } from '../surface-kit/request-facts.js';
import type { WebRouteContext } from './web-surface.js';

/**
 * The recipient's pages. Opening a link (GET or HEAD) never uses a view while the push has a retrieval
 * step or a passphrase; the reveal is a deliberate POST (or, for an end-to-end push, the browser
 * module's request). Unknown and expired links get the same page and status, so the page tells nobody
 * whether a token ever existed. No branding unless configured.
 */
export function registerDeliveryRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { pushes: service, revealHandoff, pageContext, site, cookies } = deps;
  /** The handle of a payload revealed by the form, carried to the GET page only (path), by this site only, never by script. */
  const handoffCookie = (token: string, value: string, maxAgeSeconds: number) =>
    serializeCookie(REVEAL_COOKIE, value, { path: site.path(`/p/${token}/revealed`), httpOnly: true, sameSite: 'lax', secure: cookies.secure, maxAge: maxAgeSeconds });
  function page(reply: FastifyReply, context: PageContext, status: number, title: string, body: SafeHtml, endToEnd = false): FastifyReply {
    const { t } = context;
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(
        renderPage(context, {
          title,
          body,
          delivery: true,
          scripts: ['reveal-page'],
          browserStrings: endToEnd
            ? {
                copied: t('common.copied'),
                copy: t('common.copy'),
                wrongPassphrase: t('deliver.wrongPassphrase'),
                passphraseRequired: t('deliver.passphraseRequired'),
                tooMany: t('deliver.tooMany'),
                expired: t('deliver.expiredHeading'),
                brokenLink: t('deliver.brokenLink'),
                insecureOrigin: t('deliver.insecureOrigin'),
                failed: t('deliver.failed'),
                working: t('deliver.working'),
                showSecret: t('deliver.showSecret'),
                revealedHeading: t('deliver.revealedHeading'),
                lastView: t('deliver.lastView'),
                ...pluralStrings(t, context.lang, 'deliver.remaining', 'remaining'),
                deleteHint: t('deliver.deleteHint'),
                deleteNow: t('deliver.deleteNow'),
                filesHeading: t('files.listHeading'),
                download: t('files.download'),
                downloadAll: t('files.downloadAll'),
                downloading: t('files.downloading'),
                damaged: t('files.damaged'),
              }
            : { copied: t('common.copied'), copy: t('common.copy') },
        }),
      );
  }

  function expiredPage(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const context = pageContext(request, reply);
    const { t } = context;
    return page(reply, context, 404, t('deliver.expiredHeading'), html`<h1>${t('deliver.expiredHeading')}</h1><p>${t('deliver.expiredBody')}</p>`);
  }

  async function activePush(token: string): Promise<PushRecord | undefined> {
    if (!isWellFormedToken(token)) return undefined;
    const push = await service.peek(token);
    return push && !push.expired ? push : undefined;
  }

  function facts(context: PageContext, push: PushRecord): SafeHtml {
    const { t } = context;
    if (push.expired) return html`<p class="hint">${t('deliver.lastView')}</p>`;
    return html`<p class="hint">${t('deliver.remaining', { count: push.viewsRemaining })} <time datetime="${new Date(push.expiresAt).toISOString()}" data-local-time>${formatTime(context, push.expiresAt)}</time></p>`;
  }

  function stepPage(request: FastifyRequest, reply: FastifyReply, push: PushRecord, status = 200, message?: string): FastifyReply {
    const context = pageContext(request, reply);
    const { t } = context;
    const needsPassphrase = push.passphraseRecord !== null;
    const endToEnd = push.encryption === 'client';
    // The sender turned the retrieval step off: the browser module reveals at once (it alone holds the
    // key). A scanner without JavaScript, or without the fragment, still uses no view.
    const autoReveal = endToEnd && !push.retrievalStep && !needsPassphrase && message === undefined;
    const body = html`<div class="delivery-icon" aria-hidden="true">${icon(context.assets.url('icons.svg'), 'lock-keyhole')}</div>
<h1>${t('deliver.heading')}</h1>
${senderLine(context)}
${trustList(context, push)}
${message ? html`<div class="alert" role="alert"><p>${message}</p></div>` : ''}
<form method="post" action="${site.path(`/p/${push.token}/reveal`)}" class="reveal-form"${endToEnd ? html` data-e2e data-token="${push.token}" data-kind="${push.kind}"` : ''}${autoReveal ? html` data-auto-reveal` : ''}>
  ${csrfField(context)}
  ${needsPassphrase
    ? html`<div class="field"><label for="passphrase">${t('deliver.passphraseLabel')}</label>
  <input id="passphrase" name="passphrase" type="password" autocomplete="off" spellcheck="false" required aria-describedby="passphrase-hint">
  <p class="hint" id="passphrase-hint">${t('deliver.passphraseHint')}</p></div>`
    : ''}
  <p class="form-error" role="alert" data-form-error hidden></p>
  <button type="submit" class="primary${endToEnd ? ' js-only' : ''}">${t('deliver.reveal')}</button>
</form>
${endToEnd ? html`<p class="hint no-js-only">${t('deliver.needsJavaScript')}</p><div data-reveal-result></div>` : ''}`;
    return page(reply, context, status, t('deliver.heading'), body, endToEnd);
  }

  /**
   * A URL push's destination. A GET (no retrieval step) is answered with a 303. The reveal form's POST
   * cannot be: CSP Level 3 applies `form-action 'self'` to the redirects that follow a form submission,
   * so Chromium would block a 303 to another site after the view was used. It gets a page that navigates
   * with a `Refresh` header (outside form-action) and shows the link, in case the browser does not follow.
   */
  function urlDestination(request: FastifyRequest, reply: FastifyReply, push: PushRecord, payload: string, afterForm: boolean): FastifyReply {
    const destination = isWebUrl(payload) ? normaliseWebUrl(payload) : undefined;
    if (!destination) return expiredPage(request, reply);
    // After the form (its POST, or the GET its 303 leads to: the same navigation), a redirect is out.
    if (!afterForm) return reply.redirect(destination, 303);
    const context = pageContext(request, reply);
    const { t } = context;
    reply.header('refresh', `0; url=${destination}`);
    return page(
      reply,
      context,
      200,
      t('deliver.openingLink'),
      html`<h1>${t('deliver.openingLink')}</h1>
<p><a class="button primary" href="${destination}" rel="noreferrer" data-destination><bdi class="ltr-value" dir="ltr">${destination}</bdi></a></p>
<p><a href="${destination}" rel="noreferrer">${t('deliver.continueToLink')}</a></p>
${facts(context, push)}`,
    );
  }

  /** The QR drawing, or undefined when the content cannot be drawn (a push made before capacity was checked): the text is still delivered. */
  async function qrSvg(payload: string): Promise<string | undefined> {
    try {
      return await QRCode.toString(payload, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    } catch {
      return undefined;
    }
  }

  async function revealedPage(request: FastifyRequest, reply: FastifyReply, push: PushRecord, payload: string, afterForm = false): Promise<FastifyReply> {
    if (push.kind === 'url') return urlDestination(request, reply, push, payload, afterForm);
    const context = pageContext(request, reply);
    const { t } = context;
    const qr = push.kind === 'qr' ? await qrSvg(payload) : undefined;
    const body = html`<h1>${t('deliver.revealedHeading')}</h1>
${senderLine(context)}
${qr !== undefined ? html`<figure class="qr">${trusted(qr)}</figure>` : ''}
<details class="secret" data-reblur>
  <summary>${t('deliver.showSecret')}</summary>
  <pre id="secret-text" class="secret-text ltr-value" dir="ltr">${exactText(payload)}</pre>
</details>
<p><button type="button" class="primary js-only" data-copy="secret-text">${t('common.copy')}</button></p>
${facts(context, push)}
${push.deletableByViewer && !push.expired
  ? html`<form method="post" action="${site.path(`/p/${push.token}/delete`)}">${csrfField(context)}<p class="hint">${t('deliver.deleteHint')}</p><button type="submit" class="danger">${t('deliver.deleteNow')}</button></form>`
  : ''}`;
    return page(reply, context, 200, t('deliver.revealedHeading'), body);
  }

  async function sendResult(request: FastifyRequest, reply: FastifyReply, result: RetrieveResult): Promise<FastifyReply> {
    const { t } = pageContext(request, reply);
    switch (result.outcome) {
      case 'revealed':
        return revealedPage(request, reply, result.push, result.payload);
      case 'not_found':
      case 'expired':
      case 'locked':
        return expiredPage(request, reply);
      case 'passphrase_required':
        return stepPage(request, reply, result.push, 401, t('deliver.passphraseRequired'));
      case 'passphrase_incorrect':
        return stepPage(request, reply, result.push, 401, t('deliver.wrongPassphrase'));
      case 'rate_limited':
        return stepPage(request, reply.header('retry-after', '60'), result.push, 429, t('deliver.tooMany'));
      case 'link_proof_required':
      case 'link_damaged':
        // Only end-to-end pushes have a link proof, and those are revealed by the browser module.
        return stepPage(request, reply, result.push, 400, t('deliver.brokenLink'));
      default:
        throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
    }
  }

  async function showStep(request: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply> {
    const push = await activePush(token);
    if (!push) return expiredPage(request, reply);
    await service.recordOpened(push, auditContextOf(request));
    return stepPage(request, reply, push);
  }

  /** HEAD never uses a view: link previewers and scanners get the status and headers only. */
  async function head(request: FastifyRequest, reply: FastifyReply) {
    const push = await activePush((request.params as { token: string }).token);
    return reply.code(push ? 200 : 404).type('text/html; charset=utf-8').send();
  }

  const recipient = { access: 'public', limits: ['reveal'], gateway: true } as const;

  // The secret link. A request that asks for JSON is Password Pusher's API (its surface registers the
  // same path with the `format: json` constraint); everything else lands here.
  app.get('/p/:token', { config: recipient }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const push = await activePush(token);
    if (!push) return expiredPage(request, reply);
    if (push.retrievalStep || push.passphraseRecord !== null || push.encryption === 'client') return showStep(request, reply, token);
    return sendResult(request, reply, await service.retrieve(token, undefined, auditContextOf(request), request.user));
  });
  app.head('/p/:token', { config: recipient }, head);
  app.get('/p/:token/r', { config: recipient }, async (request, reply) => showStep(request, reply, (request.params as { token: string }).token));
  app.head('/p/:token/r', { config: recipient }, head);
  // Password Pusher moved every secret link under /p; old /f and /r links still work.
  for (const prefix of ['f', 'r']) {
    for (const step of ['', '/r']) {
      app.get(`/${prefix}/:token${step}`, { config: recipient, exposeHeadRoute: true }, async (request, reply) => {
        const { token } = request.params as { token: string };
        if (!isWellFormedToken(token)) return expiredPage(request, reply);
        return reply.redirect(site.path(`/p/${token}${step}${querySuffix(request)}`), 301);
      });
    }
  }

  app.post('/p/:token/reveal', { config: recipient }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const push = await activePush(token);
    if (!push) return expiredPage(request, reply);
    // Only the browser holds the key of an end-to-end push: revealing it here would burn a view for nothing.
    if (push.encryption === 'client') {
      const context = pageContext(request, reply);
      return page(reply, context, 400, context.t('deliver.heading'), html`<h1>${context.t('deliver.heading')}</h1><p>${context.t('deliver.needsJavaScript')}</p>`);
    }
    const passphrase = (request.body as { passphrase?: unknown } | undefined)?.passphrase;
    const result = await service.retrieve(token, typeof passphrase === 'string' ? passphrase : undefined, auditContextOf(request), request.user);
    if (result.outcome !== 'revealed') return sendResult(request, reply, result);
    // Post/redirect/get: the view is used; the page that shows the secret is a GET, so a refresh never
    // posts the form again (which would use another view).
    const handle = await revealHandoff.hold(result.push, result.payload);
    reply.header('set-cookie', handoffCookie(token, handle, REVEAL_HANDOFF_MS / 1000));
    return reply.redirect(site.path(`/p/${token}/revealed${querySuffix(request)}`), 303);
  });

  /**
   * Where the reveal form leads: shows the payload its POST held, once. Without one (a refresh, a second
   * tab, a minute later) it offers the step again while views are left, and the expired page after.
   * No HEAD route: a HEAD must not take the payload.
   */
  app.get('/p/:token/revealed', { config: recipient, exposeHeadRoute: false }, async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!isWellFormedToken(token)) return expiredPage(request, reply);
    const handle = parseCookies(request.headers.cookie ?? '')[REVEAL_COOKIE];
    if (handle !== undefined) reply.header('set-cookie', handoffCookie(token, '', 0));
    const payload = handle === undefined ? undefined : await revealHandoff.take(token, handle);
    const push = await service.peek(token);
    if (payload === undefined || !push) {
      if (push && !push.expired) return reply.redirect(site.path(`/p/${token}/r`), 303);
      return expiredPage(request, reply);
    }
    return revealedPage(request, reply, push, payload, true);
  });

  // Post/redirect/get: a refresh of the page after "Delete it now" reloads a GET, and never asks to post again.
  app.post('/p/:token/delete', { config: recipient }, async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!isWellFormedToken(token)) return expiredPage(request, reply);
    const result = await service.deleteByViewer(token, auditContextOf(request), request.user);
    if (result.outcome === 'deleted') return reply.redirect(site.path(`/p/${token}/deleted`), 303);
    const context = pageContext(request, reply);
    const { t } = context;
    if (result.outcome === 'not_deletable') return page(reply, context, 403, t('deliver.notDeletableHeading'), html`<h1>${t('deliver.notDeletableHeading')}</h1><p>${t('deliver.notDeletableBody')}</p>`);
    return expiredPage(request, reply);
  });

  /** Where "Delete it now" lands: says "deleted" only for a push a recipient deleted, the expired page otherwise. */
  app.get('/p/:token/deleted', { config: recipient, exposeHeadRoute: true }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
    if (!push?.expired || push.expireReason !== 'viewer') return expiredPage(request, reply);
    const context = pageContext(request, reply);
    const { t } = context;
    return page(reply, context, 200, t('deliver.deletedHeading'), html`<h1>${t('deliver.deletedHeading')}</h1><p>${t('deliver.deletedBody')}</p>`);
  });
}

/** The cookie that carries the handle of a payload revealed by the form to the page that shows it. */
export const REVEAL_COOKIE = 'passdrop_reveal';

/** The query string of a request, `?…` or '', carried over to a redirect. */
function querySuffix(request: FastifyRequest): string {
  const index = request.url.indexOf('?');
  return index === -1 ? '' : request.url.slice(index);
}
