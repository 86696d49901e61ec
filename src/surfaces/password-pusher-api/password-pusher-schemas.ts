/**
 * JSON Schemas of the Password Pusher-compatible routes, for the OpenAPI document and the response
 * serializer (which writes keys in schema order, Password Pusher's order). Plain objects: no schema
 * library at run time.
 */
import type { RootKey } from './password-pusher-create-request.js';

const tags = ['Password Pusher API (compatible)'];
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });

const ErrorString = { type: 'object', description: 'An error, Password Pusher style', properties: { error: { type: 'string' } }, required: ['error'] };
const FieldErrors = {
  type: 'object',
  description: 'Validation errors: each field with its messages, e.g. {"payload":["Payload is required."]}',
  additionalProperties: { type: 'array', items: { type: 'string' } },
};
const PassphraseError = {
  type: 'object',
  description: 'A wrong or missing passphrase (error, message, status), or an invalid API token (error only)',
  properties: { error: { type: 'string' }, message: { type: 'string' }, status: { type: 'string' } },
  required: ['error'],
};

/** Keys in Password Pusher's order: the serializer writes them in schema order. */
const pushProperties = {
  expire_after_views: { type: 'integer' },
  expired: { type: 'boolean' },
  url_token: { type: 'string' },
  deletable_by_viewer: nullable('boolean'),
  retrieval_step: { type: 'boolean' },
  expired_on: nullable('string', { format: 'date-time' }),
  passphrase: nullable('string', { description: 'Never the passphrase: "" when there is none, null otherwise' }),
  created_at: { type: 'string', format: 'date-time' },
  updated_at: { type: 'string', format: 'date-time' },
  expire_after_days: { type: 'integer' },
  days_remaining: { type: 'integer' },
  views_remaining: { type: 'integer' },
  deleted: { type: 'boolean' },
  json_url: { type: 'string' },
  html_url: { type: 'string', description: 'The secret link to send' },
};
const pushKeys = Object.keys(pushProperties);

const Push = { type: 'object', properties: pushProperties, required: pushKeys };
const CreatedPush = {
  type: 'object',
  properties: {
    ...pushProperties,
    note: { type: 'string' },
    name: { type: 'string' },
    notify_emails_to: { type: 'string', description: 'Only when the link is being emailed: the recipients as given' },
    notify_emails_to_locale: { type: 'string', description: 'Only when the link is being emailed: the language of the emails' },
  },
  required: [...pushKeys, 'note', 'name'],
};
const RetrievedPush = {
  type: 'object',
  properties: {
    ...pushProperties,
    payload: nullable('string', { description: 'The secret; null once expired' }),
    files: {
      type: 'array',
      items: { type: 'object', properties: { filename: { type: 'string' }, content_type: { type: 'string' }, url: { type: 'string' } } },
    },
  },
  required: [...pushKeys, 'payload', 'files'],
};

const Token = {
  type: 'object',
  properties: { token: { type: 'string', description: 'The push token (url_token); an optional .json suffix is accepted', examples: ['fkwjfvhall8kJyEhYBL5GQ'] } },
  required: ['token'],
};

const integerOrString = (description?: string) => ({ type: ['integer', 'string'], ...(description ? { description } : {}) });
const booleanOrString = { type: ['boolean', 'string'], description: 'true, or on, yes, checked, true, 1 in a form' };

const createFields = {
  type: 'object',
  additionalProperties: true,
  properties: {
    payload: { type: 'string', description: 'The secret (text, URL or QR content)' },
    kind: { type: 'string', enum: ['text', 'url', 'qr', 'file'] },
    expire_after_days: integerOrString(),
    expire_after_views: integerOrString(),
    expire_after_duration: integerOrString("Password Pusher Pro's duration index; 6–17 = 1, 2, 3, 4, 5, 6, 7, 14, 21, 30, 60, 90 days"),
    deletable_by_viewer: booleanOrString,
    retrieval_step: booleanOrString,
    passphrase: { type: 'string' },
    name: { type: 'string' },
    note: { type: 'string' },
    push_locale: { type: 'string', description: "The recipient's language (en, de, pt-BR, …): html_url carries ?locale= so the link opens in it. Not stored: only this response's html_url has it" },
  },
};

/** A body that works on each create route ("Try it out" sends it; test/docs/openapi-examples.test.ts sends it to a live server). */
function createExample(rootKey: RootKey): Record<string, Record<string, unknown>> {
  switch (rootKey) {
    case 'url':
      return { url: { payload: 'https://example.com/reset?code=123', expire_after_days: 1, expire_after_views: 1 } };
    case 'password':
    case 'push':
    case 'file_push':
      return { [rootKey]: { payload: 'correct horse battery staple', expire_after_days: 7, expire_after_views: 5, retrieval_step: true } };
    default:
      throw new Error(`no example for ${JSON.stringify(rootKey satisfies never)}`);
  }
}

