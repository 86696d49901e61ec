import formBody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actingUser, decideAccess, type AccessLevel, type AccessRefusal } from '../../accounts/access-policy.js';
import type { AccountSettingsService } from '../../accounts/account-settings-service.js';
import type { AccountStore } from '../../accounts/account-store.js';
import type { ApiTokenService } from '../../accounts/api-token-service.js';
import type { Mailer } from '../../accounts/mailer.js';
import type { SignInService } from '../../accounts/sign-in-service.js';
import type { OidcSignInService } from '../../accounts/oidc-sign-in-service.js';
import type { PasskeyService } from '../../accounts/passkey-service.js';
import type { PassdropConfig } from '../../config/load-config.js';
import { AppError } from '../../errors/app-error.js';
import type { PushService } from '../../pushes/push-service.js';
import type { RevealHandoff } from '../../pushes/reveal-handoff.js';
import type { RequestService } from '../../requests/request-service.js';
import type { WebhookService } from '../../notifications/webhook-service.js';
import type { LinkEmailService } from '../../notifications/link-email-service.js';
import type { ReceiptService } from '../../notifications/receipt-service.js';
import { ASSET_DIRECTORY, loadAssetManifest } from '../../web/asset-manifest.js';
import { createTranslations } from '../../web/i18n/translator.js';
import type { Brand } from '../../web/layout.js';
import { renderAccountsOnlyPage } from '../../web/pages/create-page.js';
import { renderErrorPage } from '../../web/pages/error-page.js';
import { crossSiteSignalsPass, csrfCheckPasses, isUnsafeMethod, ownOrigins, stripCsrfField } from '../surface-kit/csrf.js';
import { catalogueErrorOf, errorBody, unmatchedRouteError, type AllowedMethods } from '../surface-kit/error-rendering.js';
import { minimalHtmlPage } from '../surface-kit/minimal-html-page.js';
import type { SiteAddress } from '../surface-kit/public-url.js';
import { servedByGateway } from '../surface-kit/gateway-mode.js';
import { defaultAccess, matchedAccess, stampSurface } from '../surface-kit/route-access.js';
import { authenticateSession } from '../surface-kit/session-authentication.js';
import { registerAccountRoutes } from './account-routes.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerBrandingRoutes } from './branding-routes.js';
import { registerCreateRoutes } from './create-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { registerDeliveryRoutes } from './delivery-routes.js';
import { createPageContextFactory, type PageContextFactory } from './page-context.js';
import { registerRequestRoutes } from './request-routes.js';
import { registerPasskeyRoutes } from './passkey-routes.js';
import { registerSsoRoutes } from './sso-routes.js';
import { registerTokenRoutes } from './token-routes.js';
import type { CookieScope } from './web-session.js';
import { registerWebhookRoutes } from './webhook-routes.js';
import { registerReceiptRoutes } from './receipt-routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Static files: served without looking up a session. */
    sessionless?: boolean;
  }
  interface FastifyRequest {
    /** Web pages of a signed-in account: its unread receipts, for the badge in the navigation. */
    unreadReceipts: number;
  }
}

export interface WebDependencies {
  readonly config: PassdropConfig;
  readonly site: SiteAddress;
  readonly pushes: PushService;
  /** Holds a payload revealed by the reveal form's POST for the GET it redirects to. */
  readonly revealHandoff: RevealHandoff;
  readonly requests: RequestService;
  readonly signIn: SignInService;
  readonly oidc: OidcSignInService;
  readonly passkeys: PasskeyService;
  readonly settings: AccountSettingsService;
  readonly accounts: AccountStore;
  readonly tokens: ApiTokenService;
  readonly mailer: Mailer;
  readonly webhooks: WebhookService;
  readonly linkEmails: LinkEmailService;
  readonly receipts: ReceiptService;
  readonly clock: () => number;
  readonly allowedMethods: AllowedMethods;
}

/** What every web route module receives: the services it calls and the page helpers. */
export interface WebRouteContext extends WebDependencies {
  readonly pageContext: PageContextFactory;
  readonly cookies: CookieScope;
}

/**
 * The web UI surface: every HTML page (creator, recipient, account, dashboard, admin) with its assets.
 *
 * Authentication is the session cookie only. Access is enforced from the matched route's `config.access`:
 * visitors who must sign in are sent to the sign-in page (or, on the create page of an accounts-only
 * server, told so), and a cookie-authenticated request that changes something must pass the CSRF check
 * (fetch metadata, Origin against our own origins including PASSDROP_BASE_URL's, and the session token).
 * Errors are pages in the site's look and the reader's language; clients that do not ask for HTML get
 * the catalogue's JSON instead.
 */
