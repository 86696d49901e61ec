/** Small DOM helpers shared by the page modules (bundled into each; they are tiny). */
export function strings(): Record<string, string> {
  try {
    return JSON.parse(document.body.dataset.strings ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * The plural form of page string `name` for `count` (the server sent every form as `name:<category>`, see
 * src/web/i18n/plural-templates.ts), filled in; the category is the page language's CLDR rule.
 */
export function pluralFill(text: Record<string, string>, name: string, count: number): string {
  const category = new Intl.PluralRules(document.documentElement.lang || undefined).select(count);
  return fill(text[`${name}:${category}`] ?? text[`${name}:other`], { count });
}

/** Puts values into a translated template (`{{count}} of {{max}}`), numbers as the page's language writes them (1,000 / 1.000). */
export function fill(template: string | undefined, values: Record<string, string | number>): string {
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  return (template ?? '').replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    return typeof value === 'number' ? numbers.format(value) : (value ?? '');
  });
}

export function showError(element: HTMLElement | null, message: string): void {
  if (!element) return;
  element.textContent = message;
  element.hidden = message === '';
}

/**
 * The part of the address after `#` when it can be a link's key: a fragment that names an element of the
 * page (`#main`, where "Skip to content" leads) is in-page navigation, never a key, and must not replace
 * the key this tab keeps.
 */
export function linkFragment(): string | undefined {
  if (location.hash.length <= 1) return undefined;
  let fragment: string;
  try {
    fragment = decodeURIComponent(location.hash.slice(1));
  } catch {
    fragment = location.hash.slice(1);
  }
  return document.getElementById(fragment) ? undefined : fragment;
}

/** Keeps the link secret for this tab only, and takes it out of the address bar and history. */
export function takeFragmentSecret(storageKey: string): string | undefined {
  const fromHash = linkFragment();
  if (fromHash) {
    sessionStorage.setItem(storageKey, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(storageKey) ?? undefined;
}

/** Disables a form's submit button and shows `working` on it; the returned function restores it. */
export function markBusy(form: HTMLFormElement, working: string | undefined): () => void {
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  const label = submit?.textContent ?? '';
  if (submit) {
    submit.disabled = true;
    submit.textContent = working ?? '…';
  }
  return () => {
    if (submit) {
      submit.disabled = false;
      submit.textContent = label;
    }
  };
}

/** Headers for our JSON API: with a web session, the CSRF token the page carries in its meta tag. */
export function jsonHeaders(): Record<string, string> {
  const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content;
  return { 'content-type': 'application/json', accept: 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) };
}

/**
 * A site-absolute path with the site's base path in front (the page's `data-base-path`, '' at the root,
 * '/secrets' under a sub-path): sitePath('/api/passdrop/v1/pushes').
 */
export function sitePath(path: string): string {
  return `${document.documentElement.dataset.basePath ?? ''}${path}`;
}

/** The share page's query (`?emailed=2&push_locale=de`) from the values that are set; '' when none is. */
export function previewQuery(values: Record<string, string>): string {
  const query = new URLSearchParams(Object.entries(values).filter(([, value]) => value !== ''));
  const search = query.toString();
  return search === '' ? '' : `?${search}`;
}

/**
 * Puts `value` on the clipboard exactly (CRLF, leading newlines and all). Uses the async clipboard where
 * the page has it (a secure context: HTTPS or localhost); on a plain-HTTP origin, where
 * `navigator.clipboard` is undefined, it answers the `copy` event of `execCommand('copy')` with the value
 * itself (not a selected textarea, whose value would turn CRLF into LF). Call it from a click handler.
 * Answers whether the browser accepted it.
 */
export async function copyText(value: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(value);
      return true;
    } catch {
      // Denied (permissions policy, no focus): fall through to the copy event.
    }
  }
  const answer = (event: ClipboardEvent) => {
    event.clipboardData?.setData('text/plain', value);
    event.preventDefault();
  };
  document.addEventListener('copy', answer);
  try {
    return document.execCommand('copy');
  } finally {
    document.removeEventListener('copy', answer);
  }
}

/** Whether this page may use WebCrypto (crypto.subtle exists only in secure contexts: HTTPS or localhost). */
export function hasWebCrypto(): boolean {
  return window.isSecureContext && globalThis.crypto?.subtle !== undefined;
}

/** Hands `blob` to the browser as a download named `name` (the last resort when a file cannot be streamed to disk). */
export function saveBlob(blob: Blob, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([blob], { type: type || 'application/octet-stream' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
