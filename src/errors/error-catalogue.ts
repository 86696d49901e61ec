/**
 * Every error Passdrop's own endpoints can answer, with a stable code, an HTTP status and a message a
 * person understands. `docs/errors.md` is generated from this list (`npm run docs`), and a test keeps it
 * in step. Password Pusher-compatible routes keep Password Pusher's own error bodies instead.
 */
export const errorCatalogue = {
  ROUTE_NOT_FOUND: { status: 404, message: 'There is nothing at this address.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This address does not accept the {method} method.' },
  INVALID_URL: {
    status: 400,
    message: 'The address is not valid: it has a malformed percent-encoding (such as a lone %) or a part that is too long.',
  },
  MALFORMED_REQUEST: { status: 400, message: 'The request is not valid HTTP.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive (PASSDROP_REQUEST_TIMEOUT_SECONDS); send it again.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are larger than this server accepts.' },
  INVALID_BODY: { status: 400, message: 'The request body could not be read: {reason}.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request body must be {accepted}.',
  },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than the {limit} this server accepts.' },
  HOST_NOT_ALLOWED: {
    status: 400,
    message: 'This server does not answer to that host name (PASSDROP_ALLOWED_HOSTS), so it will not build links with it.',
  },
  VALIDATION_FAILED: { status: 422, message: 'Some fields are not valid: {summary}' },
  UNAUTHENTICATED: { status: 401, message: 'The API token is not valid: it is unknown, revoked or expired, or does not match the email.' },
  SIGN_IN_REQUIRED: { status: 401, message: 'This needs an account: send an API token as Authorization: Bearer TOKEN.' },
  CSRF_FAILED: {
    status: 403,
    message: 'This request did not come from a Passdrop page (the CSRF check failed). Reload the page and try again.',
  },
  MFA_REQUIRED: { status: 403, message: 'Two-factor authentication is required. Please set it up to continue.' },
  NOT_AN_ADMIN: { status: 403, message: 'Only an administrator can do this.' },
  TOKEN_NOT_FOUND: { status: 404, message: 'You have no such API token (it may already be revoked).' },
  ANONYMOUS_CREATION_DISABLED: { status: 401, message: 'This server accepts new secrets only from accounts: send an API token.' },
  PUSH_NOT_FOUND: { status: 404, message: 'There is no such push. The link may be mistyped.' },
  PUSH_EXPIRED: { status: 410, message: 'This push has expired and its secret has been deleted.' },
  PASSPHRASE_REQUIRED: {
    status: 401,
    message: 'This push needs a passphrase. Send it in the passphrase field (for an end-to-end push, its access_proof).',
  },
  PASSPHRASE_INCORRECT: { status: 401, message: 'That passphrase is incorrect.' },
  LINK_PROOF_REQUIRED: {
    status: 401,
    message: 'This end-to-end push opens only with its whole link: send the link_proof derived from the secret after the # (no view was used).',
  },
  LINK_DAMAGED: {
    status: 403,
    message: 'The link is damaged: the part after the # does not match this push. Copy the whole link again (no view was used).',
  },
  PASSPHRASE_RATE_LIMITED: {
    status: 429,
    message: 'Too many passphrase attempts for this push. Please try again in a minute.',
  },
  PUSH_LOCKED: {
    status: 410,
    message: 'Too many wrong passphrases: this push is locked and its secret has been deleted.',
  },
  PUSH_NOT_DELETABLE: { status: 403, message: 'The sender did not allow recipients to delete this push.' },
  REQUESTS_DISABLED: { status: 403, message: 'Requests are turned off on this server.' },
  REQUEST_NOT_FOUND: { status: 404, message: 'There is no such request. The link may be mistyped.' },
  REQUEST_CLOSED: {
    status: 410,
    message: 'This request takes no more answers: it has all it asked for, its time ran out, or the requester closed it.',
  },
  REQUEST_PASSPHRASE_REQUIRED: { status: 401, message: 'This request needs its passphrase: send it in the passphrase field.' },
  REQUEST_PASSPHRASE_INCORRECT: { status: 401, message: 'That passphrase is incorrect.' },
  REQUEST_LOCKED: { status: 410, message: 'Too many wrong passphrases: this request is locked and takes no more answers.' },
  REQUEST_RATE_LIMITED: { status: 429, message: 'Too many answers from this address or to this request. Please try again later.' },
  ANSWER_NOT_FOUND: { status: 404, message: 'This request has no such answer.' },
  ANSWER_EXPIRED: { status: 410, message: 'This answer has expired and has been deleted.' },
  WEBHOOK_NOT_FOUND: { status: 404, message: 'You have no such webhook (it may have been deleted).' },
  WEBHOOK_LIMIT_REACHED: {
    status: 403,
    message: 'This account already has {limit} webhooks, the most this server allows (PASSDROP_WEBHOOKS_PER_ACCOUNT). Delete one first.',
  },
  NOT_PUSH_OWNER: { status: 403, message: 'Only the account that created this push can do this.' },
  LINK_EMAILS_UNAVAILABLE: {
    status: 404,
    message: 'This server does not email links: it has no SMTP server or PASSDROP_BASE_URL, or PASSDROP_LINK_EMAILS is off.',
  },
  LINK_EMAILS_RATE_LIMITED: { status: 429, message: 'Too many email requests: at most 5 a minute. Please try again in a minute.' },
  FILE_LIMIT_EXCEEDED: { status: 413, message: '{reason}' },
  STORAGE_FULL: {
    status: 507,
    message: 'The server is running out of storage space and cannot take this upload now. Try again later or send smaller files.',
  },
  FILE_NOT_FOUND: { status: 404, message: 'There is no such file, or its download window has ended (a view opens a new one).' },
  INVALID_UPLOAD: { status: 400, message: 'This upload cannot start: {reason}' },
  UPLOAD_NOT_YOURS: { status: 404, message: 'There is no such upload of yours.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests. Please wait a minute and try again.' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is not answering. Please try again shortly.' },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Something went wrong on our side. If it keeps happening, report it with the request id.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** Fills `{name}` placeholders; unknown placeholders are left visible so a missing value is noticed. */
export function formatErrorMessage(code: ErrorCode, params: Readonly<Record<string, string | number>> = {}): string {
  return errorCatalogue[code].message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function renderErrorCatalogueDoc(): string {
  const rows = Object.entries(errorCatalogue).map(
    ([code, entry]) => `| \`${code}\` | ${entry.status} | ${entry.message} |`,
  );
  return [
    '# Error codes',
    '',
    'Generated from `src/errors/error-catalogue.ts` by `npm run docs`; a test fails when this file is stale.',
    '',
    "Passdrop's own endpoints answer errors as `{\"code\": CODE, \"error\": message, \"requestId\": id}`; validation",
    'errors add `details`, a list of `{ "field", "message" }`. A 5xx body never carries more than the code, a generic',
    'message and the request id. The Password Pusher-compatible routes keep Password Pusher\'s own error bodies.',
    '',
    '| Code | HTTP status | Message |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
