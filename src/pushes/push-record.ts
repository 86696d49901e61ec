import type { PushKind } from './push-kinds.js';

export type ExpireReason = 'views' | 'time' | 'owner' | 'viewer' | 'locked';

/** Who encrypted the payload: the server (at rest, with its master key) or the client (end to end). */
export type PushEncryption = 'server' | 'client';

export const AUDIT_EVENT_KINDS = [
  'created',
  'opened',
  'viewed',
  'failed_view',
  'failed_passphrase',
  'locked',
  'expired',
  'edited',
  'owner_view',
  'admin_view',
  /** A file of a file push was downloaded (reason: its position, and its name when the server knows it). */
  'file_download',
] as const;
export type AuditEventKind = (typeof AUDIT_EVENT_KINDS)[number];

/** A push's metadata. The payload is never part of it: it is read only by consuming a view. */
export interface PushRecord {
  readonly id: number;
  readonly token: string;
  readonly kind: PushKind;
  readonly ownerUserId: number | null;
  readonly name: string;
  readonly encryption: PushEncryption;
  /** The whole-day lifetime the creator asked for, or null when given in minutes or as a time. */
  readonly expireAfterDays: number | null;
  readonly expireAfterViews: number;
  readonly viewsRemaining: number;
  readonly expiresAt: number;
  readonly retrievalStep: boolean;
  /** null for kinds a viewer can never delete (URL). */
  readonly deletableByViewer: boolean | null;
  /** The passphrase record (or an end-to-end access-proof record) while the push is active; null after expiry. */
  readonly passphraseRecord: string | null;
  /** Whether the push was created with a passphrase; unlike passphraseRecord it survives expiry. */
  readonly passphraseProtected: boolean;
  /** Format-2 end-to-end pushes: 'proof-sha256$…' of the link proof, required to use a view; null otherwise and after expiry. */
  readonly linkProofRecord: string | null;
  readonly passphraseFailures: number;
  readonly noteEnvelope: Buffer | null;
  readonly expired: boolean;
  readonly expiredAt: number | null;
  readonly expireReason: ExpireReason | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Where a request came from, for the audit log. */
export interface AuditContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly referrer: string | null;
  readonly userId: number | null;
}

export interface AuditEvent {
  readonly id: number;
  readonly kind: AuditEventKind;
  readonly reason: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly referrer: string | null;
  readonly userId: number | null;
  readonly createdAt: number;
}
