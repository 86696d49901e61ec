import { actingUser, decideAccess, type AccessDecision, type AccessPolicy, type AccessRefusal, type Authentication } from '../accounts/access-policy.js';
import type { PushPolicy } from '../config/load-config.js';
import { openEnvelope, sealEnvelope } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { accessProofRecord, isAccessProofRecord, isWellFormedAccessProof, verifyAccessProof } from '../crypto/access-proof.js';
import { createPassphraseRecord, verifyPassphrase } from '../crypto/passphrase-kdf.js';
import { randomToken } from '../crypto/random-token.js';
import type { FieldProblem } from '../errors/app-error.js';
import type { PushKind } from './push-kinds.js';
import type { AuditContext, AuditEvent, PushEncryption, PushRecord } from './push-record.js';
import type { AuditStore, InstanceAuditEntry } from './audit-store.js';
import type { AttachRows, ConsumeViewResult, OwnedPushQuery, PushSettingsChange, PushStore } from './push-store.js';
import { e2eEnvelopeVersion } from '../crypto/e2e/e2e-format.js';
import { kindProblem, normaliseWebUrl, payloadProblem, resolveExpiry, textFieldProblems, type ExpiryRequest } from './push-validation.js';

export interface CreatePushInput {
  readonly kind: PushKind;
  readonly payload: string | undefined;
  readonly expiry: ExpiryRequest;
  readonly passphrase?: string | undefined;
  readonly retrievalStep?: boolean | undefined;
  readonly deletableByViewer?: boolean | undefined;
  readonly name?: string | undefined;
  readonly note?: string | undefined;
  readonly encryption?: PushEncryption | undefined;
  /** End-to-end pushes: the proof derived from the passphrase and the link secret, instead of a passphrase. */
  readonly accessProof?: string | undefined;
  /** End-to-end pushes in format 2: the proof derived from the link secret alone (required for them). */
  readonly linkProof?: string | undefined;
  /** File pushes only (given by src/files/file-push-service.ts, never from a request): their files. */
  readonly files?: FileAttachment | undefined;
}

/**
 * What a recipient presents to use a view: the passphrase (server-encrypted pushes) or the access proof
 * (end-to-end pushes with a passphrase), and the link proof (format-2 end-to-end pushes).
 */
export interface RevealCredentials {
  readonly passphrase?: string | undefined;
  readonly linkProof?: string | undefined;
}

/**
 * The files of a new file push, already in the blob store under keys and keys wrapped for `token`: the push
 * is created with that link token, and `insertRows` writes the file rows in the push's creating transaction.
 */
export interface FileAttachment {
  readonly token: string;
  /** How many files (at least 1). */
  readonly count: number;
  readonly insertRows: AttachRows;
}

/** Who creates a push: the request's authentication (the push belongs to its account) and its audit facts. */
export interface CreateContext {
  readonly authentication: Authentication;
  readonly audit: AuditContext;
}

export interface PushEditInput {
  /** A new lifetime counted from now. */
  readonly expireInMinutes?: number | undefined;
  readonly viewsRemaining?: number | undefined;
  readonly name?: string | undefined;
  readonly note?: string | undefined;
  /** The passphrase it has now (needed to re-seal a passphrase-bound payload). */
  readonly currentPassphrase?: string | undefined;
  /** A new passphrase; '' removes it; undefined leaves it. */
  readonly newPassphrase?: string | undefined;
}

export type EditPushResult = { ok: true; push: PushRecord } | { ok: false; problems: FieldProblem[] } | { ok: false; reason: 'not_active' };

/**
 * `refused` when the requester may not create pushes at all (anonymous while PASSDROP_ALLOW_ANONYMOUS is
 * false, an account that owes two-factor set-up under PASSDROP_REQUIRE_MFA, an invalid token).
 */
export type CreatePushResult =
  | { ok: true; push: PushRecord }
  | { ok: false; problems: FieldProblem[] }
  | { ok: false; refused: AccessRefusal };

