/** The create form: counter, show/hide, generator, remembered choices, and end-to-end encryption. */
import { newLinkSecret, sealE2e, type E2eKind } from '../../crypto/e2e/e2e-format.js';
import {
  DEFAULT_CHARACTER_OPTIONS,
  DEFAULT_PASSPHRASE_OPTIONS,
  entropyBits,
  generateCharacterPassword,
  generatePassphrase,
} from './password-generator.js';
import { QR_MAX_BYTES, qrOverflowBytes } from '../../pushes/push-kinds.js';
import { fill, hasWebCrypto, jsonHeaders, markBusy, previewQuery, showError, sitePath, strings } from './dom.js';

const text = strings();
const form = document.querySelector<HTMLFormElement>('form.create-form');
const payload = document.querySelector<HTMLInputElement | HTMLTextAreaElement>('#payload');
const kind = form?.dataset.kind ?? 'text';
const rememberKey = `passdrop-form-${kind}`;

if (form && payload) {
  const counter = document.querySelector<HTMLOutputElement>('[data-counter-for="payload"]');
  const max = Number(payload.getAttribute('maxlength') ?? '0');
  const updateCounter = () => {
    if (counter) counter.textContent = fill(text.counter, { count: [...payload.value].length, max });
  };
  payload.addEventListener('input', updateCounter);
  updateCounter();

  const visibility = document.querySelector<HTMLButtonElement>('[data-toggle-visibility]');
  visibility?.addEventListener('click', () => {
    const masked = payload.classList.toggle('masked');
    visibility.setAttribute('aria-pressed', String(masked));
    visibility.textContent = masked ? (text.show ?? 'Show') : (text.hide ?? 'Hide');
  });

  restoreChoices(form);
  // Remembered options that differ from this server's defaults are shown, not left folded away.
  const advanced = form.querySelector<HTMLDetailsElement>('details.advanced');
  if (advanced && [...advanced.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].some((box) => box.checked !== box.defaultChecked)) advanced.open = true;
  wireGenerator(payload);

  // Choosing the recipient's language chooses it for the link emails too (the sender can still change those).
  const recipientLanguage = form.querySelector<HTMLSelectElement>('#push_locale');
  const emailLanguage = form.querySelector<HTMLSelectElement>('#notify_emails_to_locale');
  recipientLanguage?.addEventListener('change', () => {
    if (emailLanguage && recipientLanguage.value) emailLanguage.value = recipientLanguage.value;
  });

  const error = form.querySelector<HTMLElement>('[data-form-error]');
  // On a plain-HTTP origin other than localhost the browser has no WebCrypto: the form posts to the
  // server, which encrypts at rest, and the page says so and why.
  const endToEnd = kind !== 'url' && hasWebCrypto();
  const note = form.querySelector<HTMLElement>('[data-encryption-note]');
  if (kind !== 'url' && !endToEnd && note) {
    note.textContent = text.insecureOrigin ?? '';
    note.classList.add('alert');
    note.dataset.insecureOrigin = '';
  }
  // Without browser encryption the server has the whole link and emails it: no key leaves this page.
  const exposure = form.querySelector<HTMLElement>('[data-link-exposure]');
  if (exposure && !endToEnd) exposure.hidden = true;
  // A problem shown at a field goes as soon as that field is changed.
  form.addEventListener('input', (event) => {
    if ((event.target as HTMLElement | null)?.dataset.clientInvalid !== undefined) showFieldError(form, undefined);
  });
  form.addEventListener('submit', async (event) => {
    saveChoices(form);
    const fieldProblem = validate(form, payload, max);
    showFieldError(form, fieldProblem);
    const problem = fieldProblem ? undefined : endToEnd ? linkEmailProblem(form) : undefined;
    showError(error, problem ?? '');
    if (fieldProblem || problem) {
      event.preventDefault();
      if (!fieldProblem) payload.focus();
      return;
    }
    // Links go to the server, which must know where to redirect; the form posts as without JavaScript.
    if (!endToEnd) return;
    event.preventDefault();
    showError(error, '');
    const done = markBusy(form, text.working);
    try {
      const location = await createEndToEnd(form, payload.value, kind as E2eKind);
      window.location.assign(location);
    } catch (failure) {
      showError(error, failure instanceof Error && failure.message ? failure.message : (text.failed ?? 'Failed'));
      done();
    }
  });
}

/** Recipients named for a browser-encrypted push without the box ticked: the link (with its key) is not sent. */
function linkEmailProblem(form: HTMLFormElement): string | undefined {
  const recipients = form.querySelector<HTMLInputElement>('#notify_emails_to')?.value.trim() ?? '';
  const acknowledged = form.querySelector<HTMLInputElement>('#acknowledge_link_exposure')?.checked === true;
  return recipients !== '' && !acknowledged ? text.acknowledgeLinkExposure : undefined;
}

