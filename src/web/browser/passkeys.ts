/**
 * Passkeys in the browser (`@simplewebauthn/browser`, bundled and served by us): registering one on the
 * account page, signing in with one alone on the sign-in page, and finishing a password sign-in with one
 * on the two-factor page. Both controls stay hidden where the
 * browser has no WebAuthn; the server checks everything (src/accounts/passkey-service.ts).
 */
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { jsonHeaders, markBusy, showError, sitePath, strings } from './dom.js';

const text = strings();

interface Answer {
  readonly ok: boolean;
  readonly body: Record<string, unknown>;
}

async function post(path: string, body: unknown): Promise<Answer> {
  const response = await fetch(sitePath(path), { method: 'POST', headers: jsonHeaders(), body: JSON.stringify(body), credentials: 'same-origin' });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (await response.json()) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { ok: response.ok, body: parsed };
}

/** The words to show for a failure: the server's, else a cancelled ceremony, else a generic one. */
function failureMessage(answer: Answer | undefined, error?: unknown): string {
  if (answer && typeof answer.body.error === 'string') return answer.body.error;
  if (error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError')) return text.passkeyCancelled ?? '';
  return text.passkeyFailed ?? '';
}

const registerForm = document.querySelector<HTMLFormElement>('form[data-passkey-register]');
const signInButton = document.querySelector<HTMLButtonElement>('[data-passkey-sign-in]');
const supported = browserSupportsWebAuthn();

if (registerForm && supported) {
  registerForm.hidden = false;
  const status = registerForm.querySelector<HTMLElement>('[data-form-error]');
  registerForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(status, '');
    const done = markBusy(registerForm, text.working);
    let answer: Answer | undefined;
    try {
      answer = await post('/account/passkeys/options', {});
      if (!answer.ok) throw new Error('options');
      const { options, ceremony } = answer.body as { options: Parameters<typeof startRegistration>[0]['optionsJSON']; ceremony: string };
      const response = await startRegistration({ optionsJSON: options });
      const name = new FormData(registerForm).get('name');
      answer = await post('/account/passkeys', { ceremony, response, name: typeof name === 'string' ? name : '' });
      if (!answer.ok) throw new Error('register');
      location.assign(sitePath('/account?passkey=added'));
    } catch (error) {
      showError(status, failureMessage(answer?.ok === false ? answer : undefined, error));
      done();
    }
  });
}

if (signInButton && supported) {
  signInButton.hidden = false;
  const status = document.querySelector<HTMLElement>('[data-passkey-error]');
  signInButton.addEventListener('click', async () => {
    showError(status, '');
    signInButton.disabled = true;
    let answer: Answer | undefined;
    try {
      // A passkey alone (the sign-in page), or as the second factor of a password sign-in (the two-factor page).
      const path = signInButton.dataset.passkeyPath ?? '/account/passkey-sign-in';
      answer = await post(`${path}/options`, {});
      if (!answer.ok) throw new Error('options');
      const { options, ceremony } = answer.body as { options: Parameters<typeof startAuthentication>[0]['optionsJSON']; ceremony: string };
      const response = await startAuthentication({ optionsJSON: options });
      answer = await post(path, { ceremony, response, next: signInButton.dataset.next ?? '' });
      if (!answer.ok) throw new Error('sign-in');
      location.assign(typeof answer.body.next === 'string' ? answer.body.next : sitePath('/dashboard'));
    } catch (error) {
      showError(status, failureMessage(answer?.ok === false ? answer : undefined, error));
      signInButton.disabled = false;
    }
  });
}