export type RetrieveResult =
  | { outcome: 'revealed'; push: PushRecord; payload: string; hadPassphrase: boolean }
  | { outcome: 'not_found' }
  | { outcome: 'expired'; push: PushRecord }
  | { outcome: 'passphrase_required'; push: PushRecord }
  /** A format-2 end-to-end push asked for without its link proof (a client that has no fragment): no view used. */
  | { outcome: 'link_proof_required'; push: PushRecord }
  /** The link proof does not match: the link's fragment was changed or cut. No view used, no failure counted. */
  | { outcome: 'link_damaged'; push: PushRecord }
  | { outcome: 'passphrase_incorrect'; push: PushRecord }
  | { outcome: 'rate_limited'; push: PushRecord }
  | { outcome: 'locked'; push: PushRecord };

export type ViewerDeleteResult =
  | { outcome: 'deleted'; push: PushRecord }
  | { outcome: 'already_expired'; push: PushRecord }
  | { outcome: 'not_deletable'; push: PushRecord }
  | { outcome: 'not_found' };

export interface PushService {
  /**
   * Whether this requester may create pushes: the allow-anonymous and require-MFA rules, decided here
   * once for every surface (Password Pusher's rule: without anonymous access, creating needs an account).
   */
  mayCreate(authentication: Authentication): AccessDecision;
  create(input: CreatePushInput, context: CreateContext): Promise<CreatePushResult>;
  /** The push's metadata without using a view; a push whose time ran out is expired on the way. */
  peek(token: string): Promise<PushRecord | undefined>;
  /** Records that someone opened the link page (which never uses a view). */
  recordOpened(push: PushRecord, audit: AuditContext): Promise<void>;
  /**
   * Uses a view and returns the payload, after the link-proof gate (format-2 end-to-end pushes) and the
   * passphrase gate when there are ones; a refused gate uses no view. The push's owner (and an admin) read
   * without using a view and without the link proof; that is logged as an owner or admin view.
   * `credentials` may be a bare passphrase string (or undefined) for callers with no link proof.
   */
  retrieve(token: string, credentials: RevealCredentials | string | undefined, audit: AuditContext, viewer?: Viewer | null): Promise<RetrieveResult>;
  /** Expires the push for a viewer who may (it is deletable by viewers), or for its owner or an admin. */
  deleteByViewer(token: string, audit: AuditContext, viewer?: Viewer | null): Promise<ViewerDeleteResult>;
  listOwned(ownerUserId: number, options: OwnedPushQuery & { offset: number; limit: number }): Promise<PushRecord[]>;
  countOwned(ownerUserId: number, options: OwnedPushQuery): Promise<number>;
  /** The owner changes an active push: lifetime, views, name, note, passphrase (server-encrypted pushes only). */
  edit(push: PushRecord, input: PushEditInput, audit: AuditContext): Promise<EditPushResult>;
  listInstanceAudit(page: { offset: number; limit: number }): Promise<InstanceAuditEntry[]>;
  /** Expires every active push of an account (deleting their payloads), as when the account is deleted. */
  expireAllOwned(ownerUserId: number, audit: AuditContext): Promise<number>;
  listAudit(push: PushRecord, page: { offset: number; limit: number }): Promise<AuditEvent[]>;
  /** Reads a note (owner only: the caller checks). */
  readNote(push: PushRecord): string;
}

/** Base64url of at least the E2E header (18 bytes) plus the GCM tag (16 bytes). */
const CIPHERTEXT_PATTERN = /^[A-Za-z0-9_-]{46,}$/;
/** The longest ciphertext a payload of `maxCharacters` can become: 4 UTF-8 bytes a character, plus the header and tag, in base64url. */
export function maxCiphertextLength(maxCharacters: number): number {
  return Math.ceil(((maxCharacters * 4 + 34) * 4) / 3);
}

function ciphertextProblem(input: CreatePushInput, maxCharacters: number): FieldProblem | undefined {
  if (input.kind === 'url') {
    return { field: 'encryption', code: 'end_to_end_unsupported', message: 'URL pushes cannot be end-to-end encrypted: the server must know where to redirect.' };
  }
  if (input.payload === undefined || input.payload === '') return { field: 'payload', code: 'required', message: 'Payload is required.' };
  if (!CIPHERTEXT_PATTERN.test(input.payload)) return { field: 'payload', code: 'invalid_ciphertext', message: 'must be the base64url ciphertext of an end-to-end encrypted push.' };
  if (input.payload.length > maxCiphertextLength(maxCharacters)) {
    return { field: 'payload', code: 'too_long', params: { max: maxCharacters }, message: `The payload is too large.  You can only push up to ${maxCharacters} bytes.` };
  }
  return undefined;
}

