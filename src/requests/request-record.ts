import type { AnswerKind, RequestKeyAlgorithm } from '../crypto/requests/request-answer-format.js';

/** Why a request stopped taking answers: its count was used up, its time ran out, its owner closed it, or wrong passphrases locked it. */
export type RequestCloseReason = 'answers' | 'time' | 'owner' | 'locked';

/** Why an answer was deleted: its views or its time were used up, or the requester deleted it. */
export type AnswerExpireReason = 'views' | 'time' | 'owner';

/**
 * Who encrypted an answer to the requester's key: the responder's browser (`client`, end to end, after
 * checking the key's fingerprint) or, for a responder without JavaScript, the server (`server`: the server
 * saw the answer while sealing it). Both sides are told which.
 */
export type AnswerEncryption = 'client' | 'server';

export const REQUEST_AUDIT_EVENT_KINDS = [
  'created',
  'opened',
  'answered',
  'failed_answer',
  'failed_passphrase',
  'locked',
  'closed',
  'viewed',
  'expired',
] as const;
/**
 * What the audit log of a request records: `opened` (a responder opened the link page or its form),
 * `answered`, `failed_answer` (an answer came too late: the request was closed), `failed_passphrase`,
 * `locked`, `closed` (with its reason), and for an answer `viewed` (the requester opened it) and
 * `expired` (with its reason).
 */
export type RequestAuditEventKind = (typeof REQUEST_AUDIT_EVENT_KINDS)[number];

/** A request's metadata. Answers are separate records; their payloads are read only by using a view. */
export interface RequestRecord {
  readonly id: number;
  /** The link token: `<site>/req/<token>#<fingerprint>`. */
  readonly token: string;
  readonly ownerUserId: number;
  /** For the requester's records only. */
  readonly name: string;
  /** Shown to responders ("who asks"); may be empty. */
  readonly requesterName: string;
  readonly instructionsEnvelope: Buffer | null;
  readonly keyAlgorithm: RequestKeyAlgorithm;
  /** The requester's public key, base64url (docs/requests-encryption.md). */
  readonly publicKey: string;
  readonly answersAllowed: number;
  readonly answersRemaining: number;
  /** Whether answers may carry files (sealed to the request's key, uploaded by tus). */
  readonly filesAllowed: boolean;
  /** How long each answer is kept, in minutes. */
  readonly answerLifetimeMinutes: number;
  /** How many times each answer may be opened. */
  readonly answerViews: number;
  /** Until when the link takes answers, epoch milliseconds. */
  readonly expiresAt: number;
  readonly passphraseRecord: string | null;
  readonly passphraseFailures: number;
  readonly closed: boolean;
  readonly closedAt: number | null;
  readonly closeReason: RequestCloseReason | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One answer's metadata; its sealed payload is read only by consuming a view. */
export interface AnswerRecord {
  readonly id: number;
  /** The answer id bound into the answer's associated data (22 base64url characters). */
  readonly token: string;
  readonly requestId: number;
  readonly kind: AnswerKind;
  readonly encryption: AnswerEncryption;
  /** Bytes of the sealed answer (not of the plaintext). */
  readonly sizeBytes: number;
  readonly expireAfterViews: number;
  readonly viewsRemaining: number;
  readonly expiresAt: number;
  readonly expired: boolean;
  readonly expiredAt: number | null;
  readonly expireReason: AnswerExpireReason | null;
  readonly createdAt: number;
  /** Answers with files: until when the last view's download window is open (ms); null before a view. */
  readonly filesUntil: number | null;
}

export interface RequestAuditEvent {
  readonly id: number;
  readonly kind: RequestAuditEventKind;
  readonly reason: string | null;
  /** The answer the event is about, if any. */
  readonly answerToken: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly referrer: string | null;
  readonly userId: number | null;
  readonly createdAt: number;
}