function validate(form: HTMLFormElement, field: HTMLInputElement | HTMLTextAreaElement, max: number): { field: HTMLElement; message: string } | undefined {
  const at = (message: string | undefined, element: HTMLElement = field) => (message === undefined ? undefined : { field: element, message });
  if (field.value.trim() === '') return at(text.required);
  if ([...field.value].length > max) return at(fill(text.tooLong, { max }));
  // Checked before encrypting: the server cannot see an end-to-end payload, and a QR code must hold it when opened.
  const qrBytes = kind === 'qr' ? qrOverflowBytes(field.value) : undefined;
  if (qrBytes !== undefined) return at(fill(text.qrTooLarge, { max: QR_MAX_BYTES, count: qrBytes }));
  const views = form.querySelector<HTMLInputElement>('#expire_after_views');
  if (!chosenPreset(form) && views && !views.checkValidity()) return at(text.viewsOutOfRange, views);
  return undefined;
}

/**
 * Shows a problem at its field, as the server's page does (`p.field-error` after the field's hint, the
 * field marked invalid and described by it), and clears the problems of every other field.
 */
function showFieldError(form: HTMLFormElement, problem: { field: HTMLElement; message: string } | undefined): void {
  for (const shown of form.querySelectorAll<HTMLElement>('[data-client-error]')) shown.remove();
  for (const marked of form.querySelectorAll<HTMLElement>('[data-client-invalid]')) {
    marked.removeAttribute('aria-invalid');
    marked.removeAttribute('data-client-invalid');
  }
  if (!problem) return;
  const id = `${problem.field.id || 'field'}-client-error`;
  const message = Object.assign(document.createElement('p'), { className: 'field-error', id, textContent: problem.message });
  message.dataset.clientError = '';
  const container = problem.field.closest('.field') ?? problem.field.parentElement;
  container?.append(message);
  problem.field.setAttribute('aria-invalid', 'true');
  problem.field.dataset.clientInvalid = '';
  const described = (problem.field.getAttribute('aria-describedby') ?? '').split(' ').filter((token) => token && !token.endsWith('-client-error'));
  problem.field.setAttribute('aria-describedby', [...described, id].join(' '));
  problem.field.focus();
}

/** The checked expiry preset's radio button, or undefined for "Custom" (the two fields). */
function chosenPreset(form: HTMLFormElement): HTMLInputElement | undefined {
  const radio = form.querySelector<HTMLInputElement>('input[name="expiry_preset"]:checked');
  return radio?.dataset.minutes && radio.dataset.views ? radio : undefined;
}

/** The lifetime and views to ask for: the checked preset's, else the custom fields'. */
function expiry(form: HTMLFormElement, data: FormData): { expire_after_minutes: number; expire_after_views: number } {
  const preset = chosenPreset(form);
  if (preset) return { expire_after_minutes: Number(preset.dataset.minutes), expire_after_views: Number(preset.dataset.views) };
  return { expire_after_minutes: Number(data.get('expire_after_minutes')), expire_after_views: Number(data.get('expire_after_views')) };
}

