/** Loaded only when a QR push is revealed, so the delivery page stays small otherwise. */
import QRCode from 'qrcode';

export async function renderQrSvg(text: string): Promise<Element> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  const element = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
  element.setAttribute('role', 'img');
  return document.importNode(element, true);
}
