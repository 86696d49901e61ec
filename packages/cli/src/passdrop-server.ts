import type { FromSchema } from 'json-schema-to-ts';
import { accessProofFor, deriveE2eFileRoot, E2eError, e2eEnvelopeIterations, linkProofFor, newLinkSecret, openE2e, sealE2e, type E2eKind } from '../../../src/crypto/e2e/e2e-format.js';
import { prepareFiles, uploadPendingFiles, type RevealedFile } from './file-transfer.js';
import { removePendingPush, savePendingPush, type PendingPush } from './pending-pushes.js';
import type { pushApiSchemas, PushViewJson } from '../../../src/surfaces/passdrop-api/push-api-schemas.js';
import { characterCount } from '../../../src/pushes/push-validation.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { requestJson, type JsonResponse } from './http-client.js';
import { listOwnedPushes, payloadText, readAuditLog } from './password-pusher-server.js';
import type { CreatedPush, NewFilePush, NewPush, OpenedPush, PushServer } from './push-server.js';
import type { SecretLink } from './server-address.js';

/** What `GET /api/passdrop/v1/limits` answers: kinds, sizes, expiry defaults and bounds. */
export type ServerLimits = FromSchema<(typeof pushApiSchemas)['limits']['response'][200]>;

const API = '/api/passdrop/v1';

interface ErrorJson {
  code?: string;
  error?: string;
  details?: Array<{ field: string; message: string }>;
}

/** Maps an error answer of Passdrop's API (docs/errors.md) to the CLI's exit codes and a message. */
export function passdropFailure(response: JsonResponse, what: string): CliError {
  const body = (response.body ?? {}) as ErrorJson;
  const details = body.details?.map((detail) => `${detail.field} ${detail.message}`).join('; ');
  const message = `${what}: ${details || body.error || 'no details'}${body.code ? ` (${body.code})` : ` (HTTP ${response.status})`}`;
  const byCode: Record<string, ExitCode> = {
    PUSH_NOT_FOUND: EXIT.notFound,
    PUSH_EXPIRED: EXIT.notFound,
    PUSH_LOCKED: EXIT.notFound,
    PASSPHRASE_REQUIRED: EXIT.auth,
    PASSPHRASE_INCORRECT: EXIT.auth,
    PASSPHRASE_RATE_LIMITED: EXIT.auth,
    PUSH_NOT_DELETABLE: EXIT.auth,
  };
  const code =
    (body.code ? byCode[body.code] : undefined) ??
    (response.status === 401 || response.status === 403 ? EXIT.auth
    : response.status === 404 || response.status === 410 ? EXIT.notFound
    : response.status === 400 || response.status === 413 || response.status === 422 ? EXIT.usage
    : EXIT.failure);
  return new CliError(message, code);
}

const EXPIRED_REASONS: Record<string, string> = {
  views: 'its views are used up',
  time: 'its time ran out',
  owner: 'its sender deleted it',
  viewer: 'a recipient deleted it',
  locked: 'too many wrong passphrases locked it',
};

function expiredError(push: PushViewJson): CliError {
  const reason = push.expire_reason ? EXPIRED_REASONS[push.expire_reason] : undefined;
  return new CliError(`This push has expired${reason ? ` (${reason})` : ''}: its secret is gone.`, EXIT.notFound);
}

/**
 * A Passdrop server, through its own API (`/api/passdrop/v1`). Text and QR pushes are encrypted here
 * with the end-to-end format the browser uses (docs/e2e-encryption.md): the key goes only into the
 * link's fragment, a passphrase only into an access proof. URL pushes are encrypted by the server,
 * which must know where to redirect. Lists and audit logs come from the Password Pusher-compatible
 * routes, which Passdrop answers for its own pushes too.
 */