async function createEndToEnd(form: HTMLFormElement, plaintext: string, pushKind: E2eKind): Promise<string> {
  const data = new FormData(form);
  const passphrase = String(data.get('passphrase') ?? '');
  const linkSecret = newLinkSecret();
  const sealed = await sealE2e(plaintext, { kind: pushKind, linkSecret, ...(passphrase ? { passphrase } : {}) });
  const body: Record<string, unknown> = {
    kind: pushKind,
    payload: sealed.ciphertext,
    encryption: 'client',
    ...expiry(form, data),
    retrieval_step: data.get('retrieval_step') === 'true',
    deletable_by_viewer: data.get('deletable_by_viewer') === 'true',
  };
  if (sealed.accessProof) body.access_proof = sealed.accessProof;
  if (sealed.linkProof) body.link_proof = sealed.linkProof;
  const name = String(data.get('name') ?? '');
  const note = String(data.get('note') ?? '');
  if (name) body.name = name;
  if (note) body.note = note;
  const pushLocale = String(data.get('push_locale') ?? '');
  if (pushLocale) body.push_locale = pushLocale;
  const response = await fetch(sitePath('/api/passdrop/v1/pushes'), {
    method: 'POST',
    headers: jsonHeaders(),
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { token?: string; url?: string; error?: string; details?: Array<{ message: string }> };
  if (!response.ok || !json.token) throw new Error(json.details?.map((detail) => detail.message).join(' ') ?? json.error ?? text.failed);
  // The answer sets the share page's one-time notice (a cookie only the server sets, never a query parameter).
  await emailWholeLink(data, json.token, `${json.url}#${linkSecret}`);
  return `${sitePath(`/p/${json.token}/preview`)}${previewQuery({ push_locale: pushLocale })}#${linkSecret}`;
}

/**
 * Has the new push's whole link (key included) emailed when the sender named recipients and ticked the box
 * that says the mail servers will see it (checked before encrypting). The push exists either way: the server's
 * answer sets the share page's notice (how many emails were queued, or that none were), so nothing is thrown.
 */
async function emailWholeLink(data: FormData, token: string, wholeLink: string): Promise<void> {
  const recipients = String(data.get('notify_emails_to') ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  if (recipients.length === 0 || data.get('acknowledge_link_exposure') !== 'true') return;
  try {
    await fetch(sitePath(`/api/passdrop/v1/pushes/${token}/notify_emails`), {
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify({ recipients, locale: String(data.get('notify_emails_to_locale') ?? '') || undefined, link: wholeLink, acknowledge_link_exposure: true }),
    });
  } catch {
    // Offline or refused before an answer: the share page shows no notice, and the dashboard can email the link.
  }
}

function saveChoices(form: HTMLFormElement): void {
  const choices: Record<string, string | boolean> = {};
  for (const element of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-remember]')) {
    if (element instanceof HTMLInputElement && element.type === 'radio') {
      if (element.checked) choices[element.dataset.remember!] = element.value;
      continue;
    }
    choices[element.dataset.remember!] = element instanceof HTMLInputElement && element.type === 'checkbox' ? element.checked : element.value;
  }
  localStorage.setItem(rememberKey, JSON.stringify(choices));
}

function restoreChoices(form: HTMLFormElement): void {
  // After a server-side validation error the form shows what was posted; do not overwrite it.
  if (form.querySelector('.field-error')) return;
  let choices: Record<string, string | boolean> = {};
  try {
    choices = JSON.parse(localStorage.getItem(rememberKey) ?? '{}') as Record<string, string | boolean>;
  } catch {
    return;
  }
  for (const element of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-remember]')) {
    const value = choices[element.dataset.remember!];
    if (value === undefined) continue;
    if (element instanceof HTMLInputElement && element.type === 'radio') {
      // A preset this server no longer offers leaves the default checked.
      if (element.value === value) element.checked = true;
    } else if (element instanceof HTMLInputElement && element.type === 'checkbox') {
      element.checked = value === true;
    } else if (element instanceof HTMLSelectElement) {
      // Only choices the server still offers (its bounds may have changed since).
      if ([...element.options].some((option) => option.value === String(value))) element.value = String(value);
    } else {
      element.value = String(value);
      if (!element.checkValidity()) element.value = element.defaultValue;
    }
  }
}

function wireGenerator(field: HTMLInputElement | HTMLTextAreaElement): void {
  const panel = document.querySelector<HTMLElement>('#generator');
  const opener = document.querySelector<HTMLButtonElement>('[data-open-generator]');
  if (!panel || !opener) return;
  opener.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    opener.setAttribute('aria-expanded', String(!panel.hidden));
  });
  const styleInputs = panel.querySelectorAll<HTMLInputElement>('input[name="generator-style"]');
  const style = () => [...styleInputs].find((input) => input.checked)?.value ?? 'characters';
  const strength = panel.querySelector<HTMLElement>('[data-generator-strength]');
  const checked = (id: string) => panel.querySelector<HTMLInputElement>(`#${id}`)?.checked ?? false;
  const number = (id: string, fallback: number) => Number(panel.querySelector<HTMLInputElement>(`#${id}`)?.value ?? fallback);
  const characterOptions = () => ({
    ...DEFAULT_CHARACTER_OPTIONS,
    length: number('generator-length', DEFAULT_CHARACTER_OPTIONS.length),
    lowercase: checked('generator-lowercase'),
    uppercase: checked('generator-uppercase'),
    digits: checked('generator-digits'),
    symbols: checked('generator-symbols'),
    avoidAmbiguous: checked('generator-avoid-ambiguous'),
  });
  const passphraseOptions = () => ({
    ...DEFAULT_PASSPHRASE_OPTIONS,
    words: number('generator-words-count', DEFAULT_PASSPHRASE_OPTIONS.words),
    separator: panel.querySelector<HTMLInputElement>('#generator-separator')?.value ?? '-',
    capitalize: checked('generator-capitalize'),
    includeNumber: checked('generator-number'),
  });
  const describe = () => {
    try {
      const bits = style() === 'words' ? entropyBits('passphrase', passphraseOptions()) : entropyBits('characters', characterOptions());
      if (strength) strength.textContent = fill(text.strength, { bits: Math.floor(bits) });
    } catch {
      if (strength) strength.textContent = '';
    }
  };
  for (const input of styleInputs) {
    input.addEventListener('change', () => {
      for (const options of panel.querySelectorAll<HTMLElement>('[data-style-options]')) options.hidden = options.dataset.styleOptions !== style();
      describe();
    });
  }
  panel.addEventListener('input', describe);
  describe();
  panel.querySelector<HTMLButtonElement>('[data-generate]')?.addEventListener('click', () => {
    if (field.value !== '' && !window.confirm(text.confirmOverwrite ?? 'Replace?')) return;
    try {
      field.value = style() === 'words' ? generatePassphrase(passphraseOptions()) : generateCharacterPassword(characterOptions());
      field.dispatchEvent(new Event('input'));
    } catch (failure) {
      if (strength) strength.textContent = failure instanceof Error ? failure.message : '';
    }
  });
}
