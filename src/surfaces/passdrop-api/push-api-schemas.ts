/**
 * JSON Schemas of Passdrop's own push API: validation, response serialization, the OpenAPI document and
 * (through json-schema-to-ts, at compile time only) the handlers' types come from these objects.
 */
import type { FromSchema } from 'json-schema-to-ts';

const tags = ['Passdrop API'];

export const ErrorBody = {
  type: 'object',
  description: 'Error',
  properties: {
    code: { type: 'string', description: 'A stable code from docs/errors.md' },
    error: { type: 'string', description: 'What went wrong, for a person' },
    requestId: { type: 'string' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          code: { type: 'string', description: "A stable code: 'required', 'too_long', 'out_of_range', …" },
          params: { type: 'object', additionalProperties: { type: ['string', 'number'] }, description: 'The values the message names, e.g. {"max": 1024}' },
          message: { type: 'string' },
        },
        required: ['field', 'code', 'message'],
      },
    },
  },
  required: ['code', 'error', 'requestId'],
} as const;

export const PushView = {
  type: 'object',
  additionalProperties: false,
  properties: {
    token: { type: 'string' },
    kind: { type: 'string', enum: ['text', 'url', 'qr', 'file'] },
    url: { type: 'string', description: 'The secret link to send' },
    encryption: { type: 'string', enum: ['server', 'client'] },
    passphrase_protected: { type: 'boolean' },
    retrieval_step: { type: 'boolean' },
    deletable_by_viewer: { type: ['boolean', 'null'] },
    expire_after_views: { type: 'integer' },
    views_remaining: { type: 'integer' },
    expires_at: { type: 'string', format: 'date-time' },
    expired: { type: 'boolean' },
    expired_at: { type: ['string', 'null'], format: 'date-time' },
    expire_reason: { type: ['string', 'null'], enum: ['views', 'time', 'owner', 'viewer', 'locked', null] },
    created_at: { type: 'string', format: 'date-time' },
    name: { type: ['string', 'null'], description: "The private name: shown to the push's owner only (and in the creation response), null to anyone else" },
  },
  required: [
    'token', 'kind', 'url', 'encryption', 'passphrase_protected', 'retrieval_step', 'deletable_by_viewer', 'expire_after_views',
    'views_remaining', 'expires_at', 'expired', 'expired_at', 'expire_reason', 'created_at', 'name',
  ],
} as const;
export type PushViewJson = FromSchema<typeof PushView>;

export const CreatePushBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: ['text', 'url', 'qr', 'file'], default: 'text' },
    payload: {
      type: 'string',
      description:
        'The secret: text, an http(s) URL, or QR code content; for encryption "client", the base64url ciphertext (docs/e2e-encryption.md). ' +
        'Required except for a file push, where it is an optional message (end to end: a sealed message, which also carries the passphrase parameters)',
    },
    files: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      description: 'kind "file" only: the files, in order, as complete resumable uploads (POST /uploads, docs/file-pushes.md)',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          upload_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,64}$', description: 'A complete upload of yours; a push takes it (it can be attached once)' },
          sealed_metadata: {
            type: 'string',
            pattern: '^[A-Za-z0-9_-]+$',
            description: 'encryption "client" only (required then): the file\'s name, type and size sealed with its file key, base64url (docs/file-encryption.md)',
          },
        },
        required: ['upload_id'],
      },
    },
    encryption: {
      type: 'string',
      enum: ['server', 'client'],
      default: 'server',
      description: '"client": the payload was encrypted end to end and the key is only in the link fragment',
    },
    access_proof: {
      type: 'string',
      description: 'For encryption "client" with a passphrase: the proof derived from the passphrase and the link secret (never the passphrase)',
    },
    link_proof: {
      type: 'string',
      description: 'For encryption "client" in format 2 (required then): the proof derived from the link secret alone; every reveal must send it',
    },
    expire_after_minutes: { type: 'integer', description: 'Lifetime in minutes (give only one of the three lifetimes)' },
    expire_after_days: { type: 'integer', description: 'Lifetime in days' },
    expires_at: { type: 'string', format: 'date-time', description: 'Absolute expiry time (ISO 8601)' },
    expire_after_views: { type: 'integer' },
    passphrase: { type: 'string', description: 'Recipients must type it; never stored in the clear' },
    retrieval_step: { type: 'boolean' },
    deletable_by_viewer: { type: 'boolean' },
    name: { type: 'string', description: 'A label for your dashboard (not encrypted)' },
    note: { type: 'string', description: 'A private note for yourself (encrypted)' },
    push_locale: {
      type: 'string',
      description: "The recipient's language (en, de, pt-BR, …, as the web UI offers them): the returned url carries ?locale= so the link opens in it (Password Pusher's push_locale). Not stored: only this response's url has it",
    },
  },
  // The body "Try it out" sends (test/docs/openapi-examples.test.ts sends it to a live server).
  examples: [{ payload: 'correct horse battery staple', expire_after_minutes: 60, expire_after_views: 1, passphrase: 'tell-them-by-phone' }],
} as const;

