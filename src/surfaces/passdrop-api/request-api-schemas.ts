/**
 * JSON Schemas of the request API (validation, serialization, the OpenAPI document and the handlers'
 * types come from these objects). Formats: docs/requests-encryption.md.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { ErrorBody } from './push-api-schemas.js';

const tags = ['Passdrop API: requests'];
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const RequestView = {
  type: 'object',
  additionalProperties: false,
  description: 'A request, as its owner sees it',
  properties: {
    token: { type: 'string' },
    url: { type: 'string', description: 'The link to send: the request page with the key fingerprint after #' },
    key_algorithm: { type: 'string', enum: ['P-256'] },
    public_key: { type: 'string', description: 'The requester public key (base64url, uncompressed P-256 point)' },
    key_fingerprint: { type: 'string', description: "SHA-256 fingerprint of the public key, as in the link's fragment" },
    name: { type: 'string', description: 'For your records; responders never see it' },
    requester_name: { type: 'string', description: 'Shown to responders as who asks' },
    instructions: { type: 'string', description: 'Shown to responders' },
    passphrase_protected: { type: 'boolean' },
    files_allowed: { type: 'boolean' },
    answers_allowed: { type: 'integer' },
    answers_received: { type: 'integer' },
    answers_remaining: { type: 'integer' },
    answer_expire_after_minutes: { type: 'integer' },
    answer_expire_after_views: { type: 'integer' },
    expires_at: { ...dateTime, description: 'Until when the link takes answers' },
    closed: { type: 'boolean' },
    closed_at: nullableDateTime,
    close_reason: { type: ['string', 'null'], enum: ['answers', 'time', 'owner', 'locked', null] },
    created_at: dateTime,
  },
  required: [
    'token', 'url', 'key_algorithm', 'public_key', 'key_fingerprint', 'name', 'requester_name', 'instructions', 'passphrase_protected',
    'files_allowed', 'answers_allowed', 'answers_received', 'answers_remaining', 'answer_expire_after_minutes', 'answer_expire_after_views',
    'expires_at', 'closed', 'closed_at', 'close_reason', 'created_at',
  ],
} as const;
export type RequestViewJson = FromSchema<typeof RequestView>;

export const AnswerView = {
  type: 'object',
  additionalProperties: false,
  properties: {
    answer_id: { type: 'string' },
    kind: { type: 'string', enum: ['text', 'files'] },
    encryption: { type: 'string', enum: ['client', 'server'], description: '"client": sealed in the responder\'s browser; "server": the responder had no JavaScript and the server sealed it' },
    size_bytes: { type: 'integer', description: 'Bytes of the sealed answer' },
    expire_after_views: { type: 'integer' },
    views_remaining: { type: 'integer' },
    expires_at: dateTime,
    expired: { type: 'boolean' },
    expired_at: nullableDateTime,
    expire_reason: { type: ['string', 'null'], enum: ['views', 'time', 'owner', null] },
    created_at: dateTime,
    file_count: { type: 'integer', description: 'Files the answer holds (kind files); 0 for a text answer' },
  },
  required: ['answer_id', 'kind', 'encryption', 'size_bytes', 'expire_after_views', 'views_remaining', 'expires_at', 'expired', 'expired_at', 'expire_reason', 'created_at', 'file_count'],
} as const;
export type AnswerViewJson = FromSchema<typeof AnswerView>;

export const ResponderFormView = {
  type: 'object',
  additionalProperties: false,
  description: 'What a responder needs to answer: never anything of the requester\'s account or of other answers',
  properties: {
    token: { type: 'string' },
    requester_name: { type: 'string' },
    instructions: { type: 'string' },
    expires_at: dateTime,
    key_algorithm: { type: 'string', enum: ['P-256'] },
    public_key: { type: 'string', description: 'Check its fingerprint against the link before encrypting to it' },
    passphrase_required: { type: 'boolean' },
    files_allowed: { type: 'boolean' },
    max_characters: { type: 'integer', description: 'Longest text answer, in characters' },
    max_files: { type: 'integer', description: 'Most files one answer may hold (0 when the request takes no files)' },
    max_file_bytes: { type: 'integer', description: 'Largest file (plaintext bytes)' },
    max_total_file_bytes: { type: 'integer', description: 'Largest total of one answer\'s files (plaintext bytes)' },
  },
  required: [
    'token', 'requester_name', 'instructions', 'expires_at', 'key_algorithm', 'public_key', 'passphrase_required', 'files_allowed', 'max_characters',
    'max_files', 'max_file_bytes', 'max_total_file_bytes',
  ],
} as const;

const AuditEventView = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['created', 'opened', 'answered', 'failed_answer', 'failed_passphrase', 'locked', 'closed', 'viewed', 'expired'] },
    reason: { type: ['string', 'null'] },
    answer_id: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
    created_at: dateTime,
  },
  required: ['kind', 'reason', 'answer_id', 'ip', 'user_agent', 'created_at'],
} as const;

const TokenParams = { type: 'object', properties: { token: { type: 'string', examples: ['fkwjfvhall8kJyEhYBL5GQ'] } }, required: ['token'] } as const;
const AnswerParams = { type: 'object', properties: { token: { type: 'string', examples: ['fkwjfvhall8kJyEhYBL5GQ'] }, answer: { type: 'string', examples: ['1'] } }, required: ['token', 'answer'] } as const;
const PageQuery = { type: 'object', additionalProperties: false, properties: { page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 } } } as const;

export const requestApiSchemas = {
  create: {
    tags,
    summary: 'Make a request: ask someone to send you a secret',
    description:
      'Make the ECDH P-256 key pair on your side (docs/requests-encryption.md), send only the public key, keep the private key, and send responders `url` with ' +
      'the fingerprint of your own public key after # (compare it with `key_fingerprint`).',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        public_key: { type: 'string', description: 'base64url of the uncompressed P-256 point (87 characters)' },
        key_algorithm: { type: 'string', enum: ['P-256'], default: 'P-256' },
        name: { type: 'string', description: 'For your records; responders never see it' },
        requester_name: { type: 'string', description: 'Shown to responders as who asks' },
        instructions: { type: 'string', description: 'Shown to responders (stored encrypted at rest)' },
        expire_after_minutes: { type: 'integer', description: 'How long the link takes answers' },
        answers_allowed: { type: 'integer', default: 1, description: 'How many answers the link takes' },
        passphrase: { type: 'string', description: 'Responders must type it to answer; tell it to them another way' },
        files_allowed: { type: 'boolean', default: false, description: 'Whether answers may carry files (sealed to your key like the text; the limits of file pushes apply)' },
        answer_expire_after_minutes: { type: 'integer', description: 'How long each answer is kept' },
        answer_expire_after_views: { type: 'integer', description: 'How many times each answer may be opened' },
      },
      required: ['public_key'],
      // The public key of the first vector in docs/requests-test-vectors.json.
      examples: [
        {
          public_key: 'BEiW9CS-swUdmBrfo8mP7MfZ3xfvJL3OjTxN1yi94kCfOrXqg4I3cMRxUTMrtTnxrOGoLVvXPGqF9HeSeHoc9BU',
          requester_name: 'IT desk',
          instructions: 'Please send the VPN password.',
          expire_after_minutes: 1440,
          answers_allowed: 1,
        },
      ],
    },
    response: { 201: RequestView, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody },
  },
  list: {
    tags,
    summary: 'Your requests, newest first: open or closed',
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { status: { type: 'string', enum: ['open', 'closed'], default: 'open' }, page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 } },
    },
    response: {
      200: { type: 'object', properties: { requests: { type: 'array', items: RequestView }, total: { type: 'integer' }, page: { type: 'integer' }, per_page: { type: 'integer' } }, required: ['requests', 'total', 'page', 'per_page'] },
      401: ErrorBody,
    },
  },
  show: { tags, summary: 'One of your requests', params: TokenParams, response: { 200: RequestView, 401: ErrorBody, 404: ErrorBody } },
  close: { tags, summary: 'Close one of your requests: it takes no more answers (answers already in stay)', params: TokenParams, response: { 200: RequestView, 401: ErrorBody, 404: ErrorBody } },
  audit: {
    tags,
    summary: "One of your requests' audit log, oldest first",
    params: TokenParams,
    querystring: PageQuery,
    response: { 200: { type: 'array', items: AuditEventView }, 401: ErrorBody, 404: ErrorBody },
  },
  answers: { tags, summary: "One of your requests' answers (never their contents)", params: TokenParams, querystring: PageQuery, response: { 200: { type: 'array', items: AnswerView }, 401: ErrorBody, 404: ErrorBody } },
  reveal: {
    tags,
    summary: 'Fetch an answer to open it with your private key (uses one of its views)',
    params: AnswerParams,
    response: {
      200: {
        type: 'object',
        properties: {
          ciphertext: { type: 'string', description: 'The sealed answer (docs/requests-encryption.md)' },
          answer: AnswerView,
          files: {
            type: 'array',
            description: "An answer with files: each file's record stream, downloadable (with your token or session) until files_available_until",
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                position: { type: 'integer' },
                size: { type: 'integer', description: "Bytes of the record stream (the file's plaintext is a little shorter)" },
                sealed_metadata: { type: 'string', description: "The file's name, type and size sealed under its file key, base64url" },
                url: { type: 'string' },
              },
              required: ['position', 'size', 'sealed_metadata', 'url'],
            },
          },
          files_available_until: { ...nullableDateTime, description: 'Until when the files can be downloaded (this view\'s window); null for a text answer' },
        },
        required: ['ciphertext', 'answer', 'files', 'files_available_until'],
      },
      401: ErrorBody,
      404: ErrorBody,
      410: ErrorBody,
    },
  },
  downloadFile: {
    tags,
    summary: "Download one file of an answer (its record stream, to open with the file key), within the window of the answer's last view",
    description: 'Streamed, as application/octet-stream. 404 outside the window a view opened, once the answer was deleted, or for another account\'s request.',
    params: {
      type: 'object',
      properties: {
        token: { type: 'string', examples: ['fkwjfvhall8kJyEhYBL5GQ'] },
        answer: { type: 'string', examples: ['AnswerVectorId00000001'] },
        position: { type: 'string', pattern: '^[0-9]{1,5}$', examples: ['0'] },
      },
      required: ['token', 'answer', 'position'],
    },
    response: { 200: { description: 'The record stream', type: 'string', format: 'binary' }, 401: ErrorBody, 404: ErrorBody },
  },
  deleteAnswer: { tags, summary: 'Delete an answer now', params: AnswerParams, response: { 200: AnswerView, 401: ErrorBody, 404: ErrorBody } },
  form: {
    tags,
    summary: "What a responder needs to answer a request: who asks, the instructions, the requester's public key",
    params: TokenParams,
    response: { 200: ResponderFormView, 404: ErrorBody, 410: ErrorBody },
  },
  answer: {
    tags,
    summary: 'Answer a request with an answer sealed to its public key',
    description: 'Check the public key against the fingerprint in the link first; pick a fresh answer_id and bind it into the answer (docs/requests-encryption.md).',
    params: TokenParams,
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        answer_id: { type: 'string', description: '16 random bytes in base64url (22 characters), bound into the sealed answer' },
        kind: { type: 'string', enum: ['text', 'files'], default: 'text' },
        ciphertext: { type: 'string', description: 'The sealed answer, base64url' },
        passphrase: { type: 'string', description: 'When the request has one' },
        files: {
          type: 'array',
          maxItems: 1000,
          description: 'Kind files: the files in order, each a complete upload made with Upload-Metadata `request` = this token, and its sealed metadata',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: { upload_id: { type: 'string' }, sealed_metadata: { type: 'string', description: 'base64url' } },
            required: ['upload_id', 'sealed_metadata'],
          },
        },
      },
      required: ['answer_id', 'ciphertext'],
      // The first vector of docs/requests-test-vectors.json (sealed to the create example's key; a real answer binds the request's own token).
      examples: [
        {
          answer_id: 'AnswerVectorId00000001',
          kind: 'text',
          ciphertext:
            'AQEErJauTYx0Mi9MPF4qoVkskyPdgthZUggtHFEDQrD33aA_OwYxAnrXLvYc7ndBSJ2ThtmZix9lZLg1j8224wrm8QABAgMEBQYHCAkKC0F_UGNMltRy2ESnQWLBYiMRVOn1Mi5Zw5yDc_zCaneYZlpJhzoDU--WZJhX',
        },
      ],
    },
    response: {
      201: {
        type: 'object',
        properties: { answer_id: { type: 'string' }, encryption: { type: 'string', enum: ['client'] }, created_at: dateTime },
        required: ['answer_id', 'encryption', 'created_at'],
      },
      401: ErrorBody,
      404: ErrorBody,
      410: ErrorBody,
      422: ErrorBody,
      429: ErrorBody,
    },
  },
} as const;
