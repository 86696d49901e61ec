import { html, type SafeHtml } from './html.js';
import type { AssetManifest } from './asset-manifest.js';
import { brandMark, icon } from './icons.js';
import type { IconName } from './icon-names.js';
import type { LanguageCode } from './i18n/languages.js';
import { languageOptions } from './language-options.js';
import type { Translate } from './i18n/translator.js';

export interface Brand {
  readonly title: string;
  readonly tagline: string | undefined;
  readonly hasLogo: boolean;
  readonly hasCss: boolean;
  readonly onDeliveryPages: boolean;
  /** The built-in theme (PASSDROP_THEME): 'passdrop' (blue), 'forest', 'graphite' or 'violet'. */
  readonly palette?: string;
  /** The colour scheme before a visitor chooses one (PASSDROP_COLOR_SCHEME): 'system', 'light' or 'dark'. */
  readonly colorScheme?: 'system' | 'light' | 'dark';
  /** True when PASSDROP_BRAND_ACCENT is set: /brand/theme.css carries the accent tokens. */
  readonly hasAccent?: boolean;
}

/** The signed-in visitor, as pages need it. */
export interface PageAccount {
  readonly email: string;
  readonly admin: boolean;
  /** Every form that changes something carries it (see web-session.ts). */
  readonly csrfToken: string;
  /** False while the second factor is owed. */
  readonly signedIn: boolean;
  /** Receipts in the inbox not yet read (the navigation's badge); 0 or absent shows none. */
  readonly unreadReceipts?: number;
}

export interface PageContext {
  readonly t: Translate;
  /** A site-absolute path with the site's base path in front: path('/account') is '/secrets/account' under a sub-path. */
  readonly path: (path: string) => string;
  readonly account: PageAccount | null;
  readonly lang: LanguageCode;
  readonly dir: 'ltr' | 'rtl';
  readonly assets: AssetManifest;
  readonly brand: Brand;
  /** The host recipients see in the address bar (from PASSDROP_BASE_URL or the request), for the trust line. */
  readonly host?: string;
  /** The request path without the base path and query ('/dashboard'), to mark the current navigation item. */
  readonly currentPath?: string;
  /** The strings of another language: what the page writes for someone else (the recipient's share message). */
  readonly translate?: (code: LanguageCode) => Translate;
}

export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
  /** Browser modules to load (names in build/web-assets). */
  readonly scripts?: readonly string[];
  /** Pages with wide tables (dashboard, admin) use more of a large screen. */
  readonly wide?: boolean;
  /** The container width (docs/ui.md): 'narrow' for recipient and sign-in pages, 'page' (default), 'wide' for lists. */
  readonly width?: 'narrow' | 'page' | 'wide';
  /** Delivery pages: no branding unless PASSDROP_BRAND_ON_DELIVERY_PAGES, no navigation. */
  readonly delivery?: boolean;
  /** Strings the page's browser module needs, handed over as JSON in a data attribute (escaped like any attribute). */
  readonly browserStrings?: Readonly<Record<string, string>>;
}

/** The hidden field that proves a form came from our page; empty for visitors without a session. */
export function csrfField(context: PageContext): SafeHtml | string {
  return context.account ? html`<input type="hidden" name="_csrf" value="${context.account.csrfToken}">` : '';
}

/** Whether `href` is the request's path or one of its ancestors ('/dashboard' for '/dashboard/requests'). */
function pathIsUnder(path: string | undefined, href: string): boolean {
  return path !== undefined && (path === href || (href !== '/' && path.startsWith(`${href}/`)));
}

/** The navigation item to mark current: the longest href the request's path falls under, so a page marks one item. */
function currentNavHref(context: PageContext, hrefs: readonly string[]): string | undefined {
  return hrefs.filter((href) => pathIsUnder(context.currentPath, href)).sort((a, b) => b.length - a.length)[0];
}

function navLink(context: PageContext, current: string | undefined, href: string, label: string, iconName: IconName, after?: SafeHtml): SafeHtml {
  return html`<a href="${context.path(href)}"${current === href ? html` aria-current="page"` : ''}>${icon(context.assets.url('icons.svg'), iconName)}<span>${label}</span>${after ?? ''}</a>`;
}