/** A file push is a multipart form (its files are parts): the document shows its fields flat, with a file picker. */
const filePushBody = {
  consumes: ['multipart/form-data'],
  body: {
    type: 'object',
    properties: {
      'file_push[payload]': { type: 'string', description: 'An optional message shown with the files' },
      'file_push[expire_after_days]': { type: 'integer' },
      'file_push[expire_after_views]': { type: 'integer' },
      'file_push[files][]': { type: 'array', items: { type: 'string', format: 'binary' }, description: 'One part per file' },
    },
    examples: [{ 'file_push[payload]': 'The invoice is attached.', 'file_push[expire_after_days]': 7, 'file_push[expire_after_views]': 5 }],
  },
};

export const passwordPusherSchemas = {
  create: (rootKey: RootKey) => ({
    tags,
    summary: rootKey === 'push' ? 'Create a push (v2)' : `Create a push (v1, fields under "${rootKey}")`,
    description: `JSON, URL-encoded form (\`${rootKey}[payload]=…\`) or multipart. Unknown fields are ignored.`,
    ...(rootKey === 'file_push' ? filePushBody : { body: { type: 'object', properties: { [rootKey]: createFields }, examples: [createExample(rootKey)] } }),
    response: { 201: CreatedPush, 400: ErrorString, 401: ErrorString, 422: FieldErrors },
  }),
  retrieve: {
    tags,
    summary: 'Retrieve a push (uses a view)',
    description: 'Pass a passphrase as ?passphrase= or in the body. An expired push answers 200 with expired:true and a null payload.',
    params: Token,
    querystring: { type: 'object', properties: { passphrase: { type: 'string' } } },
    response: { 200: RetrievedPush, 401: PassphraseError, 404: ErrorString, 429: ErrorString },
  },
  destroy: {
    tags,
    summary: 'Expire a push now (owner, or a viewer when the push is deletable by viewers)',
    params: Token,
    response: { 200: Push, 401: ErrorString, 404: ErrorString },
  },
  download: {
    tags,
    summary: 'Download one file of a file push (the url in the files array of a view)',
    description:
      'Works from the view that listed it until its download window ends (PASSDROP_FILE_DOWNLOAD_WINDOW_MINUTES), any number of times; each download is an audit event. The body is the file (server-side uploads) or its record stream (end-to-end uploads, docs/file-encryption.md).',
    params: {
      type: 'object',
      properties: {
        token: { type: 'string', examples: ['fkwjfvhall8kJyEhYBL5GQ'] },
        position: { type: 'string', description: "The file's 0-based place in the push", examples: ['0'] },
        grant: { type: 'string', description: "The view's download grant", examples: ['Q2u7SLtN3rDpWb0xYkqjvA'] },
      },
      required: ['token', 'position', 'grant'],
    },
    response: { 404: ErrorString },
  },
  preview: {
    tags,
    summary: 'The secret link of a push (uses no view)',
    params: Token,
    response: { 200: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] }, 404: ErrorString },
  },
  notifyEmails: {
    tags,
    summary: "Email the push's link to up to 5 recipients (owner; needs an API token and SMTP). End-to-end pushes: use the Passdrop API",
    params: Token,
    body: {
      type: 'object',
      properties: {
        notify_emails_to: { type: 'string', description: 'Comma-separated email addresses' },
        notify_emails_to_locale: { type: 'string', description: 'The language of the email (en, de, fr, …)' },
      },
      examples: [{ notify_emails_to: 'alex@example.com', notify_emails_to_locale: 'en' }],
    },
    response: {
      201: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      401: ErrorString,
      403: ErrorString,
      404: ErrorString,
      422: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      429: ErrorString,
    },
  },
  accountOnly: (scope: string) => ({
    tags,
    summary: scope === 'audit' ? "A push's audit log (owner; needs an API token)" : `Your ${scope} pushes (needs an API token)`,
    ...(scope === 'audit' ? { params: Token } : {}),
    querystring: { type: 'object', properties: { page: { type: 'string' } } },
    response: { 401: ErrorString },
  }),
  versionV1: {
    tags,
    summary: 'Version (v1)',
    response: {
      200: {
        type: 'object',
        properties: { application_version: { type: 'string' }, api_version: { type: 'string' }, edition: { type: 'string' } },
        required: ['application_version', 'api_version', 'edition'],
      },
    },
  },
  versionV2: {
    tags,
    summary: 'Version and features (v2)',
    response: {
      200: {
        type: 'object',
        properties: {
          application_version: { type: 'string' },
          api_version: { type: 'string' },
          edition: { type: 'string' },
          features: {
            type: 'object',
            properties: {
              anonymous_access: { type: 'boolean' },
              api_token_authentication: { type: 'boolean' },
              accounts: enabledFlag(),
              pushes: {
                type: 'object',
                properties: {
                  enabled: { type: 'boolean' },
                  email_auto_dispatch: { type: 'boolean' },
                  file_attachments: { type: 'object', properties: { enabled: { type: 'boolean' }, requires_authentication: { type: 'boolean' } } },
                  url_pushes: enabledFlag(),
                  qr_code_pushes: enabledFlag(),
                },
              },
              requests: enabledFlag(),
            },
          },
        },
      },
    },
  },
};

function enabledFlag() {
  return { type: 'object', properties: { enabled: { type: 'boolean' } }, required: ['enabled'] };
}
