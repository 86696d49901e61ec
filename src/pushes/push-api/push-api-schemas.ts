import { Type, type Static } from 'typebox';

const tags = ['Passdrop API'];
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Boolean>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'A stable code from docs/errors.md' }),
    error: Type.String({ description: 'What went wrong, for a person' }),
    requestId: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'Error' },
);

export const PushView = Type.Object({
  token: Type.String(),
  kind: Type.Union([Type.Literal('text'), Type.Literal('url'), Type.Literal('qr'), Type.Literal('file')]),
  url: Type.String({ description: 'The secret link to send' }),
  encryption: Type.Union([Type.Literal('server'), Type.Literal('client')]),
  passphrase_protected: Type.Boolean(),
  retrieval_step: Type.Boolean(),
  deletable_by_viewer: Nullable(Type.Boolean()),
  expire_after_views: Type.Integer(),
  views_remaining: Type.Integer(),
  expires_at: Type.String({ format: 'date-time' }),
  expired: Type.Boolean(),
  expired_at: Nullable(Type.String({ format: 'date-time' })),
  expire_reason: Type.Union([
    Type.Literal('views'),
    Type.Literal('time'),
    Type.Literal('owner'),
    Type.Literal('viewer'),
    Type.Literal('locked'),
    Type.Null(),
  ]),
  created_at: Type.String({ format: 'date-time' }),
  name: Type.String(),
});
export type PushViewJson = Static<typeof PushView>;

export const CreatePushBody = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('url'), Type.Literal('qr')], { default: 'text' })),
    payload: Type.String({ description: 'The secret: text, an http(s) URL, or QR code content' }),
    expire_after_minutes: Type.Optional(Type.Integer({ description: 'Lifetime in minutes (give only one of the three lifetimes)' })),
    expire_after_days: Type.Optional(Type.Integer({ description: 'Lifetime in days' })),
    expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'Absolute expiry time (ISO 8601)' })),
    expire_after_views: Type.Optional(Type.Integer()),
    passphrase: Type.Optional(Type.String({ description: 'Recipients must type it; never stored in the clear' })),
    retrieval_step: Type.Optional(Type.Boolean()),
    deletable_by_viewer: Type.Optional(Type.Boolean()),
    name: Type.Optional(Type.String({ description: 'A label for your dashboard (not encrypted)' })),
    note: Type.Optional(Type.String({ description: 'A private note for yourself (encrypted)' })),
  },
  { additionalProperties: false },
);
export type CreatePushBodyJson = Static<typeof CreatePushBody>;

const TokenParams = Type.Object({ token: Type.String() });

export const pushApiSchemas = {
  create: {
    tags,
    summary: 'Create a push',
    description: 'Expiry is whichever comes first: the lifetime or the views. Values outside the configured bounds get a 422 that states the bounds.',
    body: CreatePushBody,
    response: { 201: PushView, 400: ErrorBody, 413: ErrorBody, 422: ErrorBody },
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
    body: Type.Optional(Type.Object({ passphrase: Type.Optional(Type.String()) }, { additionalProperties: false })),
    response: {
      200: Type.Object({ payload: Type.String(), push: PushView }),
      401: ErrorBody,
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
      200: Type.Object({
        min_expiry_minutes: Type.Integer(),
        kinds: Type.Record(
          Type.String(),
          Type.Object({
            enabled: Type.Boolean(),
            max_characters: Type.Integer(),
            expire_after_days: Type.Object({ default: Type.Integer(), min: Type.Integer(), max: Type.Integer() }),
            expire_after_views: Type.Object({ default: Type.Integer(), min: Type.Integer(), max: Type.Integer() }),
            retrieval_step_default: Type.Boolean(),
            deletable_by_viewer_default: Nullable(Type.Boolean()),
          }),
        ),
      }),
    },
  },
};
