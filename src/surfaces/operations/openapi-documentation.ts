import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

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
  tags: [
    { name: 'Passdrop API', description: 'Durations in minutes or absolute times, one error shape' },
    { name: 'Passdrop API: requests', description: 'Ask someone to send you a secret, encrypted to your key (docs/requests-encryption.md)' },
    { name: 'Password Pusher API (compatible)', description: "Password Pusher's JSON API, for its existing clients" },
  ],
};
