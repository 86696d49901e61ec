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
    kind: { type: 'string', enum: ['text', 'url', 'qr'], default: 'text' },
    payload: {
      type: 'string',
      description: 'The secret: text, an http(s) URL, or QR code content; for encryption "client", the base64url ciphertext (docs/e2e-encryption.md)',
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
  },
  required: ['payload'],
  // The body "Try it out" sends (test/docs/openapi-examples.test.ts sends it to a live server).
  examples: [{ payload: 'correct horse battery staple', expire_after_minutes: 60, expire_after_views: 1, passphrase: 'tell-them-by-phone' }],
} as const;

const TokenParams = { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] } as const;
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
