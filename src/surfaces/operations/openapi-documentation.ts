import { readFileSync } from 'node:fs';
import { SESSION_COOKIE } from '../surface-kit/session-authentication.js';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The names of the ways a request can sign in, as the document's `securitySchemes` call them. */
export const SECURITY_SCHEMES = {
  bearer: 'apiToken',
  passwordPusherEmail: 'passwordPusherEmail',
  passwordPusherToken: 'passwordPusherToken',
  session: 'sessionCookie',
} as const;

/**
 * Which sign-ins an operation takes, from its route's access level and surface: an account route needs
 * one; every other route takes one optionally (the `{}` entry), which makes the push belong to the
 * account. Password Pusher's routes also take its X-User-Email with X-User-Token pair.
 *
 * @example securityFor('account', true) // [{ apiToken: [] }, { passwordPusherEmail: [], passwordPusherToken: [] }]
 */
export function securityFor(access: string | undefined, passwordPusher: boolean): Array<Record<string, string[]>> {
  const ways: Array<Record<string, string[]>> = [{ [SECURITY_SCHEMES.bearer]: [] }];
  if (passwordPusher) ways.push({ [SECURITY_SCHEMES.passwordPusherEmail]: [], [SECURITY_SCHEMES.passwordPusherToken]: [] });
  // Passdrop's API also takes the web session (the browser's own calls, with the CSRF header).
  else ways.push({ [SECURITY_SCHEMES.session]: [] });
  return access === 'account' || access === 'admin' ? ways : [{}, ...ways];
}

/** The OpenAPI document's frame; the paths come from the route schemas. */
export const openApiDocumentation = {
  openapi: '3.1.0',
  info: {
    title: 'Passdrop API',
    version: packageJson.version,
    description:
      "Passdrop's own API (`/api/passdrop/v1`) and the Password Pusher-compatible API (v1 `/p.json`… and v2 `/api/v2/…`). " +
      'Errors of the Passdrop API are `{code, error, requestId}`; the compatible routes keep Password Pusher\'s bodies.',
  },
  components: {
    securitySchemes: {
      [SECURITY_SCHEMES.bearer]: {
        type: 'http' as const,
        scheme: 'bearer',
        description: 'An API token from /account/tokens or POST /api/passdrop/v1/tokens: `Authorization: Bearer TOKEN`',
      },
      [SECURITY_SCHEMES.passwordPusherEmail]: { type: 'apiKey' as const, in: 'header' as const, name: 'X-User-Email', description: "Password Pusher's header pair: the account's email…" },
      [SECURITY_SCHEMES.passwordPusherToken]: { type: 'apiKey' as const, in: 'header' as const, name: 'X-User-Token', description: '…with its API token' },
      [SECURITY_SCHEMES.session]: {
        type: 'apiKey' as const,
        in: 'cookie' as const,
        name: SESSION_COOKIE,
        description: 'The web session of a signed-in browser; requests that change something also send its CSRF token in X-CSRF-Token',
      },
    },
  },
  tags: [
    { name: 'Passdrop API', description: 'Durations in minutes or absolute times, one error shape' },
    { name: 'Passdrop API: requests', description: 'Ask someone to send you a secret, encrypted to your key (docs/requests-encryption.md)' },
    { name: 'Password Pusher API (compatible)', description: "Password Pusher's JSON API, for its existing clients" },
  ],
};
