import { html, type SafeHtml } from './html.js';
import type { IconName } from './icon-names.js';

/**
 * A decorative icon from the sprite (hidden from assistive technology: the text beside it carries the
 * meaning). `spriteUrl` is the manifest URL of icons.svg, so the sprite is cached with its content hash.
 *
 * @example icon(context.assets.url('icons.svg'), 'lock') // <svg class="icon" aria-hidden="true"><use href="…#lock"></use></svg>
 */
export function icon(spriteUrl: string, name: IconName, extraClass = ''): SafeHtml {
  return html`<svg class="icon${extraClass ? ` ${extraClass}` : ''}" aria-hidden="true" focusable="false"><use href="${spriteUrl}#${name}"></use></svg>`;
}

/**
 * Passdrop's logo mark: a rounded shield holding a keyhole, drawn in the accent colour (currentColor),
 * inline so it takes the theme's tokens. The same shape is public/favicon.svg.
 */
export function brandMark(extraClass = 'brand-mark'): SafeHtml {
  return html`<svg class="${extraClass}" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><path fill="currentColor" d="M16 2.5 4.5 6.8v8.4c0 7.1 4.9 12.6 11.5 14.3 6.6-1.7 11.5-7.2 11.5-14.3V6.8Z"/><path class="mark-hole" fill="#fff" d="M16 9.2a3.9 3.9 0 0 0-1.9 7.3l-1.2 6.3h6.2l-1.2-6.3A3.9 3.9 0 0 0 16 9.2Z"/></svg>`;
}
