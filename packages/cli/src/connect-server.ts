import { CliError, EXIT } from './exit-codes.js';
import { requestJson } from './http-client.js';
import { passdropServer, type ServerLimits } from './passdrop-server.js';
import { passwordPusherServer } from './password-pusher-server.js';
import type { PushServer } from './push-server.js';

/** Which API to speak: find out (`auto`), or insist on one. */
export type ApiChoice = 'auto' | 'passdrop' | 'pwpush';
export const API_CHOICES: readonly ApiChoice[] = ['auto', 'passdrop', 'pwpush'];

/**
 * Finds out what `base` is and returns a client for it. Passdrop answers `GET /api/v2/version`
 * exactly as Password Pusher does (its clients must not notice a difference), so the version alone
 * cannot tell them apart. What can: `GET /api/passdrop/v1/limits`, which only Passdrop has (and which
 * the CLI needs anyway for the server's limits). When it is absent, `GET /api/v2/version` must answer
 * with an `api_version` for the server to count as Password Pusher.
 *
 * @param onNotice receives the line to print on stderr when the server is Password Pusher.
 */
export async function connectServer(
  base: string,
  options: { token: string | undefined; api: ApiChoice; onNotice: (line: string) => void },
): Promise<PushServer> {
  if (options.api !== 'pwpush') {
    const limits = await requestJson(`${base}/api/passdrop/v1/limits`);
    const body = limits.body as Partial<ServerLimits> | undefined;
    if (limits.status === 200 && body && typeof body.kinds === 'object') return passdropServer(base, options.token, body as ServerLimits);
    if (options.api === 'passdrop') {
      throw new CliError(`${base} is not a Passdrop server (GET /api/passdrop/v1/limits answered ${limits.status}).`, EXIT.network);
    }
  }
  const version = await requestJson(`${base}/api/v2/version`);
  const versionBody = version.body as { api_version?: unknown; application_version?: unknown } | undefined;
  if (version.status === 200 && typeof versionBody?.api_version === 'string') {
    const who =
      options.api === 'pwpush' ? `Speaking Password Pusher's API to ${base}`
      : `${base} is a Password Pusher server (version ${String(versionBody.application_version ?? 'unknown')})`;
    options.onNotice(`${who}: secrets are encrypted by the server, not on this machine, so it sees them and any passphrase.`);
    return passwordPusherServer(base, options.token);
  }
  throw new CliError(
    `${base} does not look like a Passdrop or Password Pusher server (no /api/passdrop/v1/limits, and /api/v2/version answered ${version.status}). Check the URL.`,
    EXIT.network,
  );
}
