import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { FieldProblem } from '../errors/app-error.js';
import { isNonPublicAddress } from './address-guard.js';

/** Longest webhook URL, in characters. */
export const WEBHOOK_URL_MAX_CHARACTERS = 2000;

/** Resolves a host name to every address it has (dns.lookup with `all`); tests may pass their own. */
export type ResolveHost = (hostname: string) => Promise<readonly string[]>;

export const resolveWithSystem: ResolveHost = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Checks a webhook URL when it is saved: an absolute http or https URL without credentials, at most
 * 2000 characters, whose host resolves (now) only to public addresses unless the operator allows
 * private ones (PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES). The sender checks again at each delivery,
 * after its own resolution (src/notifications/webhook-sender.ts), since DNS answers change.
 *
 * Answers the problems (field `url`; codes `required`, `too_long`, `invalid_url`, `credentials_in_url`,
 * `unresolvable_host`, `non_public_address`), empty when the URL may be used.
 */
export async function checkWebhookUrl(raw: string, options: { allowPrivateAddresses: boolean; resolve?: ResolveHost }): Promise<FieldProblem[]> {
  const text = raw.trim();
  if (text === '') return [{ field: 'url', code: 'required', message: 'is required.' }];
  if (text.length > WEBHOOK_URL_MAX_CHARACTERS) {
    return [{ field: 'url', code: 'too_long', params: { max: WEBHOOK_URL_MAX_CHARACTERS }, message: `must be at most ${WEBHOOK_URL_MAX_CHARACTERS} characters.` }];
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [{ field: 'url', code: 'invalid_url', message: 'must be an absolute http or https URL.' }];
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return [{ field: 'url', code: 'invalid_url', message: 'must be an absolute http or https URL.' }];
  }
  if (url.username !== '' || url.password !== '') {
    return [{ field: 'url', code: 'credentials_in_url', message: 'must not carry a user name or password; the signature authenticates deliveries.' }];
  }
  if (options.allowPrivateAddresses) return [];
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: readonly string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = await (options.resolve ?? resolveWithSystem)(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) return [{ field: 'url', code: 'unresolvable_host', params: { host }, message: `names a host (${host}) that does not resolve.` }];
  }
  const refused = addresses.find(isNonPublicAddress);
  if (refused !== undefined) {
    return [
      {
        field: 'url',
        code: 'non_public_address',
        params: { host, address: refused },
        message: `resolves to ${refused}, a loopback, private or otherwise non-public address, which webhooks may not reach on this server.`,
      },
    ];
  }
  return [];
}
