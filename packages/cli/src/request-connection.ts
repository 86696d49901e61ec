import { connectServer } from './connect-server.js';
import { CliError, EXIT } from './exit-codes.js';
import { normalizeServerUrl } from './server-address.js';
import { loadConfig, namedServer, notice, tokenFor } from './server-selection.js';
import { requestApi, type RequestApi } from './request-api.js';

/** The options of every requester command (`passdrop request …`). */
export interface RequesterOptions {
  readonly server?: string | undefined;
}

/**
 * Connects to the server the requester commands talk to: `server` when a request link or page named
 * one, else --server, PASSDROP_SERVER or the one logged in to. It must be a Passdrop server (Password
 * Pusher keeps requests in its paid edition, without end-to-end encryption), and a token is needed.
 */
export async function connectRequester(options: RequesterOptions, server?: string): Promise<{ api: RequestApi; base: string }> {
  const { config } = loadConfig();
  const base = server ? normalizeServerUrl(server) : namedServer(options, config);
  if (!base) throw new CliError('Which server? Pass --server URL, set PASSDROP_SERVER, or run passdrop login.', EXIT.usage);
  const token = tokenFor(base, options, config);
  await connectServer(base, { token, api: 'passdrop', onNotice: notice });
  if (!token) throw new CliError(`Requests belong to an account: run passdrop login --server ${base}, or set PASSDROP_TOKEN.`, EXIT.auth);
  return { api: requestApi(base, token), base };
}
