import type { FieldProblem } from '../errors/app-error.js';
import { html, type SafeHtml } from './html.js';

export interface InputOptions {
  readonly name: string;
  readonly label: string;
  readonly type?: 'text' | 'email' | 'password' | 'number' | 'datetime-local';
  readonly value?: string | number | undefined;
  readonly autocomplete?: string;
  readonly hint?: string;
  readonly required?: boolean;
  readonly problem?: string | undefined;
  readonly attributes?: SafeHtml;
}

/** A labelled input with its hint and error wired up through aria-describedby. */
export function inputField(options: InputOptions): SafeHtml {
  const id = `field-${options.name}`;
  const described = [options.hint ? `${id}-hint` : '', options.problem ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
  <label for="${id}">${options.label}</label>
  <input id="${id}" name="${options.name}" type="${options.type ?? 'text'}"${options.value !== undefined ? html` value="${String(options.value)}"` : ''}${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.required ? html` required` : ''}${described ? html` aria-describedby="${described}"` : ''}${options.problem ? html` aria-invalid="true"` : ''}${options.attributes ?? ''}>
  ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}
  ${options.problem ? html`<p class="field-error" id="${id}-error">${options.problem}</p>` : ''}
</div>`;
}

/** A page-level message: an error (role=alert) or information (role=status). */
export function notice(message: string | undefined, kind: 'error' | 'info' = 'error'): SafeHtml | string {
  if (!message) return '';
  return kind === 'error'
    ? html`<div class="alert" role="alert"><p>${message}</p></div>`
    : html`<div class="alert info" role="status"><p>${message}</p></div>`;
}

export function problemFor(problems: readonly FieldProblem[], field: string): string | undefined {
  return problems.find((problem) => problem.field === field)?.message;
}
