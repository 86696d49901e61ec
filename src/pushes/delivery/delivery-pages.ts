import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { auditContextOf } from '../../http/audit-context.js';
import { escapeHtml, minimalHtmlPage } from '../../http/minimal-html-page.js';
import type { DeliveryPages } from '../password-pusher/password-pusher-routes.js';
import type { PushRecord } from '../push-record.js';
import type { PushService, RetrieveResult } from '../push-service.js';
import { isWellFormedToken } from '../push-token.js';

const EXPIRED_TITLE = 'This secret link has expired';
const NEEDS_JAVASCRIPT =
  '<p>This secret was encrypted in the sender\'s browser, and only your browser can open it. Please turn on JavaScript and open the link again.</p>';
const EXPIRED_BODY = '<p>The secret it held has been deleted, or the link was never valid. Ask the sender for a new one.</p>';

/**
 * The recipient's pages. Opening a link (GET or HEAD) never uses a view while the push has a retrieval
 * step or a passphrase; the reveal is a deliberate POST. Unknown and expired links get the same page
 * and status, so the page tells nobody whether a token ever existed.
 */
export function registerDeliveryPages(app: FastifyInstance, service: PushService): DeliveryPages {
  function html(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
    return reply.code(status).type('text/html; charset=utf-8').send(minimalHtmlPage(title, body));
  }

  const expiredPage = (reply: FastifyReply) => html(reply, 404, EXPIRED_TITLE, EXPIRED_BODY);

  async function activePush(token: string): Promise<PushRecord | undefined> {
    if (!isWellFormedToken(token)) return undefined;
    const push = await service.peek(token);
    return push && !push.expired ? push : undefined;
  }

  function revealForm(push: PushRecord, message?: string): string {
    const needsPassphrase = push.passphraseRecord !== null;
    return `${message ? `<p role="alert"><strong>${escapeHtml(message)}</strong></p>` : ''}
<p>Someone sent you a secret. Revealing it uses one of its ${push.viewsRemaining} remaining views.</p>
<form method="post" action="/p/${push.token}/reveal">
${needsPassphrase ? '<p><label for="passphrase">Passphrase</label><br><input id="passphrase" name="passphrase" type="password" autocomplete="off" required autofocus></p>' : ''}
<p><button type="submit">Reveal the secret</button></p>
</form>`;
  }

  async function revealed(reply: FastifyReply, push: PushRecord, payload: string): Promise<FastifyReply> {
    switch (push.kind) {
      case 'url':
        return reply.redirect(payload, 303);
      case 'qr': {
        const svg = await QRCode.toString(payload, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
        return html(reply, 200, 'Your QR code', `${svg}${afterReveal(push)}`);
      }
      default:
        return html(reply, 200, 'Your secret', `<pre>${escapeHtml(payload)}</pre>${afterReveal(push)}`);
    }
  }

  function afterReveal(push: PushRecord): string {
    const left = push.expired
      ? '<p>That was the last view: the secret is now deleted.</p>'
      : `<p>${push.viewsRemaining} views left until ${new Date(push.expiresAt).toISOString()}.</p>`;
    const deletable =
      push.deletableByViewer && !push.expired
        ? `<form method="post" action="/p/${push.token}/delete"><button type="submit">Delete it now</button></form>`
        : '';
    return left + deletable;
  }

  async function sendResult(reply: FastifyReply, result: RetrieveResult): Promise<FastifyReply> {
    switch (result.outcome) {
      case 'revealed':
        return revealed(reply, result.push, result.payload);
      case 'not_found':
      case 'expired':
      case 'locked':
        return expiredPage(reply);
      case 'passphrase_required':
        return html(reply, 401, 'Passphrase required', revealForm(result.push, 'This secret needs a passphrase.'));
      case 'passphrase_incorrect':
        return html(reply, 401, 'Passphrase required', revealForm(result.push, 'That passphrase is incorrect.'));
      case 'rate_limited':
        return html(reply.header('retry-after', '60'), 429, 'Too many attempts', '<p>Too many passphrase attempts. Please try again in a minute.</p>');
      default:
        throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
    }
  }

  async function showStep(request: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply> {
    const push = await activePush(token);
    if (!push) return expiredPage(reply);
    await service.recordOpened(push, auditContextOf(request));
    return html(reply, 200, 'You have a secret', revealForm(push));
  }

  app.get('/p/:token/r', { exposeHeadRoute: false }, async (request, reply) =>
    showStep(request, reply, (request.params as { token: string }).token),
  );
  app.head('/p/:token/r', async (request, reply) => pages.head(request, reply, (request.params as { token: string }).token));
  for (const prefix of ['f', 'r']) {
    app.get(`/${prefix}/:token/r`, async (request, reply) =>
      reply.redirect(request.url.replace(`/${prefix}/`, '/p/'), 301),
    );
  }

  app.post('/p/:token/reveal', async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!isWellFormedToken(token)) return expiredPage(reply);
    const push = await activePush(token);
    // Only the browser holds the key of an end-to-end push: revealing it here would burn a view for nothing.
    if (push?.encryption === 'client') return html(reply, 400, 'JavaScript needed', NEEDS_JAVASCRIPT);
    const passphrase = (request.body as { passphrase?: unknown } | undefined)?.passphrase;
    const result = await service.retrieve(token, typeof passphrase === 'string' ? passphrase : undefined, auditContextOf(request));
    return sendResult(reply, result);
  });

  app.post('/p/:token/delete', async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!isWellFormedToken(token)) return expiredPage(reply);
    const result = await service.deleteByViewer(token, auditContextOf(request));
    if (result.outcome === 'deleted') return html(reply, 200, 'Deleted', '<p>The secret is deleted. Nobody can open this link any more.</p>');
    if (result.outcome === 'not_deletable') return html(reply, 403, 'Not deletable', '<p>The sender did not allow deleting this secret.</p>');
    return expiredPage(reply);
  });

  const pages: DeliveryPages = {
    async show(request, reply, token) {
      const push = await activePush(token);
      if (!push) return expiredPage(reply);
      if (push.retrievalStep || push.passphraseRecord !== null) return showStep(request, reply, token);
      return sendResult(reply, await service.retrieve(token, undefined, auditContextOf(request)));
    },
    async head(_request, reply, token) {
      const push = await activePush(token);
      return reply.code(push ? 200 : 404).type('text/html; charset=utf-8').send();
    },
  };
  return pages;
}
