import type { ConfiguredPushKind } from '../config/load-config.js';

/** Every kind of push. File pushes arrive with the files issue; the model already has room for them. */
export const PUSH_KINDS = ['text', 'file', 'url', 'qr'] as const;
export type PushKind = (typeof PUSH_KINDS)[number];

/** The kinds the server can create today (each has its settings: see ConfiguredPushKind). */
export const SERVER_PUSH_KINDS = ['text', 'url', 'qr'] as const satisfies readonly ConfiguredPushKind[];
export type ServerPushKind = (typeof SERVER_PUSH_KINDS)[number];

export function isPushKind(value: unknown): value is PushKind {
  return typeof value === 'string' && (PUSH_KINDS as readonly string[]).includes(value);
}

/**
 * The most UTF-8 bytes a QR push may hold: a version-40 QR code at error-correction level M (the level
 * every renderer here uses) holds 2,331 bytes in byte mode (ISO/IEC 18004, table 7). Characters are not
 * bytes: 800 CJK characters are 2,400 bytes. Checked at creation, by the server for its own path and by
 * the browser before it encrypts, so a QR push can always be drawn when it is opened.
 */
export const QR_MAX_BYTES = 2331;

/** The UTF-8 length of a QR push's content in bytes, or undefined when it fits QR_MAX_BYTES. */
export function qrOverflowBytes(content: string): number | undefined {
  const bytes = new TextEncoder().encode(content).length;
  return bytes > QR_MAX_BYTES ? bytes : undefined;
}
