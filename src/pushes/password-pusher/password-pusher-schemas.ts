import { Type, type TSchema } from 'typebox';
import type { RootKey } from './password-pusher-create-request.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const tags = ['Password Pusher API (compatible)'];

const ErrorString = Type.Object({ error: Type.String() }, { description: 'An error, Password Pusher style' });
const FieldErrors = Type.Record(Type.String(), Type.Array(Type.String()), {
  description: 'Validation errors: each field with its messages, e.g. {"payload":["Payload is required."]}',
});
const PassphraseError = Type.Object(
  { error: Type.String(), message: Type.Optional(Type.String()), status: Type.Optional(Type.String()) },
  { description: 'A wrong or missing passphrase (error, message, status), or an invalid API token (error only)' },
);

/** Keys in Password Pusher's order: the serializer writes them in schema order. */
const pushProperties = {
  expire_after_views: Type.Integer(),
  expired: Type.Boolean(),
  url_token: Type.String(),
  deletable_by_viewer: Nullable(Type.Boolean()),
  retrieval_step: Type.Boolean(),
  expired_on: Nullable(Type.String({ format: 'date-time' })),
  passphrase: Nullable(Type.String({ description: 'Never the passphrase: "" when there is none, null otherwise' })),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  expire_after_days: Type.Integer(),
  days_remaining: Type.Integer(),
  views_remaining: Type.Integer(),
  deleted: Type.Boolean(),
  json_url: Type.String(),
  html_url: Type.String({ description: 'The secret link to send' }),
};

const Push = Type.Object(pushProperties);
const CreatedPush = Type.Object({ ...pushProperties, note: Type.String(), name: Type.String() });
const RetrievedPush = Type.Object({
  ...pushProperties,
  payload: Nullable(Type.String({ description: 'The secret; null once expired' })),
  files: Type.Array(Type.Object({ filename: Type.String(), content_type: Type.String(), url: Type.String() })),
});

const Token = Type.Object({ token: Type.String({ description: 'The push token (url_token); an optional .json suffix is accepted' }) });

const createFields = Type.Object(
  {
    payload: Type.String({ description: 'The secret (text, URL or QR content)' }),
    kind: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('url'), Type.Literal('qr'), Type.Literal('file')])),
    expire_after_days: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
    expire_after_views: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
    expire_after_duration: Type.Optional(
      Type.Union([Type.Integer(), Type.String()], { description: "Password Pusher Pro's duration index; 6–17 = 1, 2, 3, 4, 5, 6, 7, 14, 21, 30, 60, 90 days" }),
    ),
    deletable_by_viewer: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
    retrieval_step: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
    passphrase: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    note: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const passwordPusherSchemas = {
  create: (rootKey: RootKey) => ({
    tags,
    summary: rootKey === 'push' ? 'Create a push (v2)' : `Create a push (v1, fields under "${rootKey}")`,
    description: 'JSON, URL-encoded form (`' + rootKey + '[payload]=…`) or multipart. Unknown fields are ignored.',
    body: Type.Object({ [rootKey]: createFields }),
    response: { 201: CreatedPush, 400: ErrorString, 401: ErrorString, 422: FieldErrors },
  }),
  retrieve: {
    tags,
    summary: 'Retrieve a push (uses a view)',
    description: 'Pass a passphrase as ?passphrase= or in the body. An expired push answers 200 with expired:true and a null payload.',
    params: Token,
    querystring: Type.Object({ passphrase: Type.Optional(Type.String()) }),
    response: { 200: RetrievedPush, 401: PassphraseError, 404: ErrorString, 429: ErrorString },
  },
  destroy: {
    tags,
    summary: 'Expire a push now (owner, or a viewer when the push is deletable by viewers)',
    params: Token,
    response: { 200: Push, 401: ErrorString, 404: ErrorString },
  },
  preview: {
    tags,
    summary: 'The secret link of a push (uses no view)',
    params: Token,
    response: { 200: Type.Object({ url: Type.String() }), 404: ErrorString },
  },
  accountOnly: (scope: string) => ({
    tags,
    summary: scope === 'audit' ? "A push's audit log (owner; needs an API token)" : `Your ${scope} pushes (needs an API token)`,
    querystring: Type.Object({ page: Type.Optional(Type.String()) }),
    response: { 401: ErrorString },
  }),
  versionV1: {
    tags,
    summary: 'Version (v1)',
    response: { 200: Type.Object({ application_version: Type.String(), api_version: Type.String(), edition: Type.String() }) },
  },
  versionV2: {
    tags,
    summary: 'Version and features (v2)',
    response: {
      200: Type.Object({
        application_version: Type.String(),
        api_version: Type.String(),
        edition: Type.String(),
        features: Type.Object({
          anonymous_access: Type.Boolean(),
          api_token_authentication: Type.Boolean(),
          accounts: Type.Object({ enabled: Type.Boolean() }),
          pushes: Type.Object({
            enabled: Type.Boolean(),
            email_auto_dispatch: Type.Boolean(),
            file_attachments: Type.Object({ enabled: Type.Boolean(), requires_authentication: Type.Boolean() }),
            url_pushes: Type.Object({ enabled: Type.Boolean() }),
            qr_code_pushes: Type.Object({ enabled: Type.Boolean() }),
          }),
          requests: Type.Object({ enabled: Type.Boolean() }),
        }),
      }),
    },
  },
};
