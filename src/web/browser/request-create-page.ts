/**
 * Making a request: the key pair is made here (docs/requests-encryption.md); only the public key goes to
 * the server. The private key is kept non-extractable in IndexedDB, and shown once as the requester key
 * (copy, a key link, or a file) for opening answers on another device.
 */
import { generateRequesterKeyPair, keyFingerprint } from '../../crypto/requests/request-answer-format.js';
import { jsonHeaders, markBusy, showError, sitePath, strings } from './dom.js';
import { saveRequestKey } from './request-key-store.js';

const text = strings();
const form = document.querySelector<HTMLFormElement>('form[data-request-form]');
const created = document.querySelector<HTMLElement>('[data-request-created]');

function numberField(data: FormData, name: string): number | undefined {
  const value = String(data.get(name) ?? '').trim();
  return value === '' ? undefined : Number(value);
}

if (form && created) {
  const error = form.querySelector<HTMLElement>('[data-form-error]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const input of form.querySelectorAll<HTMLInputElement>('input[type="number"]')) {
      if (!input.checkValidity()) {
        showError(error, input.validationMessage);
        input.focus();
        return;
      }
    }
    showError(error, '');
    const done = markBusy(form, text.working);
    try {
      const keys = await generateRequesterKeyPair();
      const data = new FormData(form);
      const body: Record<string, unknown> = {
        public_key: keys.publicKey,
        key_algorithm: 'P-256',
        expire_after_minutes: numberField(data, 'expire_after_minutes'),
        answers_allowed: numberField(data, 'answers_allowed'),
        answer_expire_after_minutes: numberField(data, 'answer_expire_after_minutes'),
        answer_expire_after_views: numberField(data, 'answer_expire_after_views'),
      };
      if (data.get('files_allowed') === 'true') body.files_allowed = true;
      for (const name of ['name', 'requester_name', 'instructions', 'passphrase']) {
        const value = String(data.get(name) ?? '');
        if (value !== '') body[name] = value;
      }
      const response = await fetch(sitePath('/api/passdrop/v1/requests'), { method: 'POST', headers: jsonHeaders(), body: JSON.stringify(body) });
      const json = (await response.json()) as { token?: string; url?: string; error?: string; details?: Array<{ message: string; field: string }> };
      if (!response.ok || !json.token || !json.url) throw new Error(json.details?.map((detail) => `${detail.field}: ${detail.message}`).join(' ') ?? json.error ?? text.failed);
      try {
        await saveRequestKey(json.token, keys.publicKey, keys.privateKey);
      } catch {
        showError(error, text.noKeyStorage ?? '');
      }
      // The server knows its public address (PASSDROP_BASE_URL); the fingerprint is the one of the key made
      // here, never one the server computed.
      const siteRoot = json.url.slice(0, json.url.lastIndexOf(`/req/${json.token}`));
      await showCreated(json.token, siteRoot, `${siteRoot}/req/${json.token}#${await keyFingerprint(keys.publicKey)}`, keys.requesterKey, String(data.get('name') ?? ''));
    } catch (failure) {
      showError(error, failure instanceof Error && failure.message ? failure.message : (text.failed ?? 'Failed'));
      done();
    }
  });
}

async function showCreated(token: string, siteRoot: string, link: string, requesterKey: string, name: string): Promise<void> {
  const page = `${siteRoot}/dashboard/requests/${token}`;
  const keyLink = `${page}#key=${requesterKey}`;
  created!.querySelector<HTMLInputElement>('[data-created-link]')!.value = link;
  created!.querySelector<HTMLInputElement>('[data-created-key]')!.value = requesterKey;
  created!.querySelector<HTMLInputElement>('[data-created-key-link]')!.value = keyLink;
  created!.querySelector<HTMLAnchorElement>('[data-created-page]')!.href = page;
  const file = [
    `Passdrop${name ? `: ${name}` : ''}`,
    '',
    text.keyFileIntro ?? '',
    '',
    `${text.keyFileKey ?? 'Requester key'}: ${requesterKey}`,
    `${text.keyFilePage ?? 'Open on another device'}: ${keyLink}`,
    `${text.keyFileLink ?? 'Request link'}: ${link}`,
    '',
    text.keyLoss ?? '',
    '',
  ].join('\n');
  const download = created!.querySelector<HTMLAnchorElement>('[data-created-download]')!;
  download.href = URL.createObjectURL(new Blob([file], { type: 'text/plain;charset=utf-8' }));
  download.download = `passdrop-request-key-${token.slice(0, 8)}.txt`;
  form!.remove();
  created!.hidden = false;
  created!.querySelector<HTMLElement>('#created-heading')?.focus();
}
