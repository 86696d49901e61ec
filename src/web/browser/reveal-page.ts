/**
 * The recipient's page. For an end-to-end push it asks the server for the ciphertext (with an access
 * proof when there is a passphrase) and decrypts it here with the key from the link's fragment.
 * Everywhere it closes a shown secret again after 30 seconds.
 */
import { accessProofFor, E2eError, linkProofFor, openE2eText, type E2eKind } from '../../crypto/e2e/e2e-format.js';
import { copyText, hasWebCrypto, jsonHeaders, linkFragment, markBusy, pluralFill, showError, sitePath, strings } from './dom.js';

const REBLUR_MS = 30_000;
const text = strings();

function reblurAfterOpening(details: HTMLDetailsElement): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  details.addEventListener('toggle', () => {
    clearTimeout(timer);
    if (details.open) timer = setTimeout(() => (details.open = false), REBLUR_MS);
  });
}
document.querySelectorAll<HTMLDetailsElement>('details[data-reblur]').forEach(reblurAfterOpening);

const form = document.querySelector<HTMLFormElement>('form[data-e2e]');
if (form) {
  const token = form.dataset.token ?? '';
  const kind = (form.dataset.kind ?? 'text') as E2eKind;
  const storageKey = `passdrop-secret-${token}`;
  const fromHash = linkFragment();
  if (fromHash) {
    sessionStorage.setItem(storageKey, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const linkSecret = fromHash ?? sessionStorage.getItem(storageKey) ?? undefined;
  const error = form.querySelector<HTMLElement>('[data-form-error]');
  // A plain-HTTP origin other than localhost has no WebCrypto: say so, rather than blame the link.
  const problem = !hasWebCrypto() ? text.insecureOrigin : !linkSecret ? text.brokenLink : undefined;
  if (problem !== undefined) {
    showError(error, problem);
    // Nothing this page can do would work: the button says so by being off (it never uses a view).
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (button) button.disabled = true;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (problem !== undefined || !linkSecret) return showError(error, problem ?? '');
    const passphraseInput = form.querySelector<HTMLInputElement>('#passphrase');
    const passphrase = passphraseInput?.value ?? '';
    const done = markBusy(form, text.working);
    try {
      // The link proves itself first (format 2): a cut or changed link is told apart from a wrong
      // passphrase, and the server uses no view for either. A cut secret fails here, before any request.
      let linkProof: string;
      try {
        linkProof = await linkProofFor(linkSecret);
      } catch {
        showError(error, text.brokenLink ?? '');
        return;
      }
      const body: Record<string, string> = { link_proof: linkProof };
      if (passphrase) body.access_proof = await accessProofFor({ linkSecret, passphrase });
      const response = await fetch(sitePath(`/api/passdrop/v1/pushes/${encodeURIComponent(token)}/reveal`), {
        method: 'POST',
        headers: jsonHeaders(),
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { payload?: string; code?: string; push?: RevealedPush; files?: RevealedFile[] };
      if (!response.ok || json.payload === undefined) {
        const message =
          json.code === 'LINK_DAMAGED' || json.code === 'LINK_PROOF_REQUIRED' ? text.brokenLink
          : json.code === 'PASSPHRASE_INCORRECT' ? text.wrongPassphrase
          : json.code === 'PASSPHRASE_REQUIRED' ? text.passphraseRequired
          : json.code === 'PASSPHRASE_RATE_LIMITED' ? text.tooMany
          : json.code === 'PUSH_EXPIRED' || json.code === 'PUSH_LOCKED' || json.code === 'PUSH_NOT_FOUND' ? text.expired
          : text.failed;
        showError(error, message ?? '');
        return;
      }
      if (json.files) {
        const { showFiles } = await import('./reveal-files.js');
        sessionStorage.removeItem(storageKey);
        await showFiles(form, { payload: json.payload, files: json.files, linkSecret, passphrase }, afterReveal(json.push));
        return;
      }
      const secret = await openE2eText(json.payload, { kind, linkSecret, ...(passphrase ? { passphrase } : {}) });
      sessionStorage.removeItem(storageKey);
      await showSecret(form, secret, kind, json.push);
    } catch (failure) {
      showError(error, failure instanceof E2eError ? (text.brokenLink ?? '') : (text.failed ?? ''));
    } finally {
      done();
    }
  });
}

// The sender turned the retrieval step off: reveal without waiting for a click.
if (form?.hasAttribute('data-auto-reveal') && form.querySelector('[data-form-error]')?.hasAttribute('hidden')) form.requestSubmit();

/** A file as the reveal lists it (RevealedFile in push-api-schemas.ts). */
export interface RevealedFile {
  position: number;
  size: number;
  sealed_metadata: string | null;
  url: string;
}

interface RevealedPush {
  token: string;
  views_remaining: number;
  expired: boolean;
  expires_at: string;
  deletable_by_viewer: boolean | null;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<HTMLElementTagNameMap[K]> = {}): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), properties);
}

/** After the reveal: the heading, what is left, and "delete it now" when the sender allowed it. */
function afterReveal(push: RevealedPush | undefined): Node[] {
  document.querySelector('h1')!.textContent = text.revealedHeading ?? '';
  document.title = `${text.revealedHeading ?? ''} · Passdrop`;
  for (const info of document.querySelectorAll('[data-step-info]')) info.remove();
  if (!push) return [];
  const facts = element('p', { className: 'hint' });
  if (push.expired) {
    facts.textContent = text.lastView ?? '';
    return [facts];
  }
  const time = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(push.expires_at));
  facts.textContent = `${pluralFill(text, 'remaining', push.views_remaining)} ${time}`;
  if (!push.deletable_by_viewer) return [facts];
  const remove = element('form', { method: 'post', action: sitePath(`/p/${push.token}/delete`) });
  remove.append(element('p', { className: 'hint', textContent: text.deleteHint ?? '' }), element('button', { type: 'submit', className: 'danger', textContent: text.deleteNow ?? '' }));
  return [facts, remove];
}

async function showSecret(form: HTMLFormElement, secret: string, kind: E2eKind, push: RevealedPush | undefined): Promise<void> {
  const result = document.querySelector<HTMLElement>('[data-reveal-result]') ?? form;
  const details = document.createElement('details');
  details.className = 'secret';
  const summary = document.createElement('summary');
  summary.textContent = text.showSecret ?? '';
  const pre = document.createElement('pre');
  pre.id = 'secret-text';
  pre.className = 'secret-text ltr-value';
  pre.dir = 'ltr';
  pre.textContent = secret;
  details.append(summary, pre);
  reblurAfterOpening(details);
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'primary';
  copy.textContent = text.copy ?? 'Copy';
  copy.addEventListener('click', async () => {
    if (!(await copyText(secret))) return;
    copy.textContent = text.copied ?? 'Copied';
  });
  const nodes: Node[] = [];
  if (kind === 'qr') {
    const { renderQrSvg } = await import('./qr-svg.js');
    const figure = document.createElement('figure');
    figure.className = 'qr';
    figure.append(await renderQrSvg(secret));
    nodes.push(figure);
  }
  nodes.push(details, copy, ...afterReveal(push));
  form.replaceWith(...nodes);
  if (result !== form) result.remove();
  summary.focus();
}
