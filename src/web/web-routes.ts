import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KindPolicy, PassdropConfig } from '../config/load-config.js';
import type { FieldProblem } from '../errors/app-error.js';
import { auditContextOf } from '../http/audit-context.js';
import { publicBaseUrl } from '../http/public-base-url.js';
import { parseFlag } from '../pushes/password-pusher/password-pusher-create-request.js';
import { SERVER_PUSH_KINDS, type ServerPushKind } from '../pushes/push-kinds.js';
import type { PushService } from '../pushes/push-service.js';
import { isWellFormedToken } from '../pushes/push-token.js';
import { ASSET_DIRECTORY, loadAssetManifest } from './asset-manifest.js';
import { createTranslations, type Translate } from './i18n/translator.js';
import { html } from './html.js';
import { renderPage, type Brand } from './layout.js';
import { createPageContextFactory, type PageContextFactory } from './page-context.js';
import { enabledKinds, renderCreatePage, type CreateFormValues } from './pages/create-page.js';
import { renderSharePage } from './pages/share-page.js';

const IMAGE_TYPES: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.webp': 'image/webp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

/**
 * The service speaks Password Pusher's English messages (its API clients match on them); the form shows
 * the same rules in the reader's language. Anything without a translation keeps the service's text.
 */
function translateProblems(problems: readonly FieldProblem[], t: Translate, kindPolicy: KindPolicy): FieldProblem[] {
  return problems.map((problem) => {
    if (problem.field === 'payload') {
      if (problem.message === 'Payload is required.') return { ...problem, message: t('create.required') };
      if (/payload is too large/.test(problem.message)) return { ...problem, message: t('create.tooLong', { max: kindPolicy.maxCharacters }) };
      if (problem.message === 'must be a valid HTTP or HTTPS URL.') return { ...problem, message: t('create.invalidUrl') };
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
 * The creator's side of the web UI: the create form (which works without JavaScript, posting to the
 * server, and with JavaScript encrypts in the browser), the share page, static assets and branding.
 */
export async function registerWebRoutes(
  app: FastifyInstance,
  deps: { service: PushService; config: PassdropConfig },
): Promise<PageContextFactory> {
  const { service, config } = deps;
  const assets = loadAssetManifest();
  const brand: Brand = {
    title: config.brand.title,
    tagline: config.brand.tagline,
    hasLogo: config.brand.logoFile !== undefined,
    hasCss: config.brand.cssFile !== undefined,
    onDeliveryPages: config.brand.onDeliveryPages,
  };
  const pageContext = createPageContextFactory({
    translations: await createTranslations(),
    assets,
    brand,
    secureCookies: config.server.baseUrl?.startsWith('https:') ?? false,
  });
  const baseUrl = (request: FastifyRequest) => publicBaseUrl(request, config.server.baseUrl);

  await app.register(fastifyStatic, {
    root: ASSET_DIRECTORY,
    prefix: '/assets/',
    // Asset URLs carry a content hash (?v=…), so browsers may keep them for a year.
    cacheControl: false,
    setHeaders: (response) => response.setHeader('cache-control', 'public, max-age=31536000, immutable'),
    wildcard: false,
  });

  if (config.brand.logoFile !== undefined) {
    const logo = readFileSync(config.brand.logoFile);
    const type = IMAGE_TYPES[extname(config.brand.logoFile).toLowerCase()] ?? 'application/octet-stream';
    app.get('/brand/logo', async (_request, reply) => reply.type(type).header('cache-control', 'public, max-age=3600').send(logo));
  }
  if (config.brand.cssFile !== undefined) {
    const css = readFileSync(config.brand.cssFile);
    app.get('/brand/custom.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css));
  }

  const tabOf = (request: FastifyRequest): ServerPushKind => {
    const tab = (request.query as Record<string, unknown>).tab;
    const kinds = enabledKinds(config.pushes);
    return typeof tab === 'string' && (kinds as string[]).includes(tab) ? (tab as ServerPushKind) : (kinds[0] ?? 'text');
  };

  function accountsOnlyPage(request: FastifyRequest, reply: FastifyReply) {
    const context = pageContext(request, reply);
    const { t } = context;
    const body = html`<h1>${t('create.heading.text')}</h1><div class="alert info"><p>${t('create.accountsOnly')}</p></div><p><a href="/account/sign-in">${t('nav.signIn')}</a> · <a href="/api/docs/">${t('layout.apiDocs')}</a></p>`;
    return reply.code(401).type('text/html; charset=utf-8').send(renderPage(context, { title: t('create.heading.text'), body }));
  }

  app.get('/', async (request, reply) => {
    if (!config.accounts.allowAnonymous && !request.user) return accountsOnlyPage(request, reply);
    return reply.type('text/html; charset=utf-8').send(renderCreatePage(pageContext(request, reply), config.pushes, { kind: tabOf(request) }));
  });

  // The form without JavaScript: the server encrypts at rest (the browser path posts ciphertext to the API instead).
  app.post('/p', async (request, reply) => {
    if (!config.accounts.allowAnonymous && !request.user) return accountsOnlyPage(request, reply);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const requestedKind = textField(body, 'kind');
    const kind: ServerPushKind = (SERVER_PUSH_KINDS as readonly string[]).includes(requestedKind ?? '') ? (requestedKind as ServerPushKind) : 'text';
    const values: CreateFormValues = {
      kind,
      payload: textField(body, 'payload'),
      expireAfterMinutes: wholeNumber(textField(body, 'expire_after_minutes')),
      expireAfterViews: wholeNumber(textField(body, 'expire_after_views')),
      // An unticked checkbox sends nothing: in a form, absent means false.
      retrievalStep: parseFlag(body.retrieval_step) ?? false,
      deletableByViewer: parseFlag(body.deletable_by_viewer) ?? false,
      name: textField(body, 'name'),
      note: textField(body, 'note'),
    };
    const result = await service.create(
      {
        kind,
        payload: values.payload,
        expiry: { minutes: values.expireAfterMinutes, views: values.expireAfterViews },
        passphrase: textField(body, 'passphrase'),
        retrievalStep: values.retrievalStep,
        deletableByViewer: values.deletableByViewer,
        name: values.name,
        note: values.note,
        ownerUserId: request.user?.id ?? null,
      },
      auditContextOf(request, request.user?.id ?? null),
    );
    if (!result.ok) {
      const context = pageContext(request, reply);
      const problems = translateProblems(result.problems, context.t, config.pushes.kinds[kind]);
      return reply.code(422).type('text/html; charset=utf-8').send(renderCreatePage(context, config.pushes, values, problems));
    }
    return reply.redirect(`/p/${result.push.token}/preview`, 303);
  });

  app.get('/p/:token/preview', async (request, reply) => {
    const { token } = request.params as { token: string };
    const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
    const context = pageContext(request, reply);
    if (!push || push.expired) {
      const { t } = context;
      const body = html`<h1>${t('deliver.expiredHeading')}</h1><p>${t('deliver.expiredBody')}</p>`;
      return reply.code(404).type('text/html; charset=utf-8').send(renderPage(context, { title: t('deliver.expiredHeading'), body }));
    }
    return reply.type('text/html; charset=utf-8').send(await renderSharePage(context, push, baseUrl(request)));
  });

  return pageContext;
}
