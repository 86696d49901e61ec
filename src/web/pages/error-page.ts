import type { AppError } from '../../errors/app-error.js';
import { html } from '../html.js';
import { renderPage, type PageContext } from '../layout.js';

/** What a browser sees for a wrong address or a failure: the site's look, the reader's language. */
export function renderErrorPage(context: PageContext, error: AppError, requestId: string): string {
  const { t } = context;
  const notFound = error.statusCode === 404 || error.statusCode === 405;
  const kind = notFound ? 'notFound' : error.code === 'CSRF_FAILED' ? 'csrf' : error.statusCode === 403 ? 'forbidden' : 'failed';
  const title = t(`errors.${kind}Title`);
  const body = html`<h1>${title}</h1>
<p>${t(`errors.${kind}Body`)}</p>
${kind === 'failed' ? html`<p class="hint">${t('errors.requestId', { id: requestId })}</p>` : ''}
<p><a href="${context.path(`/`)}">${t('layout.newPush')}</a></p>`;
  return renderPage(context, { title, body });
}