/** A file as a reveal lists it, with its download URL (valid until `download_expires_at`). */
export const RevealedFile = {
  type: 'object',
  additionalProperties: false,
  properties: {
    position: { type: 'integer', description: '0-based place in the push (an end-to-end file key depends on it)' },
    name: { type: ['string', 'null'], description: 'Server-side files: the name; null for end-to-end files (see sealed_metadata)' },
    content_type: { type: ['string', 'null'], description: 'Server-side files: the media type; null for end-to-end files' },
    size: { type: 'integer', description: 'Bytes a download sends: the plaintext (server-side) or the record stream (end to end)' },
    sealed_metadata: { type: ['string', 'null'], description: 'End-to-end files: name, type and size sealed with the file key, base64url' },
    url: { type: 'string', description: 'GET it to download the file; bound to this view\'s download window' },
  },
  required: ['position', 'name', 'content_type', 'size', 'sealed_metadata', 'url'],
} as const;
export type RevealedFileJson = FromSchema<typeof RevealedFile>;

const TokenParams = { type: 'object', properties: { token: { type: 'string', examples: ['fkwjfvhall8kJyEhYBL5GQ'] } }, required: ['token'] } as const;
const Bounds = {
  type: 'object',
  properties: { default: { type: 'integer' }, min: { type: 'integer' }, max: { type: 'integer' } },
  required: ['default', 'min', 'max'],
} as const;

export const pushApiSchemas = {
  create: {
    tags,
    summary: 'Create a push',
    description: 'Expiry is whichever comes first: the lifetime or the views. Values outside the configured bounds get a 422 that states the bounds.',
    body: CreatePushBody,
    response: { 201: PushView, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 422: ErrorBody },
  },
  show: {
    tags,
    summary: "A push's status (uses no view)",
    params: TokenParams,
    response: { 200: PushView, 404: ErrorBody },
  },
  reveal: {
    tags,
    summary: 'Reveal the secret (uses a view)',
    params: TokenParams,
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        passphrase: { type: 'string' },
        access_proof: { type: 'string', description: 'For an end-to-end push with a passphrase, instead of the passphrase' },
        link_proof: { type: 'string', description: 'For an end-to-end push in format 2: the proof derived from the link secret (no view is used without it)' },
      },
      // Opens the push that the create example makes. A push without passphrase needs no body at all.
      examples: [{ passphrase: 'tell-them-by-phone' }],
    },
    response: {
      200: {
        type: 'object',
        properties: {
          payload: { type: 'string', description: 'The secret; for an end-to-end push, its ciphertext, to be opened with the link secret' },
          push: PushView,
          files: { type: 'array', items: RevealedFile, description: 'File pushes: the files, downloadable until download_expires_at' },
          download_expires_at: { type: 'string', format: 'date-time', description: 'File pushes: when this view\'s download window ends' },
        },
        required: ['payload', 'push'],
      },
      401: ErrorBody,
      403: ErrorBody,
      404: ErrorBody,
      410: ErrorBody,
      429: ErrorBody,
    },
  },
  download: {
    tags,
    summary: 'Download one file of a file push through a view\'s download window (streamed)',
    description:
      'Server-side files come decrypted, as the file; end-to-end files come as their record stream, to be opened with the file key ' +
      '(docs/file-encryption.md). Every download is an audit event. 404 once the window ended or the push was deleted.',
    params: {
      type: 'object',
      properties: { token: { type: 'string', examples: ['fkwjfvhall8kJyEhYBL5GQ'] }, position: { type: 'string', pattern: '^[0-9]{1,5}$', examples: ['0'] }, grant: { type: 'string', examples: ['Q2u7SLtN3rDpWb0xYkqjvA'] } },
      required: ['token', 'position', 'grant'],
    },
    response: { 200: { description: 'The file\'s bytes', type: 'string', format: 'binary' }, 404: ErrorBody },
  },
  destroy: {
    tags,
    summary: 'Delete a push now (when the sender allowed recipients to)',
    params: TokenParams,
    response: { 200: PushView, 403: ErrorBody, 404: ErrorBody },
  },
  limits: {
    tags,
    summary: 'What this server accepts: kinds, sizes, expiry defaults and bounds',
    response: {
      200: {
        type: 'object',
        properties: {
          min_expiry_minutes: { type: 'integer' },
          kinds: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: {
                enabled: { type: 'boolean' },
                max_characters: { type: 'integer' },
                expire_after_days: Bounds,
                expire_after_views: Bounds,
                retrieval_step_default: { type: 'boolean' },
                deletable_by_viewer_default: { type: ['boolean', 'null'] },
              },
            },
          },
        },
        required: ['min_expiry_minutes', 'kinds'],
      },
    },
  },
} as const;