function accountNavigation(context: PageContext): SafeHtml {
  const { t, account } = context;
  if (account?.signedIn) {
    const current = currentNavHref(context, ['/', '/dashboard', '/dashboard/requests', '/account/inbox', '/account', '/admin']);
    const unread = account.unreadReceipts ?? 0;
    return html`<nav class="account-nav" aria-label="${t('nav.account')}">
  ${navLink(context, current, '/', t('layout.newPush'), 'plus')}
  ${navLink(context, current, '/dashboard', t('nav.dashboard'), 'layout-dashboard')}
  ${navLink(context, current, '/dashboard/requests', t('requests.nav'), 'inbox')}
  ${navLink(context, current, '/account/inbox', t('receipts.inbox'), 'bell', unread > 0 ? html`<span class="badge badge-count">${String(unread)}<span class="visually-hidden"> ${t('receipts.unread')}</span></span>` : undefined)}
  ${navLink(context, current, '/account', t('nav.settings'), 'settings')}
  ${account.admin ? navLink(context, current, '/admin', t('nav.admin'), 'shield') : ''}
  <form method="post" action="${context.path(`/account/sign-out`)}" class="inline-form">${csrfField(context)}<button type="submit" class="quiet small">${icon(context.assets.url('icons.svg'), 'log-out', 'icon-flip')}<span>${t('nav.signOut')}</span></button></form>
</nav>`;
  }
  const current = currentNavHref(context, ['/', '/account/sign-in']);
  return html`<nav class="account-nav" aria-label="${t('nav.account')}">${navLink(context, current, '/', t('layout.newPush'), 'plus')}${navLink(context, current, '/account/sign-in', t('nav.signIn'), 'user')}</nav>`;
}

/** The page shell: language and direction, theme, header, footer, icons; no inline script or style. */
export function renderPage(context: PageContext, options: PageOptions): string {
  const { t, brand, assets } = context;
  const branded = !options.delivery || brand.onDeliveryPages;
  const siteTitle = branded ? brand.title : 'Passdrop';
  const width = options.width ?? (options.wide ? 'wide' : options.delivery ? 'narrow' : 'page');
  const mark = branded && brand.hasLogo ? html`<img class="brand-logo" src="${context.path(`/brand/logo`)}" alt="">` : brandMark();
  const header = html`<header class="site-header"><div class="site-header-inner">
  <a class="brand" href="${context.path(`/`)}">${mark}<span>${siteTitle}</span></a>
  ${branded ? html`<p class="tagline">${brand.tagline ?? t('layout.tagline')}</p>` : ''}
  <span class="header-spacer"></span>
  ${options.delivery ? '' : accountNavigation(context)}
</div></header>`;
  const scheme = brand.colorScheme && brand.colorScheme !== 'system' ? brand.colorScheme : undefined;
  return html`<!doctype html>
<html lang="${context.lang}" dir="${context.dir}" data-base-path="${context.path('')}"${brand.palette && brand.palette !== 'passdrop' ? html` data-palette="${brand.palette}"` : ''}${scheme ? html` data-theme="${scheme}" data-default-theme="${scheme}"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="${scheme ?? 'light dark'}">
<meta name="referrer" content="no-referrer">
<title>${options.title} · ${siteTitle}</title>
${context.account ? html`<meta name="csrf-token" content="${context.account.csrfToken}">` : ''}
<link rel="icon" href="${assets.url('favicon.ico')}" sizes="32x32">
<link rel="icon" href="${assets.url('favicon.svg')}" type="image/svg+xml">
<link rel="apple-touch-icon" href="${assets.url('apple-touch-icon.png')}">
<link rel="stylesheet" href="${assets.url('passdrop.css')}">
${brand.hasAccent ? html`<link rel="stylesheet" href="${context.path(`/brand/theme.css`)}">` : ''}
${branded && brand.hasCss ? html`<link rel="stylesheet" href="${context.path(`/brand/custom.css`)}">` : ''}
<script type="module" src="${assets.url('common.js')}"></script>
${(options.scripts ?? []).map((name) => html`<script type="module" src="${assets.url(`${name}.js`)}"></script>`)}
</head>
<body class="${options.delivery ? 'delivery' : 'app'} width-${width}${options.wide ? ' wide' : ''}"${options.browserStrings ? html` data-strings="${JSON.stringify({ copied: t('common.copied'), ...options.browserStrings })}"` : html` data-strings="${JSON.stringify({ copied: t('common.copied') })}"`} data-icons="${assets.url('icons.svg')}">
<a class="skip-link" href="#main">${t('layout.skipToContent')}</a>
${header}
<main id="main" tabindex="-1">
${options.body}
</main>
<footer class="site-footer"><div class="site-footer-inner">
  ${branded ? html`<nav aria-label="${t('layout.footerNavigation')}"><a href="${context.path(`/`)}">${t('layout.newPush')}</a><a href="${context.path(`/api/docs/`)}">${t('layout.apiDocs')}</a></nav>` : html`<p class="muted">${t('layout.poweredBy')}</p>`}
  <div class="footer-tools">
  <form method="get" class="language-form">
    <label for="locale">${icon(assets.url('icons.svg'), 'globe')}<span class="visually-hidden">${t('layout.language')}</span></label>
    <select id="locale" name="locale" data-autosubmit>
      ${languageOptions(context.lang)}
    </select>
    <button type="submit" class="secondary small js-hidden">${t('layout.changeLanguage')}</button>
  </form>
  <button type="button" class="secondary small theme-toggle" data-theme-toggle hidden aria-pressed="false">${icon(assets.url('icons.svg'), 'moon')}<span>${t('layout.darkMode')}</span></button>
  </div>
</div></footer>
<div class="toast-region" aria-live="polite" data-toast-region></div>
</body>
</html>
`.value;
}