export function passdropServer(base: string, token: string | undefined, limits: ServerLimits): PushServer {
  function checkAgainstLimits(push: NewPush, text: string): void {
    const policy = limits.kinds[push.kind];
    if (policy && policy.enabled === false) throw new CliError(`${base} does not accept ${push.kind} pushes.`, EXIT.usage);
    const max = policy?.max_characters;
    if (max !== undefined && characterCount(text) > max) {
      throw new CliError(`The secret has ${characterCount(text)} characters; ${base} accepts at most ${max} for ${push.kind} pushes.`, EXIT.usage);
    }
  }

  /** The creator's choices, as the API names them (undefined: the server's default). */
  function addSettings(body: Record<string, unknown>, push: Omit<NewPush, 'kind' | 'payload'>): void {
    if (push.expiry) {
      if ('days' in push.expiry) body.expire_after_days = push.expiry.days;
      else if ('minutes' in push.expiry) body.expire_after_minutes = push.expiry.minutes;
      else body.expires_at = push.expiry.at.toISOString();
    }
    if (push.views !== undefined) body.expire_after_views = push.views;
    if (push.retrievalStep !== undefined) body.retrieval_step = push.retrievalStep;
    if (push.deletableByViewer !== undefined) body.deletable_by_viewer = push.deletableByViewer;
    if (push.name !== undefined) body.name = push.name;
    if (push.note !== undefined) body.note = push.note;
  }

  async function send(body: Record<string, unknown>, linkSecret: string | undefined): Promise<CreatedPush> {
    const response = await requestJson(`${base}${API}/pushes`, { method: 'POST', body, token });
    if (response.status !== 201) throw passdropFailure(response, 'The server refused the push');
    const created = response.body as PushViewJson;
    return {
      link: linkSecret ? `${created.url}#${linkSecret}` : created.url,
      token: created.token,
      encryption: created.encryption,
      views: created.expire_after_views,
      expiresAt: new Date(created.expires_at),
      days: undefined,
      passphrase: created.passphrase_protected,
      retrievalStep: created.retrieval_step,
      serverJson: created,
    };
  }

  return {
    flavour: 'passdrop',
    base,

    async create(push: NewPush): Promise<CreatedPush> {
      const text = payloadText(push.payload);
      checkAgainstLimits(push, text);
      const endToEnd = push.kind !== 'url';
      const body: Record<string, unknown> = { kind: push.kind, encryption: endToEnd ? 'client' : 'server' };
      let linkSecret: string | undefined;
      if (endToEnd) {
        linkSecret = newLinkSecret();
        // The exact bytes are sealed: what `get` prints is what was read, byte for byte.
        const sealed = await sealE2e(push.payload, { kind: push.kind as 'text' | 'qr', linkSecret, ...(push.passphrase ? { passphrase: push.passphrase } : {}) });
        body.payload = sealed.ciphertext;
        if (sealed.accessProof) body.access_proof = sealed.accessProof;
        if (sealed.linkProof) body.link_proof = sealed.linkProof;
      } else {
        body.payload = text;
        if (push.passphrase) body.passphrase = push.passphrase;
      }
      addSettings(body, push);
      if (push.kind === 'url') delete body.deletable_by_viewer;
      return send(body, linkSecret);
    },

    async createFilePush(push: NewFilePush): Promise<CreatedPush> {
      const policy = limits.kinds.file;
      if (policy && policy.enabled === false) throw new CliError(`${base} does not accept file pushes.`, EXIT.usage);
      const linkSecret = newLinkSecret();
      // The message envelope (empty) carries the passphrase's iterations and gives the link and access proofs.
      const sealed = await sealE2e('', { kind: 'file', linkSecret, ...(push.passphrase ? { passphrase: push.passphrase } : {}) });
      const iterations = e2eEnvelopeIterations(sealed.ciphertext);
      const { fileRoot } = await deriveE2eFileRoot({ linkSecret, ...(push.passphrase ? { passphrase: push.passphrase, iterations } : {}) });
      const body: Record<string, unknown> = { kind: 'file', encryption: 'client', payload: sealed.ciphertext };
      if (sealed.accessProof) body.access_proof = sealed.accessProof;
      if (sealed.linkProof) body.link_proof = sealed.linkProof;
      addSettings(body, push);
      const pending: PendingPush = {
        version: 1,
        id: push.pending.id,
        server: base,
        startedAt: new Date().toISOString(),
        linkSecret,
        fileRoot: Buffer.from(fileRoot).toString('base64url'),
        body,
        output: push.pending.output,
        files: await prepareFiles(push.paths),
      };
      // Kept before the first byte goes, so an interruption at any point can be resumed.
      savePendingPush(push.pending.directory, pending);
      return this.resumeFilePush!(pending, push.pending.directory, push.onProgress);
    },

    async resumeFilePush(pending, directory, onProgress): Promise<CreatedPush> {
      const files = await uploadPendingFiles(
        base,
        token,
        pending.files,
        new Uint8Array(Buffer.from(pending.fileRoot, 'base64url')),
        () => savePendingPush(directory, pending),
        onProgress,
      );
      const body = { ...pending.body, files: files.map((file) => ({ upload_id: file.uploadId, sealed_metadata: file.sealedMetadata })) };
      const created = await send(body, pending.linkSecret);
      removePendingPush(directory, pending.id);
      return created;
    },

    async open(link: SecretLink, prompts): Promise<OpenedPush> {
      const pushUrl = `${base}${API}/pushes/${encodeURIComponent(link.token)}`;
      // Looking uses no view: it tells whether a passphrase is needed and how many views are left.
      const status = await requestJson(pushUrl, { token });
      if (status.status !== 200) throw passdropFailure(status, 'Opening the push failed');
      const push = status.body as PushViewJson;
      if (push.expired) throw expiredError(push);
      const endToEnd = push.encryption === 'client';
      if (endToEnd && !isLinkSecret(link.linkSecret)) {
        throw new CliError('The link is incomplete: its key (the part after #) is missing or cut. Copy the whole link again.', EXIT.damagedLink);
      }
      let passphrase: string | undefined = push.passphrase_protected ? await prompts.passphrase(1) : undefined;
      if (push.views_remaining <= 1) await prompts.confirmView(push.views_remaining);
      // Format 2: the link proves itself before the server uses a view (format-1 pushes ignore it).
      const linkProof = endToEnd ? { link_proof: await linkProofFor(link.linkSecret!) } : {};
      for (let attempt = 1; ; attempt += 1) {
        const body =
          passphrase === undefined ? { ...linkProof }
          : endToEnd ? { ...linkProof, access_proof: await accessProofFor({ linkSecret: link.linkSecret!, passphrase }) }
          : { passphrase };
        const response = await requestJson(`${pushUrl}/reveal`, { method: 'POST', body, token });
        const code = (response.body as ErrorJson | undefined)?.code;
        if (code === 'LINK_DAMAGED' || code === 'LINK_PROOF_REQUIRED') {
          throw new CliError("The link's key does not match this push: the link is damaged. Ask the sender for the whole link again (no view was used).", EXIT.damagedLink);
        }
        if ((code === 'PASSPHRASE_INCORRECT' || code === 'PASSPHRASE_REQUIRED') && attempt < 3) {
          passphrase = await prompts.passphrase(attempt + 1);
          continue;
        }
        if (code === 'PUSH_EXPIRED' || code === 'PUSH_LOCKED') throw passdropFailure(response, 'This push has expired');
        if (response.status !== 200) throw passdropFailure(response, 'Opening the push failed');
        const revealed = response.body as { payload: string; push: PushViewJson; files?: RevealedFile[] };
        let payload: Uint8Array;
        let fileRoot: Uint8Array | null = null;
        if (endToEnd) {
          try {
            const kind = push.kind as E2eKind;
            // A file push may come without a message (a client other than this one).
            payload = kind === 'file' && revealed.payload === '' ? new Uint8Array() : await openE2e(revealed.payload, { kind, linkSecret: link.linkSecret!, ...(passphrase ? { passphrase } : {}) });
            if (kind === 'file') {
              const iterations = revealed.payload === '' ? undefined : e2eEnvelopeIterations(revealed.payload);
              fileRoot = (await deriveE2eFileRoot({ linkSecret: link.linkSecret!, ...(passphrase ? { passphrase, ...(iterations ? { iterations } : {}) } : {}) })).fileRoot;
            }
          } catch (error) {
            if (error instanceof E2eError) {
              throw new CliError("The link's key does not open this secret: the link is damaged. Ask the sender for the whole link again.", EXIT.damagedLink);
            }
            throw error;
          }
        } else {
          payload = new TextEncoder().encode(revealed.payload);
        }
        return {
          kind: push.kind,
          payload,
          viewsRemaining: revealed.push.views_remaining,
          expired: revealed.push.expired,
          expiresAt: new Date(revealed.push.expires_at),
          encryption: push.encryption,
          files: revealed.files ? { list: revealed.files, fileRoot } : undefined,
        };
      }
    },

    list: (expired) => listOwnedPushes(base, token, expired),
    audit: (pushToken) => readAuditLog(base, token, pushToken),

    async expire(pushToken) {
      const response = await requestJson(`${base}${API}/pushes/${encodeURIComponent(pushToken)}`, { method: 'DELETE', token });
      if (response.status !== 200) throw passdropFailure(response, 'Expiring the push failed');
      return response.body;
    },

    async verifyToken() {
      const response = await requestJson(`${base}${API}/tokens`, { token });
      if (response.status === 200) return true;
      if (response.status === 401 || response.status === 403) return false;
      throw passdropFailure(response, 'Checking the token failed');
    },
  };
}

/** The link secret's shape (32 bytes, base64url): anything else is a cut or mangled link. */
function isLinkSecret(secret: string | undefined): secret is string {
  return secret !== undefined && /^[A-Za-z0-9_-]{43}$/.test(secret);
}
