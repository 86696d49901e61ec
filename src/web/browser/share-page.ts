/** The share page: completes an end-to-end link with the key from the fragment, and draws its QR code. */
import QRCode from 'qrcode';
import { takeFragmentSecret } from './dom.js';

const input = document.querySelector<HTMLInputElement>('[data-share-link]');
const token = input?.dataset.token ?? '';
const secret = takeFragmentSecret(`passdrop-link-${token}`);

if (input && secret) {
  const base = input.dataset.baseLink ?? input.value;
  const link = `${base}#${secret}`;
  input.value = link;
  const message = document.querySelector<HTMLTextAreaElement>('[data-share-message]');
  if (message) message.value = (message.dataset.template ?? message.value).replace(base, link);
  const figure = document.querySelector<HTMLElement>('[data-qr-target]');
  if (figure) {
    const svg = await QRCode.toString(link, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
    parsed.setAttribute('role', 'img');
    parsed.setAttribute('aria-label', figure.querySelector('figcaption')?.textContent ?? '');
    figure.prepend(document.importNode(parsed, true));
  }
}