export async function webSurface(scope: FastifyInstance, deps: WebDependencies): Promise<void> {
  stampSurface(scope, 'web');
  const { config, site } = deps;
  const cookies: CookieScope = { path: site.basePath === '' ? '/' : site.basePath, secure: config.server.baseUrl?.startsWith('https:') ?? false };
  const assets = loadAssetManifest(site.basePath);
  const brand: Brand = {
    title: config.brand.title,
    tagline: config.brand.tagline,
    hasLogo: config.brand.logoFile !== undefined,
    hasCss: config.brand.cssFile !== undefined,
    onDeliveryPages: config.brand.onDeliveryPages,
    palette: config.brand.theme,
    colorScheme: config.brand.colorScheme,
    hasAccent: config.brand.accent !== undefined,
  };
  const pageContext = createPageContextFactory({
    translations: await createTranslations(),
    assets,
    brand,
    cookies,
    path: site.path,
    publicUrl: (request) => site.publicUrl(request),
    basePath: site.basePath,
  });

  await scope.register(formBody);
  scope.decorateRequest('unreadReceipts', 0);

  scope.addHook('onRequest', async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (request.routeOptions.config.sessionless) return;
    request.authentication = await authenticateSession(request, { signIn: deps.signIn, requireMfa: config.accounts.requireMfa, mfaSatisfiedBy: config.accounts.sso.mfaSatisfiedBy });
    request.user = actingUser(request.authentication);
    const level = matchedAccess(request);
    const decision = decideAccess(level, request.authentication, config.accounts);
    if (!decision.ok) return refuse(request, reply, decision.reason, level);
    // Pages (reads) of a signed-in account show the unread receipts in the navigation.
    if (request.authentication.kind === 'account' && request.user && (request.method === 'GET' || request.method === 'HEAD')) {
      request.unreadReceipts = await deps.receipts.unreadCount(request.user.id);
    }
  });

  scope.addHook('preValidation', async function checkCsrf(request: FastifyRequest) {
    if (!isUnsafeMethod(request.method)) return;
    const origins = ownOrigins(request, config.server.baseUrl);
    if (!request.session) {
      // Login CSRF: before any session exists there is no token to check, yet a foreign page could sign the
      // visitor in as the attacker (sign-in, sign-up, first-run, forgot-password). Refuse posts the browser
      // says come from another site (Sec-Fetch-Site, else Origin), as the OWASP CSRF cheat sheet describes.
      if (!crossSiteSignalsPass(request, origins)) throw new AppError('CSRF_FAILED');
      stripCsrfField(request);
      return;
    }
    if (!csrfCheckPasses(request, request.session.csrfToken, origins)) throw new AppError('CSRF_FAILED');
    stripCsrfField(request);
  });

  /** Where a visitor who may not see the page goes instead. */
  function refuse(request: FastifyRequest, reply: FastifyReply, reason: AccessRefusal, level: AccessLevel): FastifyReply {
    switch (reason) {
      case 'sign_in_required':
      case 'credentials_invalid': {
        if (level === 'visitor') {
          const context = pageContext(request, reply);
          return reply.code(401).type('text/html; charset=utf-8').send(renderAccountsOnlyPage(context));
        }
        const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
        return reply.redirect(site.path(`/account/sign-in${next}`), 303);
      }
      case 'second_factor_owed':
        return reply.redirect(site.path('/account/sign-in/two-factor'), 303);
      case 'mfa_required':
        return reply.redirect(site.path('/account/two-factor'), 303);
      case 'not_admin':
        return sendWebError(request, reply, new AppError('NOT_AN_ADMIN'));
      default:
        throw new Error(`unhandled refusal ${String(reason satisfies never)}`);
    }
  }

  function sendWebError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
    reply.code(error.statusCode).headers(error.headers);
    // Browsers ask for HTML (navigation and form posts alike); scripts and API clients get JSON.
    if (!(request.headers.accept ?? '').includes('text/html')) return reply.send(errorBody(error, request.id));
    let page: string;
    try {
      page = renderErrorPage(pageContext(request, reply), error, request.id);
    } catch {
      // The error page must never fail in turn.
      page = minimalHtmlPage('Something went wrong', `<p>Request id: ${request.id}</p>`);
    }
    return reply.type('text/html; charset=utf-8').send(page);
  }

  const bodyLimit = config.server.bodyLimitBytes;
  scope.setErrorHandler((error, request, reply) => sendWebError(request, reply, catalogueErrorOf(request, error, bodyLimit)));
  scope.setNotFoundHandler((request, reply) => sendWebError(request, reply, unmatchedRouteError(request, deps.allowedMethods)));

  await scope.register(async (assetScope) => {
    defaultAccess(assetScope, 'public');
    servedByGateway(assetScope);
    assetScope.addHook('onRoute', (route) => {
      route.config = { ...route.config, sessionless: true };
    });
    await assetScope.register(fastifyStatic, {
      root: ASSET_DIRECTORY,
      prefix: '/assets/',
      // Asset URLs carry a content hash (?v=…), so browsers may keep them for a year.
      cacheControl: false,
      setHeaders: (response) => response.setHeader('cache-control', 'public, max-age=31536000, immutable'),
      wildcard: false,
    });
  });

  const routeContext: WebRouteContext = { ...deps, pageContext, cookies };
  registerBrandingRoutes(scope, routeContext);
  registerCreateRoutes(scope, routeContext);
  registerDeliveryRoutes(scope, routeContext);
  registerAccountRoutes(scope, routeContext);
  registerSsoRoutes(scope, routeContext);
  registerPasskeyRoutes(scope, routeContext);
  registerTokenRoutes(scope, routeContext);
  registerWebhookRoutes(scope, routeContext);
  registerReceiptRoutes(scope, routeContext);
  registerDashboardRoutes(scope, routeContext);
  registerRequestRoutes(scope, routeContext);
  registerAdminRoutes(scope, routeContext);
}

