import type { AppError } from '../../errors/app-error.js';
import { html } from '../html.js';
import { renderPage, type PageContext } from '../layout.js';

/** What a browser sees for a wrong address or a failure: the site's look, the reader's language. */
export function renderErrorPage(context: PageContext, error: AppError, requestId: string): string {
  const { t } = context;
  const notFound = error.statusCode === 404 || error.statusCode === 405;
  const kind = notFound
    ? 'notFound'
    : error.code === 'CSRF_FAILED'
      ? 'csrf'
      : error.code === 'RATE_LIMITED'
        ? 'rateLimited'
        : error.statusCode === 403
          ? 'forbidden'
          : error.statusCode < 500
            ? 'badRequest'
            : error.code === 'DATABASE_UNAVAILABLE'
              ? 'unavailable'
              : 'failed';
  const title = t(`errors.${kind}Title`);
  // A rate-limit page says how long to wait: the Retry-After the limiter set, in seconds. A refused
  // request (4xx) quotes the catalogue's message, which says what to change; a 5xx says nothing more.
  const body = html`<h1>${title}</h1>
<p>${t(`errors.${kind}Body`, { seconds: error.headers['retry-after'] ?? '60', message: error.message })}</p>
${kind === 'failed' ? html`<p class="hint">${t('errors.requestId', { id: requestId })}</p>` : ''}
<p><a href="${context.path(`/`)}">${t('layout.newPush')}</a></p>`;
  return renderPage(context, { title, body });
}