function protectionProblems(input: CreatePushInput): FieldProblem[] {
  const endToEnd = input.encryption === 'client';
  if (endToEnd && input.passphrase !== undefined && input.passphrase !== '') {
    return [{ field: 'passphrase', code: 'not_for_end_to_end', message: 'must not be sent for an end-to-end encrypted push: send only its access_proof.' }];
  }
  const problems: FieldProblem[] = [];
  if (input.linkProof !== undefined) {
    if (!endToEnd) problems.push({ field: 'link_proof', code: 'only_for_end_to_end', message: 'is only for end-to-end encrypted pushes.' });
    else if (!isWellFormedAccessProof(input.linkProof)) problems.push({ field: 'link_proof', code: 'invalid_format', message: 'must be 43 base64url characters (32 bytes).' });
  } else if (endToEnd && input.payload !== undefined && e2eEnvelopeVersion(input.payload) === 2) {
    // Format 2 exists to make every reveal prove the link first (docs/e2e-encryption.md).
    problems.push({ field: 'link_proof', code: 'required', message: 'is required for an end-to-end push in format 2: the proof derived from the link secret.' });
  }
  if (input.accessProof === undefined) return problems;
  if (!endToEnd) return [...problems, { field: 'access_proof', code: 'only_for_end_to_end', message: 'is only for end-to-end encrypted pushes; send passphrase instead.' }];
  return isWellFormedAccessProof(input.accessProof) ? problems : [...problems, { field: 'access_proof', code: 'invalid_format', message: 'must be 43 base64url characters (32 bytes).' }];
}

/** An authenticated account looking at a push. */
export interface Viewer {
  readonly id: number;
  readonly admin: boolean;
}

function privilegeOf(push: PushRecord, viewer: Viewer | null | undefined): 'owner_view' | 'admin_view' | undefined {
  if (!viewer) return undefined;
  if (push.ownerUserId === viewer.id) return 'owner_view';
  return viewer.admin ? 'admin_view' : undefined;
}

export interface PushServiceDependencies {
  readonly store: PushStore;
  readonly audit: AuditStore;
  readonly keys: MasterKeyRing;
  readonly policy: PushPolicy;
  /** Who may create: PASSDROP_ALLOW_ANONYMOUS. */
  readonly access: AccessPolicy;
  readonly clock: () => number;
}

/**
 * The lifecycle engine: every route, HTML or JSON, goes through it.
 *
 * @example const service = createPushService({ store, audit, keys, policy: config.pushes, access: config.accounts, clock: Date.now });
 */
