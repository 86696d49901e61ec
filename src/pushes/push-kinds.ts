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
