import { html, type SafeHtml } from './html.js';
import type { AssetManifest } from './asset-manifest.js';
import { LANGUAGES, type LanguageCode } from './i18n/languages.js';
import type { Translate } from './i18n/translator.js';

export interface Brand {
  readonly title: string;
  readonly tagline: string | undefined;
  readonly hasLogo: boolean;
  readonly hasCss: boolean;
  readonly onDeliveryPages: boolean;
}

/** The signed-in visitor, as pages need it. */
export interface PageAccount {
  readonly email: string;
  readonly admin: boolean;
  /** Every form that changes something carries it (see web-session.ts). */
  readonly csrfToken: string;
  /** False while the second factor is owed. */
  readonly signedIn: boolean;
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
}

export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
  /** Browser modules to load (names in build/web-assets). */
  readonly scripts?: readonly string[];
  /** Pages with wide tables (dashboard, admin) use more of a large screen. */
  readonly wide?: boolean;
  /** Delivery pages: no branding unless PASSDROP_BRAND_ON_DELIVERY_PAGES, no navigation. */
  readonly delivery?: boolean;
  /** Strings the page's browser module needs, handed over as JSON in a data attribute (escaped like any attribute). */
  readonly browserStrings?: Readonly<Record<string, string>>;
}

/** The hidden field that proves a form came from our page; empty for visitors without a session. */
export function csrfField(context: PageContext): SafeHtml | string {
  return context.account ? html`<input type="hidden" name="_csrf" value="${context.account.csrfToken}">` : '';
}

function accountNavigation(context: PageContext): SafeHtml {
  const { t, account } = context;
  if (account?.signedIn) {
    return html`<nav class="account-nav" aria-label="${t('nav.account')}">
  <a href="${context.path(`/dashboard`)}">${t('nav.dashboard')}</a>
  <a href="${context.path(`/dashboard/requests`)}">${t('requests.nav')}</a>
  <a href="${context.path(`/account`)}">${t('nav.settings')}</a>
  ${account.admin ? html`<a href="${context.path(`/admin`)}">${t('nav.admin')}</a>` : ''}
  <form method="post" action="${context.path(`/account/sign-out`)}" class="inline-form">${csrfField(context)}<button type="submit" class="secondary small">${t('nav.signOut')}</button></form>
</nav>`;
  }
  return html`<nav class="account-nav" aria-label="${t('nav.account')}"><a href="${context.path(`/account/sign-in`)}">${t('nav.signIn')}</a></nav>`;
}

/** The page shell: language and direction, theme, language switcher, no inline script or style. */
export function renderPage(context: PageContext, options: PageOptions): string {
  const { t, brand, assets } = context;
  const branded = !options.delivery || brand.onDeliveryPages;
  const siteTitle = branded ? brand.title : 'Passdrop';
  const header = branded
    ? html`<header class="site-header">
  <a class="brand" href="${context.path(`/`)}">${brand.hasLogo ? html`<img class="brand-logo" src="${context.path(`/brand/logo`)}" alt="">` : ''}<span>${brand.title}</span></a>
  ${brand.tagline ?? t('layout.tagline')}
  ${accountNavigation(context)}
</header>`
    : '';
  return html`<!doctype html>
<html lang="${context.lang}" dir="${context.dir}" data-base-path="${context.path('')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${options.title} · ${siteTitle}</title>
${context.account ? html`<meta name="csrf-token" content="${context.account.csrfToken}">` : ''}
<link rel="stylesheet" href="${assets.url('passdrop.css')}">
${branded && brand.hasCss ? html`<link rel="stylesheet" href="${context.path(`/brand/custom.css`)}">` : ''}
<script type="module" src="${assets.url('common.js')}"></script>
${(options.scripts ?? []).map((name) => html`<script type="module" src="${assets.url(`${name}.js`)}"></script>`)}
</head>
<body class="${options.delivery ? 'delivery' : 'app'}${options.wide ? ' wide' : ''}"${options.browserStrings ? html` data-strings="${JSON.stringify(options.browserStrings)}"` : ''}>
<a class="skip-link" href="#main">${t('layout.skipToContent')}</a>
${header}
<main id="main" tabindex="-1">
${options.body}
</main>
<footer class="site-footer">
  <form method="get" class="language-form">
    <label for="locale">${t('layout.language')}</label>
    <select id="locale" name="locale" data-autosubmit>
      ${LANGUAGES.map((language) => html`<option value="${language.code}" lang="${language.code}"${language.code === context.lang ? html` selected` : ''}>${language.name}</option>`)}
    </select>
    <button type="submit" class="secondary js-hidden">${t('layout.changeLanguage')}</button>
  </form>
  <button type="button" class="secondary theme-toggle" data-theme-toggle hidden aria-pressed="false">${t('layout.darkMode')}</button>
  ${branded ? html`<nav aria-label="${t('layout.footerNavigation')}"><a href="${context.path(`/`)}">${t('layout.newPush')}</a> · <a href="${context.path(`/api/docs/`)}">${t('layout.apiDocs')}</a></nav>` : ''}
</footer>
</body>
</html>
`.value;
}
