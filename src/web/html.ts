/** Markup that is already safe to put in a page: produced by `html` or deliberately trusted. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Builds markup from a template, escaping every interpolated value unless it is already SafeHtml, so
 * user text (payloads, names, translations) can never become markup by accident.
 *
 * @example html`<p>${userText}</p>` // SafeHtml with userText escaped
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Trusts markup that comes from code we control (for example the QR code SVG). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Text for the content of a `<pre>` or `<textarea>` that the browser must read back exactly (a secret):
 * escaped, with a newline in front because the HTML parser drops one newline right after those start
 * tags, and every carriage return as `&#13;` because the parser turns a raw CR (and CRLF) into LF while a
 * character reference keeps it (HTML Living Standard, "preprocessing the input stream" and the `pre` and
 * `textarea` parsing rules). So `\nline\r\n` reaches the DOM as `\nline\r\n`.
 *
 * @example html`<pre>${exactText(secret)}</pre>`
 */
export function exactText(text: string): SafeHtml {
  return new SafeHtml(`\n${escapeHtml(text).replace(/\r/g, '&#13;')}`);
}
