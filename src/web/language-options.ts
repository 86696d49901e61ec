import { html, type SafeHtml } from './html.js';
import { languagesForPicker, resolveLanguage } from './i18n/languages.js';

/**
 * The `<option>`s of a language picker (the switcher, the recipient's and the email's language): every
 * language by its own name, in picker order, `lang` set so screen readers and fonts read each name in
 * its language. `selected` may be any tag (a stored `pt` selects pt-BR); an empty string selects none,
 * for a picker whose first option is "no choice".
 */
export function languageOptions(selected: string | undefined): SafeHtml {
  const chosen = selected === undefined || selected === '' ? undefined : resolveLanguage(selected);
  return html`${languagesForPicker().map(
    (language) => html`<option value="${language.code}" lang="${language.code}"${language.code === chosen ? html` selected` : ''}>${language.name}</option>`,
  )}`;
}