export function createPushService({ store, audit: auditLog, keys, policy, access, clock }: PushServiceDependencies): PushService {
  async function expireIfTimeRanOut(push: PushRecord, now: number): Promise<PushRecord> {
    if (push.expired || now < push.expiresAt) return push;
    return (await store.expire(push.token, 'time', now, null)) ?? (await store.findByToken(push.token)) ?? push;
  }

  async function failedView(token: string, audit: AuditContext, now: number): Promise<RetrieveResult> {
    const current = await store.findByToken(token);
    if (!current) return { outcome: 'not_found' };
    const push = await expireIfTimeRanOut(current, now);
    await auditLog.record(push.id, 'failed_view', audit, now);
    return { outcome: 'expired', push };
  }

  function revealedResult(
    token: string,
    consumed: Extract<ConsumeViewResult, { ok: true }>,
    passphraseKey: Buffer | undefined,
  ): RetrieveResult {
    try {
      const payload = openEnvelope(consumed.payloadEnvelope, keys, { pushToken: token, field: 'payload' }, passphraseKey);
      return { outcome: 'revealed', push: consumed.push, payload: payload.toString('utf8'), hadPassphrase: passphraseKey !== undefined };
    } finally {
      passphraseKey?.fill(0);
    }
  }

  /** Opens the payload with the current passphrase (if any) and seals it again under the new one. */
  async function resealForPassphrase(
    push: PushRecord,
    currentPassphrase: string | undefined,
    newPassphrase: string,
  ): Promise<{ record: string | null; payloadEnvelope: Buffer } | { problem: FieldProblem }> {
    if (push.encryption === 'client') {
      return { problem: { field: 'passphrase', code: 'end_to_end_unchangeable', message: 'cannot be changed on an end-to-end encrypted push: the server cannot read it.' } };
    }
    let oldKey: Buffer | undefined;
    if (push.passphraseRecord !== null) {
      const verdict = await verifyPassphrase(currentPassphrase ?? '', push.passphraseRecord);
      if (!verdict.ok) return { problem: { field: 'current_passphrase', code: 'incorrect', message: 'is not the passphrase this push has now.' } };
      oldKey = verdict.key;
    }
    const envelope = await store.readPayloadEnvelope(push.id);
    if (!envelope) {
      oldKey?.fill(0);
      return { problem: { field: 'passphrase', code: 'payload_gone', message: 'cannot be changed: the payload is gone.' } };
    }
    const plaintext = openEnvelope(envelope, keys, { pushToken: push.token, field: 'payload' }, oldKey);
    oldKey?.fill(0);
    const secret = newPassphrase === '' ? undefined : await createPassphraseRecord(newPassphrase);
    const payloadEnvelope = sealEnvelope(plaintext, keys.current, { pushToken: push.token, field: 'payload' }, secret?.key);
    plaintext.fill(0);
    secret?.key.fill(0);
    return { record: secret?.record ?? null, payloadEnvelope };
  }

  const mayCreate = (authentication: Authentication): AccessDecision => decideAccess('visitor', authentication, access);

  return {
    mayCreate,

    async create(input, { authentication, audit }) {
      const decision = mayCreate(authentication);
      if (!decision.ok) return { ok: false, refused: decision.reason };
      const owner = actingUser(authentication);
      const now = clock();
      const problems: FieldProblem[] = [];
      const kindIssue = kindProblem(input.kind, policy);
      if (kindIssue) return { ok: false, problems: [kindIssue] };
      const kindPolicy = policy.kinds[input.kind];
      const endToEnd = input.encryption === 'client';
      const filePush = input.kind === 'file';
      if (filePush !== (input.files !== undefined && input.files.count > 0)) {
        problems.push(
          filePush
            ? { field: 'files', code: 'required', message: 'A file push needs at least one file.' }
            : { field: 'files', code: 'only_for_file_pushes', message: 'can only be attached to a file push.' },
        );
      }
      // A file push's message is optional (Password Pusher: payload is optional for files).
      const noMessage = filePush && (input.payload === undefined || input.payload === '');
      const payloadIssue = noMessage ? undefined : endToEnd ? ciphertextProblem(input, kindPolicy.maxCharacters) : payloadProblem(input.kind === 'file' ? 'text' : input.kind, input.payload, kindPolicy);
      if (payloadIssue) problems.push(payloadIssue);
      problems.push(...protectionProblems(input));
      const expiry = resolveExpiry(input.expiry, kindPolicy, policy, now);
      if (!expiry.ok) problems.push(...expiry.problems);
      problems.push(...textFieldProblems(input));
      if (problems.length > 0 || !expiry.ok) return { ok: false, problems };

      const token = input.files?.token ?? randomToken();
      const passphrase = input.passphrase === '' ? undefined : input.passphrase;
      const secret = passphrase === undefined ? undefined : await createPassphraseRecord(passphrase);
      const proofRecord = input.accessProof === undefined ? null : accessProofRecord(input.accessProof);
      const linkProofRecord = input.linkProof === undefined ? null : accessProofRecord(input.linkProof);
      // A URL is stored in its WHATWG form, so the redirect can always carry it (an ASCII Location header).
      const payload = input.kind === 'url' && !endToEnd ? normaliseWebUrl(input.payload!) : (input.payload ?? '');
      const payloadEnvelope = sealEnvelope(
        Buffer.from(payload, 'utf8'),
        keys.current,
        { pushToken: token, field: 'payload' },
        secret?.key,
      );
      const note = input.note === undefined || input.note === '' ? null : input.note;
      const noteEnvelope =
        note === null ? null : sealEnvelope(Buffer.from(note, 'utf8'), keys.current, { pushToken: token, field: 'note' });
      secret?.key.fill(0);
      const push = await store.create(
        {
          token,
          kind: input.kind,
          ownerUserId: owner?.id ?? null,
          name: input.name ?? '',
          encryption: input.encryption ?? 'server',
          expireAfterDays: expiry.expiry.expireAfterDays,
          expireAfterViews: expiry.expiry.expireAfterViews,
          expiresAt: expiry.expiry.expiresAt,
          retrievalStep: input.retrievalStep ?? kindPolicy.retrievalStepDefault,
          deletableByViewer: input.kind === 'url' ? null : (input.deletableByViewer ?? kindPolicy.deletableByViewerDefault ?? false),
          passphraseRecord: secret?.record ?? proofRecord,
          passphraseProtected: (secret?.record ?? proofRecord) !== null,
          linkProofRecord,
          noteEnvelope,
          createdAt: now,
        },
        payloadEnvelope,
        audit,
        input.files?.insertRows,
      );
      return { ok: true, push };
    },

    async peek(token) {
      const push = await store.findByToken(token);
      return push ? expireIfTimeRanOut(push, clock()) : undefined;
    },

    async recordOpened(push, audit) {
      await auditLog.record(push.id, 'opened', audit, clock());
    },

    async retrieve(token, credentials, audit, viewer) {
      const { passphrase, linkProof } = typeof credentials === 'object' ? credentials : { passphrase: credentials, linkProof: undefined };
      const now = clock();
      const noPassphraseGiven = passphrase === undefined || passphrase === '';
      if (noPassphraseGiven && !viewer) {
        // The common case in one step: a push without a passphrase or link proof, still live, uses a view at once.
        const consumed = await store.consumeView(token, now, audit, { onlyWithoutPassphrase: true });
        if (consumed.ok) return revealedResult(token, consumed, undefined);
      }
      const found = await store.findByToken(token);
      if (!found) return { outcome: 'not_found' };
      if (found.expired || now >= found.expiresAt) return failedView(token, audit, now);

      // Format-2 end-to-end pushes: the link proves itself before anything else, so a damaged or cut link
      // (or a client without the fragment) uses no view and is never taken for a wrong passphrase. The
      // owner and an admin read without a view, so they need no link proof.
      if (found.linkProofRecord !== null && privilegeOf(found, viewer) === undefined) {
        if (linkProof === undefined || linkProof === '') return { outcome: 'link_proof_required', push: found };
        if (!verifyAccessProof(linkProof, found.linkProofRecord)) return { outcome: 'link_damaged', push: found };
      }

      let passphraseKey: Buffer | undefined;
      if (found.passphraseRecord !== null) {
        if (passphrase === undefined || passphrase === '') return { outcome: 'passphrase_required', push: found };
        const attempts = await store.countPassphraseAttempt(found.id, now);
        if (attempts > policy.passphraseAttemptsPerMinute) return { outcome: 'rate_limited', push: found };
        const verdict = isAccessProofRecord(found.passphraseRecord)
          ? { ok: verifyAccessProof(passphrase, found.passphraseRecord), key: undefined }
          : await verifyPassphrase(passphrase, found.passphraseRecord);
        if (!verdict.ok) {
          const failure = await store.recordPassphraseFailure(found.id, token, clock(), policy.passphraseMaxFailures, audit);
          return failure.locked
            ? { outcome: 'locked', push: (await store.findByToken(token)) ?? found }
            : { outcome: 'passphrase_incorrect', push: found };
        }
        passphraseKey = verdict.ok ? verdict.key : undefined;
      }

      const privilege = privilegeOf(found, viewer);
      if (privilege) {
        const read = await store.readWithoutConsuming(token, clock(), privilege, audit);
        if (read) return revealedResult(token, { ok: true, push: read.push, payloadEnvelope: read.payloadEnvelope, last: false }, passphraseKey);
      }

      const consumed = await store.consumeView(token, clock(), audit);
      if (!consumed.ok) {
        passphraseKey?.fill(0);
        return failedView(token, audit, clock());
      }
      return revealedResult(token, consumed, passphraseKey);
    },

    async deleteByViewer(token, audit, viewer) {
      const now = clock();
      const found = await store.findByToken(token);
      if (!found) return { outcome: 'not_found' };
      const push = await expireIfTimeRanOut(found, now);
      if (push.expired) return { outcome: 'already_expired', push };
      const privileged = privilegeOf(push, viewer) !== undefined;
      if (!privileged && push.deletableByViewer !== true) return { outcome: 'not_deletable', push };
      const deleted = await store.expire(token, privileged ? 'owner' : 'viewer', now, audit);
      if (deleted) return { outcome: 'deleted', push: deleted };
      return { outcome: 'already_expired', push: (await store.findByToken(token)) ?? push };
    },

    listOwned(ownerUserId, options) {
      return store.listOwned(ownerUserId, options);
    },

    countOwned(ownerUserId, options) {
      return store.countOwned(ownerUserId, options);
    },

    listInstanceAudit(page) {
      return auditLog.listInstance(page);
    },

    async expireAllOwned(ownerUserId, audit) {
      let count = 0;
      for (;;) {
        const batch = await store.listOwned(ownerUserId, { expired: false, offset: 0, limit: 100 });
        for (const push of batch) if (await store.expire(push.token, 'owner', clock(), audit)) count += 1;
        if (batch.length < 100) return count;
      }
    },

    async edit(push, input, audit) {
      const now = clock();
      if (push.expired || now >= push.expiresAt) return { ok: false, reason: 'not_active' };
      const kindPolicy = policy.kinds[push.kind];
      const problems: FieldProblem[] = [...textFieldProblems({ name: input.name, note: input.note, passphrase: input.newPassphrase })];
      const change: { -readonly [K in keyof PushSettingsChange]: PushSettingsChange[K] } = {};
      if (input.expireInMinutes !== undefined) {
        const maxMinutes = kindPolicy.expireAfterDays.max * 1440;
        if (!Number.isInteger(input.expireInMinutes) || input.expireInMinutes < policy.minExpiryMinutes || input.expireInMinutes > maxMinutes) {
          problems.push({ field: 'expire_in_minutes', code: 'out_of_range', params: { min: policy.minExpiryMinutes, max: maxMinutes }, message: `must be a whole number of minutes between ${policy.minExpiryMinutes} and ${maxMinutes}.` });
        }
        change.expiresAt = now + input.expireInMinutes * 60_000;
      }
      if (input.viewsRemaining !== undefined) {
        const { min, max } = kindPolicy.expireAfterViews;
        if (!Number.isInteger(input.viewsRemaining) || input.viewsRemaining < min || input.viewsRemaining > max) {
          problems.push({ field: 'views_remaining', code: 'out_of_range', params: { min, max }, message: `must be a whole number between ${min} and ${max}.` });
        }
        change.viewsRemaining = input.viewsRemaining;
        change.expireAfterViews = push.expireAfterViews - push.viewsRemaining + input.viewsRemaining;
      }
      if (input.name !== undefined) change.name = input.name;
      if (input.note !== undefined) change.noteEnvelope = input.note === '' ? null : sealEnvelope(Buffer.from(input.note, 'utf8'), keys.current, { pushToken: push.token, field: 'note' });
      if (input.newPassphrase !== undefined) {
        const resealed = await resealForPassphrase(push, input.currentPassphrase, input.newPassphrase);
        if ('problem' in resealed) problems.push(resealed.problem);
        else change.passphrase = resealed;
      }
      if (problems.length > 0) return { ok: false, problems };
      const updated = await store.updateSettings(push.id, change, now, audit);
      return updated ? { ok: true, push: updated } : { ok: false, reason: 'not_active' };
    },

    listAudit(push, page) {
      return auditLog.list(push.id, page);
    },

    readNote(push) {
      if (push.noteEnvelope === null) return '';
      return openEnvelope(push.noteEnvelope, keys, { pushToken: push.token, field: 'note' }).toString('utf8');
    },
  };
}
